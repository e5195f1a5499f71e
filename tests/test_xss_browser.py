"""Hostile event text does nothing in a real browser: Debian's Chromium, driven by
playwright-core (tests/js/xss_check.mjs).

Events, changes, news posts, sources and communities whose every text field holds a
script payload, and whose URLs are javascript:, data: and attribute-breaking addresses,
go through the real publisher (feeds.publish and feeds.site.write_site). Every published
page is opened and every link, button and control on it clicked; then the HTML of every
RSS item description is put into a page, as a feed reader that trusts it would show it,
and opened the same way. Nothing may set window.__pwned, open a dialog, or leave an
on* attribute, a javascript:/data: URL, a script or an active element behind.

The pages are served by http.server, not `convene serve`: its Content-Security-Policy
would stop inline scripts by itself, and this test is about the sanitising. Control
pages with the same payloads unsanitised show that the harness catches what it should.
"""

from __future__ import annotations

import functools
import html
import json
import subprocess
import threading
import xml.etree.ElementTree as ET
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from feeds_factory import NOW, make_event, make_stored
from test_site_browser import _tools

from feeds import publish
from feeds.site import write_site
from scrapers.model import Location
from warehouse.news_types import Change, NewsPost
from warehouse.records import Label, StoredEvent
from warehouse.site_data import Community, NextEvent, SiteData, SourceStatus

JS = Path(__file__).parent / "js"
BASE = "https://convene.example/feeds"

# Markup that runs script if it reaches a page as markup. Each names itself in
# window.__pwned, so a failure says which one got through. A javascript: URL says it in
# void(...): one that returned a string would replace the page, and the flag with it.
TEXT_PAYLOADS = [
    '<script>window.__pwned="script"</script>',
    "<img src=x onerror=\"window.__pwned='img-onerror'\">",
    "<svg onload=\"window.__pwned='svg-onload'\"></svg>",
    "\"><svg onload=window.__pwned='attr-double'>",
    "'><img src=x onerror=window.__pwned='attr-single'>",
    "<a href=\"javascript:void(window.__pwned='a-href')\">read more</a>",
    "<a href=\"&#106;avascript:void(window.__pwned='a-entity')\">read more</a>",
    "<a href=\" java&#9;script:void(window.__pwned='a-tab')\">read more</a>",
    "<a href=\"data:text/html,<script>alert('a-data')</script>\">read more</a>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "<details open ontoggle=\"window.__pwned='ontoggle'\"><summary>x</summary></details>",
    "<body onload=\"window.__pwned='body-onload'\">",
    '</textarea></title><script>window.__pwned="breakout"</script>',
    '</script><script>window.__pwned="end-script"</script>',
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='mxss'\">",
    "<form action=\"javascript:void(window.__pwned='form')\"><button>go</button></form>",
    "<input autofocus onfocus=\"window.__pwned='autofocus'\">",
    "<img src=x onerror=alert('dialog')>",
    "<a href=\"javascript:alert('dialog-href')\">click</a>",
    "<object data=\"javascript:void(window.__pwned='object')\"></object>",
    "<base href=\"javascript:void(window.__pwned='base')//\">",
    '<meta http-equiv="refresh" content="0;url=javascript:void(window.__pwned=\'meta\')">',
    '<a href="https://ok.example/" onclick="window.__pwned=\'onclick\'">ok link</a>',
    '<a href="https://ok.example/" onmouseover="window.__pwned=\'hover\'">hover</a>',
]
# Addresses given as an event's, a copy's, a post's, a source's or a community's URL.
URL_PAYLOADS = [
    "javascript:void(window.__pwned='url')",
    "JaVaScRiPt:void(window.__pwned='url-case')",
    "  javascript:void(window.__pwned='url-space')",
    "java\tscript:void(window.__pwned='url-tab')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox('url-vb')",
    "javascript:alert('url-dialog')",
    "https://ok.example/\"><script>window.__pwned='url-attr'</script>",
    "https://ok.example/' onmouseover='window.__pwned=1",
    "https://ok.example/x?a=\"onfocus=\"window.__pwned='url-q'",
]


def _url(n: int) -> str:
    return URL_PAYLOADS[n % len(URL_PAYLOADS)]


def hostile_events() -> list[StoredEvent]:
    """One event per markup payload, in every text field, with a hostile URL each."""
    found = []
    for n, text in enumerate(TEXT_PAYLOADS):
        event = make_event(
            source_uid=f"xss-{n}",
            title=text,
            description=f"Before {text} after.",
            start=NOW + timedelta(days=10, hours=n),
            end=NOW + timedelta(days=10, hours=n + 1),
            url=_url(n),
            location=Location(name=text, address=text, postcode="E1 8QS"),
            attendance="in-person",
            organiser=text,
        )
        found.append(
            make_stored(
                event,
                source_name=text,
                regions=("london",),
                professions=("data",),
                also_listed=((text, _url(n + 1)),),
                labels=(Label("region", "london", "place", text),),
            )
        )
    return found


def hostile_news(events: list[StoredEvent]) -> tuple[list[Change], list[NewsPost]]:
    changes = [
        Change("venue", f"gds-meetups/xss-{n}", NOW, s, old_place=text, new_place=text)
        for n, (s, text) in enumerate(zip(events, TEXT_PAYLOADS, strict=True))
    ]
    posts = [
        NewsPost(
            "blog", f"post-{n}", text, text, _url(n), f"<p>{text}</p>", text,
            NOW - timedelta(days=1, hours=n), ("data",),
        )
        for n, text in enumerate(TEXT_PAYLOADS)
    ]  # fmt: skip
    return changes, posts


