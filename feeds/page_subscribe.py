"""The subscribe panel: one feed's calendar address and the ways to add it to an app.

The same links are built by assets/convene.js when the filters change; the URL shapes
here and there must agree (tests/test_site_browser.py checks the two against each other).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from feeds.page_html import esc, local_link
from feeds.specs import FeedSpec

GOOGLE = "https://calendar.google.com/calendar/render?cid="
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb?url="
# What JavaScript's encodeURIComponent leaves alone, so both build the same links.
_URI_SAFE = "!'()*"


def _encode(text: str) -> str:
    return quote(text, safe=_URI_SAFE)


def feed_base(base_url: str | None) -> str | None:
    """The folder URL the feeds are published at, ending in "/"."""
    return base_url.rstrip("/") + "/" if base_url else None


def page_name(slug: str) -> str:
    """The static page of one feed."""
    return f"feed-{slug}.html"


def count_text(count: int) -> str:
    return f"{count} upcoming event" + ("" if count == 1 else "s")


def app_links(spec: FeedSpec, base: str | None) -> list[tuple[str, str, str]]:
    """(kind, href, text) of each way to follow the feed; subscribing by URL needs the
    address the feeds are published at, over http(s)."""
    ics, rss = f"{spec.slug}.ics", f"{spec.slug}.xml"
    found = []
    if base is not None and urlsplit(base).scheme in ("http", "https"):
        https = base + ics
        webcal = "webcal://" + https.split("://", 1)[1]
        found += [
            ("webcal", webcal, "Subscribe in Apple Calendar or Outlook (webcal)"),
            ("google", GOOGLE + _encode(webcal), "Add to Google Calendar"),
            (
                "outlook",
                f"{OUTLOOK}{_encode(https)}&name={_encode(spec.title)}",
                "Add to Outlook.com",
            ),
        ]
    found += [
        ("rss", rss, "RSS feed"),
        ("changes", f"{spec.slug}-changes.xml", "RSS feed of changes (new, moved, cancelled)"),
        ("ics", ics, "Download the .ics file (a copy that does not update)"),
    ]
    return found


def subscribe_panel(
    spec: FeedSpec, count: int, base: str | None, heading: int = 2, page_link: bool = False
) -> str:
    """The panel for one feed. With JavaScript the copy button appears, and on the index
    the panel follows the filters; without it every link still works."""
    address = base + f"{spec.slug}.ics" if base else f"{spec.slug}.ics"
    links = [
        f'<li data-kind="{kind}">{local_link(href, text)}</li>'
        for kind, href, text in app_links(spec, base)
    ]
    if page_link:
        page = local_link(page_name(spec.slug), "Page for this feed")
        links.append(f'<li data-kind="page">{page}</li>')
    items = "\n".join(links)
    attrs = f'data-slug="{esc(spec.slug)}" data-title="{esc(spec.title)}"'
    if page_link:
        attrs += ' data-page-link="1"'
    return f"""<section class="subscribe" id="subscribe" aria-labelledby="subscribe-h" {attrs}>
<h{heading} id="subscribe-h">Subscribe</h{heading}>
<p class="sub-feed"><strong id="sub-title">{esc(spec.title)}</strong><br>
<span id="sub-count">{esc(count_text(count))}</span></p>
<p id="sub-note" class="note" hidden></p>
<label for="sub-url">Calendar address (paste it into your calendar app)</label>
<div class="copy-row">
<input id="sub-url" class="url" type="text" readonly value="{esc(address)}" spellcheck="false">
<button type="button" class="button" id="sub-copy" data-copy="sub-url" hidden>Copy address</button>
</div>
<p id="copy-status" class="status" role="status" aria-live="polite"></p>
<ul class="sub-links" id="sub-links">
{items}
</ul>
</section>"""
