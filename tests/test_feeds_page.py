"""The published pages: index.html, one page per feed, their assets; what they show, that
hostile listing text stays text, that every link leads to a file, and the communities."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from feeds_factory import ACROSS_BST, AFTER_BST, NOW, make_event, make_stored, sample_events

from feeds import publish
from feeds.page_html import asset_href
from feeds.site import write_site
from feeds.specs import feeds_of
from scrapers.model import Event, Location, ParseResult, Source
from scrapers.pipeline import SourceResult
from warehouse.records import Label, StoredEvent
from warehouse.site_data import Community, NextEvent, SiteData, SourceStatus, read_site_data

BASE = "https://convene.example/feeds"
REPO = Path(__file__).resolve().parents[1]
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'

LABELLED = replace(
    ACROSS_BST,
    free=True,
    also_listed=(("Meetup", "https://meetup.example/e/1"), ("A newsletter", None)),
    labels=(
        Label("region", "london", "postcode", "postcode E2 7DG"),
        Label("profession", "digital", "keyword", "'hack day' in the title"),
        Label("profession", "service-design", "source", "the source's profession"),
        Label("free", "true", "keyword", "'free' in the description"),
    ),
)
RESTRICTED = replace(
    AFTER_BST,
    free=False,
    restricted="civil-servants-only",
    labels=(
        Label("region", "london", "postcode", "postcode E1 8QS"),
        Label("restricted", "civil-servants-only", "keyword", "'civil servants only'"),
    ),
)
HOSTILE = make_stored(
    make_event(
        source_id="evil",
        source_uid="evil-1",
        title=EVIL,
        start=datetime(2026, 3, 5, 18, 0, tzinfo=UTC),
        end=datetime(2026, 3, 5, 19, 0, tzinfo=UTC),
        url="javascript:alert(1)",
        location=Location(name='"><script>alert(2)</script>'),
        attendance="in-person",
    ),
    source_name="<b>Evil & Co</b>",
    regions=("london",),
    professions=("data",),
    free=True,
    also_listed=(
        ("Copy <i>", "javascript:alert(3)"),
        ("Safe copy", "https://copy.example/?a=1&b=2"),
    ),
    labels=(Label("region", "london", "place", "<em>London</em> in the address"),),
)
PAST = make_stored(
    make_event(source_uid="past", title="Already over", start=NOW - timedelta(days=3), end=None)
)


def events() -> list[StoredEvent]:
    # The hack day and the show and tell, with labels, flags and copies elsewhere.
    kept = [s for s in sample_events() if s not in (ACROSS_BST, AFTER_BST)]
    return [*kept, LABELLED, RESTRICTED, HOSTILE, PAST]


SITE = SiteData(
    refreshed_at=NOW - timedelta(minutes=5),
    sources=(
        SourceStatus("gds", "GDS meetups", "https://gds.example/events", "ok", NOW, 3),
        SourceStatus("evil", EVIL, "javascript:alert(4)", "failing", None, 0),
    ),
    communities=(
        Community(
            "One Team Gov",
            "https://meetup.example/otg",
            ("london",),
            ("digital", "service-design"),
            (("Meetup", "https://meetup.example/"),),
            12,
            NextEvent(
                "Public services hack day", LABELLED.event.start, False, "https://m.example/1"
            ),
        ),
        Community("Open Government Network", None, ("online",), ("commercial",), (), 1, None),
        Community(EVIL, "javascript:alert(5)", ("scotland",), ("data",), ((EVIL, "x:y"),), 0, None),
    ),
)


def build_site(
    out: Path, base: str | None = BASE, now: datetime = NOW, site: SiteData = SITE
) -> list[Path]:
    report = publish(events(), out, now, base)
    return write_site(report, now, base, events(), site)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(out)
    return out


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "html.parser")


def titles(soup: BeautifulSoup) -> list[str]:
    return [li.h4.get_text() for li in soup.select("li.event")]


def upcoming_titles(slug: str) -> list[str]:
    found = [s for s in events() if s is not PAST and slug in {f.slug for f in feeds_of(s)}]
    found.sort(key=lambda s: s.event.start)
    return [("Cancelled: " if s.event.status == "cancelled" else "") + s.event.title for s in found]


def test_index_structure(site: Path) -> None:
    soup = soup_of(site / "index.html")
    assert soup.html is not None and soup.html["lang"] == "en-GB"
    assert [h.get_text() for h in soup.find_all("h1")] == [
        "Events for people who change public services"
    ]
    levels = [int(h.name[1]) for h in soup.find_all(re.compile("^h[1-6]$"))]
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    for landmark in ("header", "main", "footer", "nav"):
        assert soup.find(landmark) is not None, landmark
    skip = soup.find("a")
    assert skip is not None and skip["href"] == "#main" and soup.find(id="main") is not None
    for control in soup.select("select, input"):
        assert soup.find("label", attrs={"for": control["id"]}) is not None, control
    h2s = [h.get_text() for h in soup.find_all("h2")]
    for heading in ("Upcoming events", "Subscribe", "Communities", "How to subscribe", "Sources"):
        assert heading in h2s


def test_events_grouped_by_day_with_details(site: Path) -> None:
    soup = soup_of(site / "index.html")
    days = [div["data-day"] for div in soup.select("div.day")]
    assert days == sorted(days) and len(days) == len(set(days))
    assert "Already over" not in titles(soup)
    assert titles(soup) == upcoming_titles("all")
    hack = next(li for li in soup.select("li.event") if "hack day" in li.h4.get_text())
    assert hack.select_one("p.when").get_text() == (
        "Sat 28 Mar 2026, 18:30 to Sun 29 Mar 2026, 16:00 UK time"
    )
    assert "Newspeak House" in hack.select_one("p.where").get_text()
    assert [a["href"] for a in hack.select("p.listed a")] == [
        "https://meetup.example/hack-day",
        "https://meetup.example/e/1",
    ]
    assert "A newsletter" in hack.select_one("p.listed").get_text()
    reasons = [li.get_text() for li in hack.select("details.why li")]
    assert "Region: London (postcode E2 7DG)" in reasons
    assert "Price: Free ('free' in the description)" in reasons
    assert [f.get_text() for f in hack.select(".flag")] == ["Free"]
    restricted = next(li for li in soup.select("li.event") if "data in delivery" in li.h4.text)
    assert [f.get_text() for f in restricted.select(".flag")] == ["Paid", "Civil servants only"]
    online = next(li for li in soup.select("li.event") if "webinar" in li.h4.get_text())
    assert online.select_one("p.where").get_text() == "Online"
    assert "london" in online["data-r"].split() and online["data-rp"] == ""


def test_hostile_text_stays_text(site: Path) -> None:
    for page in (site / "index.html", site / "feed-region-london.html"):
        raw = page.read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "<img" not in raw and "<b>Evil" not in raw
        soup = BeautifulSoup(raw, "html.parser")
        scripts = soup.find_all("script")
        assert len(scripts) <= 2
        assert all(
            s.get("src", "").startswith("assets/") or s.get("type") == "application/json"
            for s in scripts
        )
        for tag in soup.find_all(True):
            assert not any(name.startswith("on") for name in tag.attrs), tag
        for a in soup.find_all("a"):
            assert not str(a["href"]).lower().startswith(("javascript:", "x:")), a
        assert EVIL in soup.get_text()
    soup = soup_of(site / "index.html")
    evil = next(li for li in soup.select("li.event") if li.h4.get_text() == EVIL)
    assert evil.select_one("p.where").get_text() == '"><script>alert(2)</script>'
    assert [a.get_text() for a in evil.select("p.listed a")] == ["Safe copy"]
    assert "<b>Evil & Co</b>" in evil.select_one("p.listed").get_text()
    data = json.loads(soup.find("script", id="feed-data").string)
    assert "region-london" in data["feeds"]


def _targets(page: Path) -> list[str]:
    soup = soup_of(page)
    return [
        str(t.get("href") or t.get("src")) for t in soup.select("a[href], link[href], script[src]")
    ]


def test_every_link_points_at_a_file_on_disk(site: Path) -> None:
    pages = sorted(site.glob("*.html"))
    assert len(pages) > 10
    external = ("https://", "webcal://convene.example/feeds/")
    for page in pages:
        ids = {str(t["id"]) for t in soup_of(page).find_all(id=True)}
        for href in _targets(page):
            if href.startswith(external):
                if href.startswith("webcal://"):
                    assert (site / href.removeprefix(external[1])).is_file(), (page.name, href)
                continue
            path, _, fragment = href.partition("#")
            path = path.split("?")[0]
            assert not path or (site / unquote(path)).is_file(), (page.name, href)
            if fragment:
                target = (
                    ids
                    if not path
                    else {str(t["id"]) for t in soup_of(site / path).find_all(id=True)}
                )
                assert fragment in target, (page.name, href)


def test_assets_are_copied_and_versioned(site: Path) -> None:
    for name in ("convene.css", "convene.js"):
        assert (site / "assets" / name).read_bytes() == (
            REPO / "feeds" / "assets" / name
        ).read_bytes()
        assert asset_href(name) in _targets(site / "index.html")
    assert not re.search(
        r"https?://(?!convene\.example)[^\"']*\.(css|js)\b", (site / "index.html").read_text()
    )


def test_subscribe_links(site: Path) -> None:
    panel = soup_of(site / "feed-region-london-profession-data.html").select_one(
        "section.subscribe"
    )
    assert panel is not None
    links = {li["data-kind"]: str(li.a["href"]) for li in panel.select("li[data-kind]")}
    https = f"{BASE}/region-london-profession-data.ics"
    webcal = "webcal://convene.example/feeds/region-london-profession-data.ics"
    assert panel.select_one("input#sub-url")["value"] == https
    assert links["webcal"] == webcal
    google = urlsplit(links["google"])
    assert (google.netloc, google.path) == ("calendar.google.com", "/calendar/render")
    assert parse_qs(google.query) == {"cid": [webcal]}
    outlook = urlsplit(links["outlook"])
    assert outlook.netloc == "outlook.live.com"
    assert parse_qs(outlook.query) == {"url": [https], "name": ["Convene: Data events, London"]}
    assert links["rss"] == "region-london-profession-data.xml" and links["ics"].endswith(".ics")
    button = panel.select_one("button#sub-copy")
    assert button is not None and button.has_attr("hidden")  # shown by the script
    status = panel.select_one("#copy-status")
    assert status["role"] == "status" and status["aria-live"] == "polite"


def test_no_webcal_without_an_http_base(tmp_path: Path) -> None:
    for base in (None, "file:///srv/feeds"):
        out = tmp_path / str(bool(base))
        build_site(out, base)
        hrefs = _targets(out / "index.html")
        assert not any(h.startswith(("webcal:", "https://calendar.google")) for h in hrefs)
        assert {"all.ics", "all.xml"} <= set(hrefs)


def test_without_javascript_the_filters_lead_to_feed_pages(site: Path) -> None:
    index = soup_of(site / "index.html")
    assert index.find("form", id="filters").has_attr("hidden")
    linked = {str(a["href"]) for a in index.select("nav.browse a")}
    for slug in (
        "all",
        "region-london",
        "region-london-in-person",
        "region-online",
        "profession-data",
    ):
        assert f"feed-{slug}.html" in linked
    for ics in site.glob("*.ics"):
        page = site / f"feed-{ics.stem}.html"
        assert page.is_file(), page.name
        assert titles(soup_of(page)) == upcoming_titles(ics.stem), page.name
    london = soup_of(site / "feed-region-london.html")
    assert london.h1.get_text() == "Convene: London events"
    narrower = {str(a["href"]) for a in london.select("nav.related a")}
    assert {
        "feed-region-london-in-person.html",
        "feed-region-london-profession-data.html",
    } <= narrower
    because = london.select_one("li.event p.because")
    assert because is not None and because.get_text().startswith("In this feed because: ")


def test_communities(site: Path) -> None:
    soup = soup_of(site / "index.html")
    cards = {li.h3.get_text(): li for li in soup.select("li.community")}
    assert list(cards) == ["One Team Gov", "Open Government Network", EVIL]
    otg = cards["One Team Gov"]
    facts = dict(
        zip(
            [dt.get_text() for dt in otg.find_all("dt")],
            [dd.get_text() for dd in otg.find_all("dd")],
            strict=True,
        )
    )
    assert facts["Regions"] == "London"
    assert facts["Professions"] == "Digital, Service design"
    assert facts["Events in the last year"] == "12"
    assert facts["Next event"] == "Public services hack day, Sat 28 Mar 2026, 18:30 UK time"
    assert otg.h3.a["href"] == "https://meetup.example/otg"
    assert otg["data-r"] == "london" and otg["data-p"] == "digital service-design"
    assert cards[EVIL].h3.find("a") is None  # javascript: is not a link
    health = {
        tr.th.get_text(): [td.get_text() for td in tr.find_all("td")]
        for tr in soup.select("table.health tbody tr")
    }
    assert health["GDS meetups"] == ["working", "Thu 15 Jan 2026, 09:00", "3"]
    assert health[EVIL] == ["failing", "Never", "0"]
    assert "Last refresh: Thu 15 Jan 2026, 08:55 UK time" in soup.find("footer").get_text()


def test_same_input_same_bytes_and_stamps_do_not_rewrite(tmp_path: Path) -> None:
    build_site(tmp_path / "a")
    report = publish(list(reversed(events())), tmp_path / "b", NOW, BASE)
    write_site(report, NOW, BASE, list(reversed(events())), SITE)
    pages = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    for name in pages:
        if name.suffix in (".html", ".css", ".js"):
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # An hour later nothing has ended and the sources still work (the server said "not
    # modified"): only the stamps would change, so nothing is written.
    later = NOW + timedelta(hours=1)
    quiet = replace(
        SITE,
        refreshed_at=later,
        sources=(
            replace(SITE.sources[0], state="not modified", last_success=later),
            *SITE.sources[1:],
        ),
    )
    assert build_site(tmp_path / "a", now=later, site=quiet) == []
    # A week later the past events are gone from the pages.
    assert tmp_path / "a" / "index.html" in build_site(tmp_path / "a", now=NOW + timedelta(days=30))


def test_site_records_need_no_duckdb() -> None:
    # feeds/ renders warehouse.site_data's records: importing them must not load DuckDB.
    code = "import sys, warehouse.site_data; assert 'duckdb' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# Communities from the warehouse: counts over the last year, the next event, one event
# listed twice counted once, cancelled and withdrawn events not counted.
WHEN = datetime(2026, 6, 1, 12, tzinfo=UTC)
ORG = Source(
    "org",
    "Org events",
    "Civic Hackers",
    "https://org.example/cal.ics",
    "ical",
    ("london",),
    ("digital",),
)
AGG = Source(
    "agg", "Aggregator", "Agg Ltd", "https://agg.example/feed", "feed", ("north-west",), ("data",)
)
QUIET = Source(
    "quiet",
    "Quiet group",
    "Quiet People",
    "https://quiet.example/",
    "ical",
    ("wales",),
    ("policy",),
)


def _listing(source: Source, uid: str, days: int, **extra: object) -> Event:
    start = WHEN + timedelta(days=days)
    fields: dict[str, object] = {
        "title": f"Meetup {uid}",
        "end": start + timedelta(hours=2),
        "timezone": "Europe/London",
    }
    fields.update(extra)
    return Event(source.id, uid, start=start, **fields)  # type: ignore[arg-type]


def test_read_site_data_counts_communities(tmp_path: Path) -> None:
    from scrapers.fetch_types import Fetched
    from warehouse.store import RefreshRun, connect, save_refresh

    org = [
        _listing(ORG, "a", -300),
        _listing(ORG, "b", -30, url="https://org.example/b"),
        _listing(ORG, "old", -400),
        _listing(ORG, "off", -20, status="cancelled"),
        _listing(ORG, "gone", -10),
        _listing(ORG, "next", 14, url="https://org.example/next"),
        _listing(ORG, "later", 40),
    ]
    agg = [
        # The same meetup as "b", listed by the aggregator: one event, two sources.
        _listing(AGG, "b-copy", -30, url="https://org.example/b", title="Meetup b"),
        _listing(AGG, "x", -5, organiser="  civic   HACKERS "),
        _listing(AGG, "y", 3, organiser="Data Folk", url="https://agg.example/y"),
    ]

    def ok(source: Source, found: list[Event]) -> SourceResult:
        fetched = Fetched(source.url, b"x", 200, "text/calendar", 0.1, raw_bytes=1)
        return SourceResult(source, "ok", fetched, ParseResult(tuple(found)), None, "d")

    con = connect(tmp_path / "c.duckdb")
    run = RefreshRun("r1", WHEN - timedelta(minutes=1), WHEN, "sources.toml")
    save_refresh(con, run, [ORG, AGG, QUIET], [ok(ORG, org), ok(AGG, agg)])
    # Withdrawn before it took place: not an event the organiser ran.
    con.execute(
        "UPDATE events SET removed_at = start_at - INTERVAL 2 DAY WHERE source_uid = 'gone'"
    )
    cluster = con.execute(
        "SELECT cluster_id FROM clusters WHERE listing_id = 'agg/b-copy'"
    ).fetchone()
    assert (
        cluster
        == con.execute("SELECT cluster_id FROM clusters WHERE listing_id = 'org/b'").fetchone()
    )
    data = read_site_data(con, ["org", "agg", "quiet"], WHEN)
    con.close()
    assert data.refreshed_at == WHEN
    assert [(s.id, s.state, s.events) for s in data.sources] == [
        ("org", "ok", 6),
        ("agg", "ok", 3),
        ("quiet", "never fetched", 0),
    ]
    by_name = {c.name: c for c in data.communities}
    assert list(by_name) == ["Civic Hackers", "Data Folk", "Quiet People"]
    civic = by_name["Civic Hackers"]
    assert civic.events_last_year == 3  # a, b (listed twice) and x; not old, off or gone
    assert civic.next_event is not None and civic.next_event.title == "Meetup next"
    assert civic.next_event.url == "https://org.example/next"
    assert civic.url == ORG.url
    assert civic.sources == (("Org events", ORG.url), ("Aggregator", AGG.url))
    assert "london" in civic.regions and "digital" in civic.professions
    folk = by_name["Data Folk"]
    assert (folk.events_last_year, folk.url) == (0, "https://agg.example/y")
    assert folk.sources == (("Aggregator", AGG.url),)
    assert folk.next_event is not None and folk.next_event.start == WHEN + timedelta(days=3)
    quiet = by_name["Quiet People"]
    assert (quiet.events_last_year, quiet.next_event, quiet.regions) == (0, None, ("wales",))
    assert "Agg Ltd" not in by_name  # its listings belong to their own organisers


def test_index_links_the_changes_and_news_feeds(tmp_path: Path) -> None:
    from warehouse.news_types import NewsPost

    post = NewsPost(
        "blog", "p1", "Data blog", "Our new data standards", "https://blog.example/p1",
        "What we learned.", None, NOW - timedelta(days=2), ("data",),
    )  # fmt: skip
    report = publish(sample_events(), tmp_path, NOW, BASE, posts=[post])
    write_site(report, NOW, BASE, sample_events())
    soup = BeautifulSoup((tmp_path / "index.html").read_bytes(), "html.parser")
    hrefs = {str(a["href"]) for a in soup.find_all("a")}
    assert "all-changes.xml" in hrefs
    assert {"news-all.xml", "news-data.xml"} <= hrefs
    for href in ("all-changes.xml", "news-all.xml", "news-data.xml"):
        assert (tmp_path / href).is_file()
    news = soup.find(id="news-h")
    assert news is not None and "News" in news.get_text()
