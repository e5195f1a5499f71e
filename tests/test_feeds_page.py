"""The index page: every feed, how to subscribe, nothing loaded from elsewhere."""

from __future__ import annotations

from bs4 import BeautifulSoup
from feeds_factory import NOW, sample_events

from feeds.page import render_index
from feeds.specs import FeedSpec, feed_specs

BASE = "https://convene.example/feeds"


def _soup(base_url: str | None = BASE) -> BeautifulSoup:
    specs = feed_specs(sample_events())
    counts = [(spec, index) for index, spec in enumerate(specs)]
    return BeautifulSoup(render_index(counts, NOW, base_url), "html.parser")


def test_page_is_english_with_a_title_and_headings() -> None:
    soup = _soup()
    assert soup.html is not None and soup.html["lang"] == "en-GB"
    assert soup.title is not None and soup.title.string == "Convene: event feeds"
    assert [h.get_text() for h in soup.find_all("h1")] == ["Convene: event feeds"]
    h3s = [h.get_text() for h in soup.find_all("h3")]
    assert h3s[:3] == ["All events", "By region", "By profession"]
    for app in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird", "RSS readers"):
        assert app in h3s


def test_every_feed_has_a_row_with_count_and_links() -> None:
    soup = _soup()
    rows = {row.th.get_text(): row for row in soup.select("tbody tr")}
    specs = feed_specs(sample_events())
    assert list(rows) == [spec.title for spec in specs]
    for index, spec in enumerate(specs):
        row = rows[spec.title]
        hrefs = [a["href"] for a in row.find_all("a")]
        assert hrefs == [
            f"{spec.slug}.ics",
            f"webcal://convene.example/feeds/{spec.slug}.ics",
            f"{spec.slug}.xml",
        ]
        assert row.select_one("td.n").get_text() == str(index)
        assert f"{BASE}/{spec.slug}.ics" in row.get_text()


def test_links_make_sense_out_of_context() -> None:
    link = _soup().select_one('a[href="region-london.ics"]')
    assert link is not None
    assert link.get_text() == "iCal file for Convene: London events"


def test_no_webcal_without_an_http_base() -> None:
    for base in (None, "file:///srv/feeds"):
        hrefs = [a["href"] for a in _soup(base).find_all("a")]
        assert not any(href.startswith("webcal:") for href in hrefs)
        assert "all.ics" in hrefs and "all.xml" in hrefs


def test_self_contained() -> None:
    soup = _soup()
    assert soup.find("link") is None
    assert soup.find("script") is None
    assert soup.find("img") is None
    assert soup.find("style") is not None


def test_generated_time() -> None:
    time = _soup().find("time")
    assert time is not None
    assert time["datetime"] == "2026-01-15T09:00:00Z"
    assert time.get_text() == "Thu 15 Jan 2026, 09:00 UK time"


def test_text_is_escaped() -> None:
    spec = FeedSpec(slug="x", title='<script>alert("x")</script> & co', description="")
    raw = render_index([(spec, 1)], NOW, BASE)
    assert b"<script>" not in raw
    soup = BeautifulSoup(raw, "html.parser")
    assert soup.select_one("tbody th").get_text() == '<script>alert("x")</script> & co'


def test_deterministic() -> None:
    specs = [(spec, 1) for spec in feed_specs(sample_events())]
    assert render_index(specs, NOW, BASE) == render_index(specs, NOW, BASE)
