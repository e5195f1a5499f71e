"""One static page per published feed (feed-<slug>.html): its upcoming events, its
subscribe links, and links to wider and narrower feeds. These pages are what the index's
filters fall back to without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feeds.page_communities import health_section
from feeds.page_events import ItemCache, events_by_day
from feeds.page_filters import feed_list
from feeds.page_html import esc, local_link, page, stamp
from feeds.page_subscribe import subscribe_panel
from feeds.specs import FeedSpec, explain
from warehouse.records import StoredEvent
from warehouse.site_data import SiteData

# A page of 60,000 events is tens of megabytes, more than a browser shows comfortably
# and more than anyone reads; a calendar app or feed reader takes the whole feed.
PAGE_LIMIT = 1000


def _wider_or_narrower(spec: FeedSpec, other: FeedSpec) -> str | None:
    """The heading `other` goes under on `spec`'s page, or None if it is not one step
    wider or narrower."""
    same_region = other.region == spec.region
    if spec.kind == "all":
        return {"region": "By region", "profession": "By profession"}.get(other.kind)
    if spec.kind == "region" and not spec.in_person and same_region:
        if other.kind == "region" and other.in_person:
            return "In person only"
        return "By profession" if other.kind == "combination" else None
    if spec.kind == "region" and same_region and other.kind == "region":
        return "With online and UK-wide events"
    if spec.kind == "profession" and other.kind == "combination":
        return "By region" if other.profession == spec.profession else None
    if spec.kind == "combination" and other.kind in ("region", "profession"):
        wider = not other.in_person and other.key in (spec.region, spec.profession)
        return "Wider feeds" if wider else None
    return None


def related(
    spec: FeedSpec, feeds: Sequence[tuple[FeedSpec, int]]
) -> list[tuple[str, list[tuple[FeedSpec, int]]]]:
    """(heading, feeds) of the feeds one step wider or narrower than `spec`."""
    groups: dict[str, list[tuple[FeedSpec, int]]] = {}
    for other, count in feeds:
        heading = None if other.slug == spec.slug else _wider_or_narrower(spec, other)
        if heading is not None:
            groups.setdefault(heading, []).append((other, count))
    return list(groups.items())


def related_nav(spec: FeedSpec, feeds: Sequence[tuple[FeedSpec, int]]) -> str:
    parts = [
        f"<h3>{esc(heading)}</h3>\n{feed_list(found)}"
        for heading, found in related(spec, feeds)
        if found
    ]
    return (
        '<nav class="related" aria-labelledby="related-h">\n'
        '<h2 id="related-h">Other feeds</h2>\n' + "\n".join(parts) + "\n"
        '<p><a href="index.html#browse">Every feed, and filters</a></p>\n</nav>'
    )


def footer(now: datetime, site: SiteData | None, index: bool) -> str:
    sources = (
        health_section(site)
        if index
        else '<p><a href="index.html#sources">The sources and their health</a></p>'
    )
    return (
        f"{sources}\n<p>Generated {stamp(now)} UK time. Convene gathers public events "
        "from many organisers; check the details with the organiser before you go.</p>"
    )


def render_feed_page(
    spec: FeedSpec,
    events: Sequence[StoredEvent],
    feeds: Sequence[tuple[FeedSpec, int]],
    now: datetime,
    base: str | None,
    cache: ItemCache | None = None,
) -> bytes:
    """`events`: the feed's upcoming events; `feeds`: every feed on the index, with its
    upcoming events. The page lists the first PAGE_LIMIT: the feeds have them all."""
    files = f"{local_link(f'{spec.slug}.ics', 'calendar feed')} and its " + local_link(
        f"{spec.slug}.xml", "RSS feed"
    )
    more = f"The {files} have every one."
    listed = events_by_day(
        events, 3, lambda stored: explain(spec, stored), cache=cache, limit=PAGE_LIMIT, more=more
    )
    main = f"""<h1>{esc(spec.title)}</h1>
<p class="lead">{esc(spec.description)}</p>
<div class="layout">
{subscribe_panel(spec, len(events), base)}
{related_nav(spec, feeds)}
</div>
<section class="events-section" aria-labelledby="events-h">
<h2 id="events-h">Upcoming events</h2>
{listed}
</section>"""
    return page(spec.title, spec.description, f"{spec.slug}.xml", main, footer(now, None, False))