def hostile_site() -> SiteData:
    pairs = list(enumerate(TEXT_PAYLOADS))
    return SiteData(
        refreshed_at=NOW - timedelta(minutes=5),
        sources=tuple(
            SourceStatus(f"evil-{n}", text, _url(n), "failing", None, 0) for n, text in pairs
        ),
        communities=tuple(
            Community(
                text, _url(n), ("london",), ("data",), ((text, _url(n + 1)),), 1,
                NextEvent(text, NOW + timedelta(days=10), False, _url(n + 2)),
            )
            for n, text in pairs
        ),
    )  # fmt: skip


def item_descriptions(folder: Path) -> list[tuple[str, str, str]]:
    """(title, link, description HTML) of every item of every published RSS file."""
    found: dict[tuple[str, str, str], None] = {}
    for path in sorted(folder.glob("*.xml")):
        for item in ET.parse(path).getroot().iter("item"):
            title, link = item.findtext("title") or "", item.findtext("link") or ""
            found[(title, link, item.findtext("description") or "")] = None
    return list(found)


def reader_page(items: list[tuple[str, str, str]]) -> str:
    """The items as a feed reader that trusts the description's HTML would show them."""
    articles = "\n".join(
        f'<article><h2><a href="{html.escape(link)}">{html.escape(title)}</a></h2>'
        f"<div>{description}</div></article>"
        for title, link, description in items
    )
    return f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Reader</title>\n{articles}'


# Pages the harness must catch: a link that runs only when clicked, and a dialog.
CONTROLS = {
    "click-control.html": "<a href=\"javascript:void(window.__pwned='clicked')\">x</a>",
    "dialog-control.html": "<img src=x onerror=\"alert('dialog')\">",
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xss")
    events = hostile_events()
    changes, posts = hostile_news(events)
    report = publish(events, out, NOW, BASE, changes=changes, posts=posts)
    write_site(report, NOW, BASE, events, hostile_site())
    items = item_descriptions(out)
    (out / "reader.html").write_text(reader_page(items), encoding="utf-8")
    raw = [(text, _url(n), text) for n, text in enumerate(TEXT_PAYLOADS)]
    (out / "reader-unsanitised.html").write_text(reader_page(raw), encoding="utf-8")
    for name, body in CONTROLS.items():
        (out / name).write_text(f"<!doctype html><title>Control</title>{body}", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def seen(published: Path) -> dict[str, dict[str, Any]]:
    node, _ = _tools()
    handler = functools.partial(_Quiet, directory=str(published))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pages = sorted(p.name for p in published.glob("*.html"))
    config = {"origin": f"http://127.0.0.1:{server.server_address[1]}", "pages": pages}
    path = published.parent / f"{published.name}-xss.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    try:
        done = subprocess.run(
            [node, str(JS / "xss_check.mjs"), str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-3000:]
    return {page["path"]: page for page in json.loads(done.stdout)}


def test_the_harness_catches_unsanitised_payloads(seen: dict[str, dict[str, Any]]) -> None:
    raw = seen["reader-unsanitised.html"]
    assert raw["pwnedAfterLoad"] is not None
    assert raw["onAttrs"] and raw["badUrls"] and raw["scripts"] and raw["active"]
    clicked = seen["click-control.html"]
    assert (clicked["pwnedAfterLoad"], clicked["pwned"], clicked["stayed"]) == (
        None,
        "clicked",
        True,
    )
    assert seen["dialog-control.html"]["dialogs"] == ["alert: dialog"]


def test_published_pages_run_nothing_from_event_text(
    published: Path, seen: dict[str, dict[str, Any]]
) -> None:
    pages = [p for p in seen if p not in {*CONTROLS, "reader.html", "reader-unsanitised.html"}]
    assert "index.html" in pages and len(pages) >= 4, pages
    for name in pages:
        page = seen[name]
        assert (page["pwnedAfterLoad"], page["pwned"], page["dialogs"]) == (None, None, []), name
        assert (page["onAttrs"], page["badUrls"]) == ([], []), name
        assert (page["scripts"], page["active"], page["errors"]) == ([], [], []), name
        assert page["stayed"] and page["clicked"] > 0, name
    index = seen["index.html"]
    assert index["clicked"] >= 2 * len(TEXT_PAYLOADS)
    # Shown as text, not dropped: every payload reads on the index as it was written.
    missing = [text for text in TEXT_PAYLOADS if text not in index["text"]]
    assert missing == []


def test_rss_descriptions_run_nothing_in_a_trusting_reader(
    published: Path, seen: dict[str, dict[str, Any]]
) -> None:
    items = item_descriptions(published)
    assert len(items) >= 3 * len(TEXT_PAYLOADS)  # events, changes and posts, each in feeds
    reader = seen["reader.html"]
    assert (reader["pwnedAfterLoad"], reader["pwned"], reader["dialogs"]) == (None, None, [])
    assert (reader["onAttrs"], reader["badUrls"], reader["scripts"], reader["active"]) == (
        [],
        [],
        [],
        [],
    )
    assert reader["clicked"] >= len(items)
