"""The news feeds: posts from RSS sources, stored by a refresh, published per profession."""

from __future__ import annotations

import calendar
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import pytest

from feeds import publish
from feeds.news import news_all, news_feed, news_feeds, render_news
from scrapers import feed
from scrapers.fetch_types import Fetched
from scrapers.model import ParseContext, Source
from scrapers.pipeline import SourceResult
from warehouse.changelog import NewsPost, news_posts, post_professions
from warehouse.store import RefreshRun, connect, save_refresh

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
BASE = "https://convene.example/feeds"
BLOG = Source("gds-blog", "GDS blog", "GDS", "https://gds.example/feed", "feed",
              ("uk-wide",), ("digital",))  # fmt: skip
OLD_BLOG = Source("old-blog", "Old blog", "Old", "https://old.example/feed", "feed",
                  ("london",), ("policy",), enabled=False)  # fmt: skip

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>GDS blog</title><link>https://gds.example/</link>
<description>Posts</description>
<item><title>What we learned running a data science accelerator</title>
  <link>https://gds.example/data-science</link><guid>https://gds.example/data-science</guid>
  <pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate>
  <description>&lt;p&gt;Our statisticians built models.&lt;script&gt;alert(1)&lt;/script&gt;
  &lt;img src="http://tracker.example/p.gif" onerror="alert(1)"&gt;&lt;/p&gt;</description></item>
<item><title>Weeknotes</title><link>javascript:alert(1)</link><guid isPermaLink="false">wn-48</guid>
  <pubDate>Wed, 25 Nov 2026 17:30:00 GMT</pubDate>
  <description>Short &lt;b&gt;week&lt;/b&gt;.</description></item>
<item><title>An old post</title><link>https://gds.example/old</link><guid>old-1</guid>
  <pubDate>Mon, 10 Aug 2026 09:00:00 GMT</pubDate><description>Old.</description></item>
</channel></rss>"""


def _stored(con: duckdb.DuckDBPyConnection, body: bytes = RSS) -> None:
    parsed = feed.parse(BLOG, body, ParseContext(now=NOW))
    assert parsed.error is None and len(parsed.posts) == 3
    result = SourceResult(BLOG, "ok", Fetched(BLOG.url, body, 200, None, 0.1), parsed, None, "d")
    save_refresh(con, RefreshRun("r1", NOW, NOW, "s.toml"), [BLOG, OLD_BLOG], [result])


def _parse(path: Path) -> Any:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "c.duckdb")
    _stored(connection)
    return connection


def _post(uid: str, published: datetime, **kw: Any) -> NewsPost:
    base = NewsPost("gds-blog", uid, "GDS blog", f"Post {uid}", f"https://gds.example/{uid}",
                    "Text.", None, published, ("digital",))  # fmt: skip
    return replace(base, **kw)


def test_posts_reach_the_news_feeds_of_their_professions(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    posts = news_posts(con, ["gds-blog"], NOW)
    # The last 90 days, newest first; the source's profession plus the post's own words.
    assert [(p.title, p.professions) for p in posts] == [
        ("Weeknotes", ("digital",)),
        ("What we learned running a data science accelerator", ("digital", "data")),
    ]
    report = publish([], tmp_path, NOW, BASE, posts=posts)
    assert [(f.slug, n) for f, n in report.news] == [
        ("news-all", 2), ("news-digital", 2), ("news-data", 1),
    ]  # fmt: skip
    data = _parse(tmp_path / "news-data.xml")
    assert data.feed.title == "Convene: Data news"
    [item] = data.entries
    assert item.title == "What we learned running a data science accelerator"
    assert item.link == "https://gds.example/data-science"
    assert (
        calendar.timegm(item.published_parsed) == datetime(2026, 11, 24, 9, tzinfo=UTC).timestamp()
    )
    assert item.id == "gds-blog/https://gds.example/data-science@convene"
    assert "Our statisticians built models." in item.summary
    assert "From" in item.summary and "GDS blog" in item.summary
    every = _parse(tmp_path / "news-all.xml")
    assert [e.title for e in every.entries] == [p.title for p in posts]
    assert not (tmp_path / "news-policy.xml").exists()
    for path in report.files:
        if path.suffix == ".xml":
            _parse(path)


def test_hostile_text_from_a_source_is_inert(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    publish([], tmp_path, NOW, BASE, posts=news_posts(con, ["gds-blog"], NOW))
    raw = (tmp_path / "news-all.xml").read_bytes()
    for bad in (b"<script", b"&lt;script", b"<img", b"&lt;img", b"tracker", b"javascript:"):
        assert bad not in raw, bad
    weeknotes = _parse(tmp_path / "news-all.xml").entries[0]
    assert "link" not in weeknotes  # a javascript: link is no link at all


def test_disabled_sources_and_old_posts_are_left_out(con: duckdb.DuckDBPyConnection) -> None:
    assert news_posts(con, [], NOW) == []
    assert len(news_posts(con, ["gds-blog"], NOW + timedelta(days=87))) == 2
    later = news_posts(con, ["gds-blog"], NOW + timedelta(days=89))  # 25 Nov, noon on
    assert [p.title for p in later] == ["Weeknotes"]
    assert news_posts(con, ["gds-blog"], NOW + timedelta(days=91)) == []


def test_post_professions() -> None:
    assert post_professions(["digital"], "Weeknotes", None) == ("digital",)
    found = post_professions([], "User research with assistive technology", None)
    assert "user-research" in found
    assert post_professions(["not-a-profession"], "Weeknotes", None) == ()


def test_news_feeds_that_lose_their_posts_stay_and_empty(tmp_path: Path) -> None:
    data_post = _post("a", NOW, professions=("digital", "data"))
    publish([], tmp_path, NOW, BASE, posts=[data_post])
    assert _parse(tmp_path / "news-data.xml").entries
    report = publish([], tmp_path, NOW, BASE, posts=[_post("b", NOW)])
    assert _parse(tmp_path / "news-data.xml").entries == []
    assert tmp_path / "news-data.xml" in report.files
    assert [f.slug for f, _ in report.news] == ["news-all", "news-digital"]


def test_render_news_is_pure_and_newest_first() -> None:
    posts = [_post(str(n), NOW - timedelta(days=n)) for n in range(5)]
    shuffled = list(posts)
    random.Random(7).shuffle(shuffled)
    first = render_news(news_all(), posts, NOW, BASE)
    assert first == render_news(news_all(), shuffled, NOW, BASE)
    parsed = feedparser.parse(first)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == [f"Post {n}" for n in range(5)]
    assert [e.id for e in parsed.entries] == [f"gds-blog/{n}@convene" for n in range(5)]


def test_news_feed_names() -> None:
    assert news_feed("digital").slug == "news-digital"
    assert [f.slug for f in news_feeds([])] == ["news-all"]
    with pytest.raises(KeyError):
        news_feed("astrology")
