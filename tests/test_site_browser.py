"""The published pages in a real browser: Debian's Chromium driven by playwright-core
(tests/js/site_check.mjs), with axe-core's WCAG 2.2 AA rules.

The site is served from 127.0.0.1 by http.server in a thread; the browser may fetch
nothing else. Screenshots go to /tmp/convene-site-*.png for people to look at.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_feeds_page import BASE, PAST, SITE, build_site, events

from feeds.specs import PLACES, feeds_of
from warehouse.records import StoredEvent

JS = Path(__file__).parent / "js"
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = "/tmp/convene-site"

SCENARIOS: list[dict[str, Any]] = [
    {"region": "london", "profession": "data"},
    {"region": "london"},
    {"region": "london", "attend": "in-person"},
    {"attend": "online"},
    {"region": "london", "attend": "online"},
    {"free": True},
    {"region": "scotland", "profession": "data"},
]
# scenario index -> (the feed offered, whether it is exactly the choice)
OFFERED = {
    0: ("region-london-profession-data", True),
    1: ("region-london", True),
    2: ("region-london-in-person", True),
    3: ("region-online", True),
    4: ("region-online", False),
    5: ("all", True),
    6: ("region-scotland", False),  # no Scottish data events, so no such feed
}


def _tools() -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the browser checks need Node.js 18+")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install Debian's chromium package for browser checks")
    for package in ("playwright-core", "axe-core"):
        if not (JS / "node_modules" / package).is_dir():
            pytest.skip(f"{package} is not installed: run `npm ci --prefix tests/js`")
    return node, JS / "node_modules" / "axe-core" / "axe.min.js"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    site = tmp_path_factory.mktemp("served")
    build_site(site)
    handler = functools.partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _in(slug: str) -> list[StoredEvent]:
    return [s for s in events() if s is not PAST and slug in {f.slug for f in feeds_of(s)}]


def expected_titles(scenario: dict[str, Any]) -> list[str]:
    """What the filters should show: the events of every feed the choice names."""
    region, profession = scenario.get("region"), scenario.get("profession")
    attend, free = scenario.get("attend"), scenario.get("free")
    shown = [s for s in events() if s is not PAST]
    if region:
        suffix = "-in-person" if attend == "in-person" else ""
        shown = [s for s in shown if s in _in(f"region-{region}{suffix}")]
    if profession:
        shown = [s for s in shown if s in _in(f"profession-{profession}")]
    if attend == "online":
        shown = [s for s in shown if s in _in("region-online")]
    if attend == "in-person":
        shown = [s for s in shown if any(s in _in(f"region-{r}-in-person") for r in PLACES)]
    if free:
        shown = [s for s in shown if s.free]
    shown.sort(key=lambda s: s.event.start)
    return [("Cancelled: " if s.event.status == "cancelled" else "") + s.event.title for s in shown]


@pytest.fixture(scope="module")
def facts(served: tuple[Path, str]) -> dict[str, Any]:
    node, axe = _tools()
    site, url = served
    config = {
        "url": url,
        "axe": str(axe),
        "scenarios": [
            {"region": "", "profession": "", "attend": "", "free": False, **s} for s in SCENARIOS
        ],
        "copy": {"region": "london", "profession": "data", "attend": "", "free": False},
        "feedPage": "feed-region-london-profession-data.html",
        "noJsLinks": ["London", "Data in London"],
        "shots": SHOTS,
    }
    path = site.parent / "site_check.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    done = subprocess.run(
        [node, str(JS / "site_check.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_nothing_from_elsewhere_and_no_script_errors(facts: dict[str, Any]) -> None:
    assert facts["external"] == []
    assert facts["errors"] == []


def test_script_shows_the_filters_and_the_copy_button(facts: dict[str, Any]) -> None:
    initial = facts["initial"]
    assert initial["formVisible"] and initial["copyVisible"]
    assert initial["titles"] == expected_titles({})
    assert initial["panel"]["url"] == f"{BASE}/all.ics"


def test_filters_choose_events_and_feed(facts: dict[str, Any]) -> None:
    for n, found in enumerate(facts["scenarios"]):
        scenario = SCENARIOS[n]
        assert found["titles"] == expected_titles(scenario), scenario
        slug, exact = OFFERED[n]
        panel = found["panel"]
        https = f"{BASE}/{slug}.ics"
        webcal = https.replace("https://", "webcal://")
        assert panel["url"] == https, scenario
        assert panel["links"]["webcal"] == webcal
        assert panel["links"]["rss"] == f"{slug}.xml"
        assert panel["links"]["page"] == f"feed-{slug}.html"
        assert ("No feed has exactly this choice" in panel["note"]) is not exact, scenario
        assert ("free filter applies to this page only" in panel["note"]) is bool(
            scenario.get("free")
        )
        assert found["status"].startswith(f"Showing {len(found['titles'])} of ")
    london_data = facts["scenarios"][0]["panel"]
    assert london_data["title"] == "Convene: Data events, London"
    # The script builds the same links as the page without it (feeds/page_subscribe.py).
    static = facts["feedPage"]["panel"]["links"]
    assert london_data["links"] == static | {"page": "feed-region-london-profession-data.html"}
    assert facts["scenarios"][1]["communities"] == ["One Team Gov", "Open Government Network"]
    assert facts["scenarios"][0]["communities"] == []
    assert [c for c in SITE.communities if "london" in c.regions]


def test_copy_button(facts: dict[str, Any]) -> None:
    copied = facts["copy"]
    assert copied["status"] == "Copied the calendar address."
    assert (copied["role"], copied["live"]) == ("status", "polite")
    assert copied["clipboard"] == copied["url"] == f"{BASE}/region-london-profession-data.ics"
    # The choice is in the address, so a reload (or a shared link) keeps it.
    assert copied["restored"] == {
        "query": "?region=london&profession=data",
        "region": "london",
        "profession": "data",
    }


def test_keyboard(facts: dict[str, Any]) -> None:
    keys = facts["keyboard"]
    reached = keys["reached"]
    stops = [r["stop"] for r in reached]
    # Every stop, once, in document order: nothing skipped, no trap, no reordering.
    assert stops[: keys["expected"]] == [str(n) for n in range(keys["expected"])]
    unseen = [r for r in reached if not r["visible"]]
    assert unseen == [], "focus must be visible"
    assert all(r["inView"] for r in reached), "focused elements are scrolled into view"
    skip = keys["skip"]
    assert skip["text"] == "Skip to main content" and skip["inView"] and skip["visible"]
    assert skip["hash"] == "#main" and skip["next"]
    small = [r for r in reached if r["tag"] in ("button", "select", "input") and r["height"] < 24]
    assert small == []


def test_axe_finds_no_wcag_22_aa_violations(facts: dict[str, Any]) -> None:
    assert set(facts["axe"]) == {
        "index",
        "index filtered",
        "feed page",
        "index on a phone",
        "index without our script",
        "feed page without our script",
    }
    for name, result in facts["axe"].items():
        assert result["violations"] == [], name
        assert result["passes"] > 10, name


def test_phone_width_needs_no_sideways_scrolling(facts: dict[str, Any]) -> None:
    assert facts["phone"] == {"overflow": False}


def test_without_javascript_links_lead_to_feed_pages(facts: dict[str, Any]) -> None:
    no_js = facts["noJs"]
    assert not no_js["formVisible"] and not no_js["copyVisible"] and no_js["browseVisible"]
    london, data = no_js["pages"]
    assert london["path"].endswith("/feed-region-london.html")
    assert london["h1"] == "Convene: London events"
    assert london["titles"] == expected_titles({"region": "london"})
    assert data["path"].endswith("/feed-region-london-profession-data.html")
    assert data["titles"] == expected_titles({"region": "london", "profession": "data"})
    assert data["url"] == f"{BASE}/region-london-profession-data.ics"
