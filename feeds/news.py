"""Render the news feeds: posts from the blogs and news pages Convene follows (RSS sources),
kept apart from the event feeds.

news-all.xml carries every post; news-<profession>.xml the posts for one profession (the
source's default professions, plus those the post's title and summary name: see
warehouse.changelog.post_professions). Newest first; pubDate is the post's own date.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feeds.ical import clean_text, uid_for
from feeds.rss import add_item, listing_link, paragraph, start_channel, to_bytes
from scrapers.vocab import PROFESSIONS
from warehouse.news_types import NewsPost


@dataclass(frozen=True)
class NewsFeed:
    slug: str  # file stem: "news-all", "news-digital", ...
    title: str
    description: str
    profession: str | None = None

    def selects(self, post: NewsPost) -> bool:
        return self.profession is None or self.profession in post.professions


def news_all() -> NewsFeed:
    return NewsFeed(
        "news-all",
        "Convene: news",
        "Posts from the blogs and news pages of people who change public services in the UK.",
    )


def news_feed(profession: str) -> NewsFeed:
    """KeyError for an unknown profession."""
    name = PROFESSIONS[profession]
    return NewsFeed(
        f"news-{profession}",
        f"Convene: {name} news",
        f"Posts for the {name} profession from the blogs and news pages Convene follows.",
        profession,
    )


def every_news_feed() -> list[NewsFeed]:
    return [news_all(), *(news_feed(p) for p in PROFESSIONS)]


def news_feed_for_slug(slug: str) -> NewsFeed | None:
    """Recover a news feed from a file stem written by an earlier run, if still known."""
    return next((feed for feed in every_news_feed() if feed.slug == slug), None)


def news_feeds(posts: Sequence[NewsPost]) -> list[NewsFeed]:
    """news-all, then each profession's feed that has posts, in vocabulary order."""
    used = {p for post in posts for p in post.professions}
    return [
        feed for feed in every_news_feed() if feed.profession is None or feed.profession in used
    ]


def post_guid(post: NewsPost) -> str:
    return uid_for(post.source_id, post.source_uid)


def post_html(post: NewsPost) -> str:
    """The summary (plain text, escaped), then who posted it, linked."""
    parts = [
        paragraph(None, block)
        for block in clean_text(post.summary or "").strip().split("\n\n")
        if block.strip()
    ]
    author = clean_text(post.author or "").strip()
    byline = f" by {html.escape(author)}" if author else ""
    parts.append(f"<p>From {listing_link(post.source_name, post.url)}{byline}</p>")
    return "\n".join(parts)


def render_news(
    feed: NewsFeed, posts: Sequence[NewsPost], now: datetime, base_url: str | None
) -> bytes:
    """The news feed as RSS 2.0 bytes (UTF-8), newest post first."""
    rss, channel = start_channel(feed.title, feed.description, feed.slug, now, base_url)
    for post in sorted(posts, key=lambda p: (p.published, post_guid(p)), reverse=True):
        add_item(
            channel,
            title=clean_text(post.title).strip() or "(untitled)",
            link=post.url,
            description_html=post_html(post),
            guid=post_guid(post),
            published=post.published,
            categories=[PROFESSIONS[p] for p in post.professions if p in PROFESSIONS],
        )
    return to_bytes(rss)
