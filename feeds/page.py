"""Render index.html: upcoming events, filters, the subscribe panel, communities, and the
sources' health.

Nothing is loaded from elsewhere: one stylesheet and one small script from assets/ (see
feeds.site), so the page works from any static host or straight off the disk. Without
JavaScript the filters give way to links to one page per feed (feeds.page_feed). Every
piece of text is escaped (feeds.page_html).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feeds.news import NewsFeed
from feeds.page_communities import communities_section
from feeds.page_events import ItemCache, events_by_day
from feeds.page_feed import PAGE_LIMIT, footer
from feeds.page_filters import browse_nav, feed_data, filter_form
from feeds.page_html import local_link, page
from feeds.page_subscribe import feed_base, subscribe_panel
from feeds.specs import FeedSpec, all_spec
from warehouse.records import StoredEvent
from warehouse.site_data import SiteData

TITLE = "Convene: events for people who change public services"
DESCRIPTION = (
    "Events for people who change public services in the UK, gathered from many "
    "organisers into calendar and RSS feeds you can subscribe to."
)

_HOW_TO = """<section class="how-to" aria-labelledby="how-to-h">
<h2 id="how-to-h">How to subscribe</h2>
<p>Subscribing keeps your calendar up to date: new, changed and cancelled events
appear by themselves. Copy the calendar address (it ends in <code>.ics</code>) and add it
to your app. Downloading the file instead gives you a copy that never updates.</p>
<h3>Google Calendar</h3>
<p>Use the <strong>Add to Google Calendar</strong> link, or on a computer, next to
<strong>Other calendars</strong> choose <strong>+</strong>, then <strong>From URL</strong>,
and paste the address. Google refreshes subscriptions only every few hours.</p>
<h3>Outlook</h3>
<p>Use the <strong>Add to Outlook.com</strong> link, or choose <strong>Add calendar</strong>,
then <strong>Subscribe from web</strong> (in older versions, <strong>From Internet</strong>),
and paste the address.</p>
<h3>Apple Calendar</h3>
<p>Use the <strong>webcal</strong> link, or choose <strong>File</strong>,
<strong>New Calendar Subscription</strong> and paste the address. On iPhone or iPad,
go to <strong>Settings</strong>, <strong>Calendar</strong>, <strong>Accounts</strong>,
<strong>Add Account</strong>, <strong>Other</strong>,
<strong>Add Subscribed Calendar</strong>.</p>
<h3>Thunderbird</h3>
<p>Choose <strong>New Calendar</strong>, then <strong>On the Network</strong>, paste
the address and pick the iCalendar (ICS) format.</p>
<h3>RSS readers</h3>
<p>Paste the address of the <strong>RSS feed</strong> link (it ends in <code>.xml</code>)
into your feed reader to follow new events as they are listed.</p>
</section>"""

_MORE = (
    f"Every event is in the {local_link('all.ics', 'calendar feed')} and the "
    f"{local_link('all.xml', 'RSS feed')}; the filters choose among these first ones, and "
    "each feed's own page lists its next ones."
)


def news_section(news: Sequence[tuple[NewsFeed, int]]) -> str:
    """Links to the news feeds (blog posts from the sources), by profession."""
    items = "\n".join(
        f"<li>{local_link(f'{feed.slug}.xml', feed.title)} ({count} "
        + ("post" if count == 1 else "posts")
        + ")</li>"
        for feed, count in news
        if count or feed.profession is None
    )
    if not items:
        return ""
    return f"""<section aria-labelledby="news-h">
<h2 id="news-h">News from the sources' blogs</h2>
<p>Blog and news posts from the sources, as RSS feeds, all together or by profession.</p>
<ul class="news-feeds">
{items}
</ul>
</section>"""


# Written by warehouse.analysis after each refresh, beside the figures it shows.
CHART = "data/events-by-month.svg"


def chart_section() -> str:
    """The chart of events per month by region, with links to its figures."""
    return f"""<section class="chart" aria-labelledby="chart-h">
<h2 id="chart-h">Events per month</h2>
<figure>
<img src="{CHART}" width="760" style="max-width: 100%; height: auto" alt="Bar chart of \
events per month by region, from a year ago to a year ahead. The figures are in the \
data files linked below.">
<figcaption>Events per month, by region (an event in two regions counts in both). The
figures: {local_link("data/events_by_region_month.parquet", "events by region and month")},
{local_link("data/upcoming_events.parquet", "upcoming events")} (Parquet files).</figcaption>
</figure>
</section>"""


def render_index(
    feeds: Sequence[tuple[FeedSpec, int]],
    now: datetime,
    base_url: str | None,
    events: Sequence[StoredEvent] = (),
    site: SiteData | None = None,
    news: Sequence[tuple[NewsFeed, int]] = (),
    chart: bool = False,
    cache: ItemCache | None = None,
) -> bytes:
    """The index as UTF-8 HTML. `feeds`: each published feed with its upcoming events, in
    publishing order; `events`: the upcoming events, in start order (page_events.upcoming);
    `chart`: whether the chart of events per month is on disk to show."""
    base = feed_base(base_url)
    everything = next(((s, n) for s, n in feeds if s.kind == "all"), (all_spec(), len(events)))
    main = f"""<h1>Events for people who change public services</h1>
<p class="lead">Convene gathers events for people who change public services in the UK
from many organisers. Choose what interests you, then subscribe: your calendar keeps
itself up to date.</p>
<div class="layout">
<section class="find" aria-labelledby="find-h">
<h2 id="find-h">Find events</h2>
{filter_form(feeds)}
{browse_nav(feeds)}
</section>
{subscribe_panel(everything[0], everything[1], base, page_link=True)}
</div>
<section class="events-section" aria-labelledby="events-h">
<h2 id="events-h">Upcoming events</h2>
<p class="empty" id="no-events" hidden>No upcoming events match these filters.</p>
{events_by_day(events, cache=cache, limit=PAGE_LIMIT, more=_MORE)}
</section>
{chart_section() if chart else ""}
{communities_section(site)}
{news_section(news)}
{_HOW_TO}
{feed_data(feeds, base)}"""
    return page(TITLE, DESCRIPTION, "all.xml", main, footer(now, site, True))
