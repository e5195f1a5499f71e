"""The RSS renderer: what feed readers will read."""

from __future__ import annotations

import calendar
import random
import re
import xml.etree.ElementTree as ET
from typing import Any

import feedparser
from feeds_factory import (
    ACROSS_BST,
    AFTER_BST,
    BAD_ZONE,
    CANCELLED,
    CONFERENCE,
    NOW,
    ONLINE,
    make_event,
    make_stored,
    sample_events,
)

from feeds.ical import event_uid, render_ics
from feeds.rss import render_rss, when_text
from feeds.sanitise import sanitise_html, web_url
from feeds.specs import all_spec, keyed_spec

BASE = "https://convene.example/feeds/"


def _parse(raw: bytes) -> Any:
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def _entries() -> dict[str, Any]:
    parsed = _parse(render_rss(all_spec(), sample_events(), NOW, BASE))
    return {entry.id: entry for entry in parsed.entries}


def test_parses_cleanly_with_one_item_per_event() -> None:
    parsed = _parse(render_rss(all_spec(), sample_events(), NOW, BASE))
    assert len(parsed.entries) == len(sample_events())
    assert parsed.version == "rss20"


def test_guids_are_the_ical_uids() -> None:
    raw_ics = render_ics(all_spec(), sample_events(), NOW).decode()
    guids = set(_entries())
    assert guids == {event_uid(stored.event) for stored in sample_events()}
    for guid in guids:
        assert f"UID:{guid}" in raw_ics.replace("\r\n ", "")
    parsed = _parse(render_rss(all_spec(), sample_events(), NOW, BASE))
    assert all(entry.guidislink is False for entry in parsed.entries)


def test_channel_with_base_url() -> None:
    feed = _parse(render_rss(keyed_spec("region", "london"), [ACROSS_BST], NOW, BASE)).feed
    assert feed.title == "Convene: London events"
    assert feed.link == "https://convene.example/feeds/index.html"
    assert "London" in feed.subtitle
    self_links = [link.href for link in feed.links if link.rel == "self"]
    assert self_links == ["https://convene.example/feeds/region-london.xml"]
    assert calendar.timegm(feed.updated_parsed) == NOW.timestamp()


def test_channel_without_base_url_uses_relative_links() -> None:
    feed = _parse(render_rss(all_spec(), sample_events(), NOW, None)).feed
    assert feed.link == "index.html"
    assert [link.href for link in feed.links if link.rel == "self"] == ["all.xml"]


def test_titles_carry_the_uk_date_and_time() -> None:
    entries = _entries()
    titles = {uid: entry.title for uid, entry in entries.items()}
    assert (
        titles[event_uid(ACROSS_BST.event)] == "Sat 28 Mar 2026, 18:30 — Public services hack day"
    )
    assert titles[event_uid(AFTER_BST.event)] == (
        "Tue 31 Mar 2026, 18:30 — Show and tell: data in delivery"
    )
    assert titles[event_uid(CANCELLED.event)] == (
        "Cancelled: Tue 10 Feb 2026, 14:00 — Policy lab open afternoon"
    )
    # Brussels noon is 11:00 in the UK.
    assert titles[event_uid(ONLINE.event)] == "Wed 18 Feb 2026, 11:00 — Open contracting webinar"
    assert titles[event_uid(CONFERENCE.event)] == "Tue 3 Feb 2026 — " + CONFERENCE.event.title


def test_items_are_in_start_order() -> None:
    parsed = _parse(render_rss(all_spec(), sample_events(), NOW, BASE))
    order = [entry.id for entry in parsed.entries]
    assert order == [
        event_uid(s.event) for s in (CONFERENCE, CANCELLED, ONLINE, BAD_ZONE, ACROSS_BST, AFTER_BST)
    ]


def test_item_fields() -> None:
    hack = _entries()[event_uid(ACROSS_BST.event)]
    assert hack.link == "https://meetup.example/hack-day"
    assert [tag.term for tag in hack.tags] == ["Digital", "Service design"]
    assert calendar.timegm(hack.published_parsed) == ACROSS_BST.first_seen.timestamp()
    assert "Sat 28 Mar 2026, 18:30 to Sun 29 Mar 2026, 16:00 UK time" in hack.summary
    assert "Newspeak House" in hack.summary
    assert "One Team Gov" in hack.summary


def test_item_without_url_has_no_link() -> None:
    webinar = _entries()[event_uid(ONLINE.event)]
    assert "link" not in webinar
    assert "Online" in webinar.summary


def test_special_characters_survive() -> None:
    conf = _entries()[event_uid(CONFERENCE.event)]
    assert conf.title.endswith("Data, AI & Ethics; the North's conference 🎉 — Café Ünïcode")
    assert conf.link == "https://northern.example/conf?year=2026&lang=en"
    assert "laptop, charger; curiosity." in conf.summary
    assert "line manager 🙂" in conf.summary


def test_markup_and_control_characters_in_text_are_harmless() -> None:
    nasty = make_stored(
        make_event(title="<b>Bold</b> & \x01 <script>", description="x < y\x0c & </p>")
    )
    parsed = _parse(render_rss(all_spec(), [nasty], NOW, None))
    entry = parsed.entries[0]
    assert entry.title.endswith("<b>Bold</b> &  <script>")
    assert "<script>" not in entry.summary
    assert "x &lt; y" in entry.summary


def test_when_text() -> None:
    assert when_text(CONFERENCE.event) == "Tue 3 Feb 2026 to Thu 5 Feb 2026 (all day)"
    assert when_text(AFTER_BST.event) == "Tue 31 Mar 2026, 18:30 to 20:00 UK time"
    assert when_text(BAD_ZONE.event) == "Tue 24 Feb 2026, 12:00 UK time"


def test_identical_input_gives_identical_bytes() -> None:
    shuffled = sample_events()
    random.Random(3).shuffle(shuffled)
    first = render_rss(all_spec(), sample_events(), NOW, BASE)
    assert first == render_rss(all_spec(), shuffled, NOW, BASE)
    assert first.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<rss ')


def test_empty_feed_parses() -> None:
    parsed = _parse(render_rss(keyed_spec("region", "wales"), [], NOW, BASE))
    assert parsed.entries == []


# Hostile HTML, as a compromised or careless source might send it.
HOSTILE = (
    '<p style="position:fixed" onclick="steal()">Hello <b>there</b></p>'
    "<script>alert(1)</script>"
    '<img src="http://tracker.example/pixel.gif" onerror="alert(2)">'
    '<a href="javascript:alert(3)">click</a> '
    '<a href="JaVaScRiPt&#58;alert(4)">again</a> '
    '<a href="https://events.example/a" rel="opener" target="_blank" onmouseover="x()">ok</a>'
    '<iframe src="https://evil.example/"></iframe>'
    '<svg onload="alert(5)"><circle/></svg>'
    "<style>body{display:none}</style><!-- a comment -->"
    '<form action="https://evil.example/"><input name="password"></form>'
)


def test_sanitiser_drops_everything_active() -> None:
    clean = sanitise_html(HOSTILE)
    for bad in ("<script", "alert", "onerror", "onclick", "onmouseover", "javascript",
                "JaVaScRiPt", "<img", "tracker", "<iframe", "evil", "<svg", "style",
                "<form", "<input", "comment", "target"):  # fmt: skip
        assert bad not in clean, bad
    assert "<p>Hello <b>there</b></p>" in clean
    assert '<a href="https://events.example/a" rel="nofollow noopener">ok</a>' in clean
    # A link that lost its address keeps its text, and still cannot open anything.
    assert '<a rel="nofollow noopener">click</a>' in clean


def test_sanitiser_keeps_ordinary_text_and_is_idempotent() -> None:
    text = '<p>Tea &amp; cake, 2 &lt; 3 — <a href="mailto:hi@example.org">mail</a></p>'
    assert sanitise_html(text) == (
        '<p>Tea &amp; cake, 2 &lt; 3 — <a href="mailto:hi@example.org" '
        'rel="nofollow noopener">mail</a></p>'
    )
    assert sanitise_html(sanitise_html(HOSTILE)) == sanitise_html(HOSTILE)
    assert sanitise_html("a\x00b\x0cc") == "abc"


def test_web_url() -> None:
    assert web_url(" https://a.example/x?y=1 ") == "https://a.example/x?y=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "/relative", "mailto:a@b", None, ""):
        assert web_url(bad) is None, bad


def test_hostile_event_links_and_text_stay_inert() -> None:
    nasty = make_stored(
        make_event(url="javascript:alert(1)", description=HOSTILE),
        also_listed=(("Copy site", 'https://copy.example/" onclick="x'),),
    )
    raw = render_rss(all_spec(), [nasty], NOW, None)
    entry = _parse(raw).entries[0]
    assert "link" not in entry  # no <link> for a javascript: address
    body = ET.fromstring(raw).findtext("channel/item/description") or ""
    assert "javascript" not in body.split("Listed by")[1]  # the event's own link is gone
    # The description is text: the source's markup is shown, escaped, never run.
    assert "&lt;script&gt;" in body and "<script" not in body and "<img" not in body
    # A quote in an address stays inside the attribute: no onclick escapes from it.
    quoted = "https://copy.example/&quot; onclick=&quot;x"
    assert f'<a href="{quoted}" rel="nofollow noopener">Copy site</a>' in body
    assert body.count("<a ") == 1


def test_every_item_link_in_a_description_is_nofollow() -> None:
    raw = render_rss(all_spec(), sample_events(), NOW, BASE)
    for item in ET.fromstring(raw).iter("item"):
        body = item.findtext("description") or ""
        links = re.findall(r"<a [^>]*>", body)
        assert all('rel="nofollow noopener"' in link for link in links), links
