"""The Communities section and the sources' health, from warehouse.site_data records.

Organiser names, titles and URLs come from listings: all of it is escaped, and only
http(s) and mailto URLs become links.
"""

from __future__ import annotations

from collections.abc import Sequence

from feeds.ical import as_utc
from feeds.page_html import esc, link, stamp
from feeds.rss import day_text, uk_time_text
from scrapers.vocab import PROFESSIONS, REGIONS
from warehouse.site_data import Community, NextEvent, SiteData

_PLACES = {r for r in REGIONS if r not in ("online", "uk-wide")}


def _names(slugs: Sequence[str], names: dict[str, str]) -> str:
    return ", ".join(names.get(s, s) for s in slugs) or "Not known"


def next_text(event: NextEvent) -> str:
    start = as_utc(event.start)
    when = day_text(start.date()) if event.all_day else f"{uk_time_text(start)} UK time"
    return f"{link(event.url, event.title)}, {esc(when)}"


def community_item(community: Community) -> str:
    regions = " ".join(community.regions)
    professions = " ".join(community.professions)
    following = next_text(community.next_event) if community.next_event else "None listed"
    sources = ", ".join(link(url, name) for name, url in community.sources) or "None"
    return f"""<li class="community" data-r="{esc(regions)}" data-p="{esc(professions)}">
<h3>{link(community.url, community.name)}</h3>
<dl>
<dt>Regions</dt><dd>{esc(_names(community.regions, REGIONS))}</dd>
<dt>Professions</dt><dd>{esc(_names(community.professions, PROFESSIONS))}</dd>
<dt>Events in the last year</dt><dd class="n">{community.events_last_year}</dd>
<dt>Next event</dt><dd>{following}</dd>
<dt>Listed on</dt><dd>{sources}</dd>
</dl>
</li>"""


def communities_section(site: SiteData | None) -> str:
    found = site.communities if site else ()
    items = "\n".join(community_item(c) for c in found)
    body = (
        f'<ul class="communities">\n{items}\n</ul>'
        if found
        else '<p class="empty">No communities known yet.</p>'
    )
    return f"""<section class="communities-section" aria-labelledby="communities-h">
<h2 id="communities-h">Communities</h2>
<p>The organisers behind the events, and the sources that list them: where they meet,
who for, how many events they ran in the last year and what is next.</p>
<p class="empty" id="no-communities" hidden>No communities match these filters.</p>
{body}
</section>"""


# A fetch that found new content, one the server said was unchanged, and one whose body
# had not changed are all a source that works. Said alike, so that a quiet refresh leaves
# the page as it was.
_WORKING = ("ok", "not modified", "unchanged")


def state_text(state: str) -> str:
    return "working" if state in _WORKING else state


def shown_state(state: str) -> tuple[str, str]:
    """(css class, text) of a source's state as the health table shows it."""
    return ("ok" if state in _WORKING else "bad"), state_text(state)


def _health_row(name: str, url: str, state: str, last: str, events: int) -> str:
    css, text = shown_state(state)
    return (
        f'<tr><th scope="row">{link(url, name)}</th>'
        f'<td><span class="state state-{css}">{esc(text)}</span></td>'
        f'<td>{last}</td><td class="n">{events}</td></tr>'
    )


def health_section(site: SiteData | None) -> str:
    """Last refresh and each source's status, last success and events, for the footer."""
    if site is None:
        return ""
    refreshed = stamp(site.refreshed_at) if site.refreshed_at else "never"
    rows = "\n".join(
        _health_row(s.name, s.url, s.state, stamp(s.last_success) if s.last_success else "Never",
                    s.events)
        for s in site.sources
    )  # fmt: skip
    table = (
        '<table class="health">\n<caption>Source health</caption>\n'
        '<thead><tr><th scope="col">Source</th><th scope="col">Status</th>'
        '<th scope="col">Last success (UK time)</th><th scope="col">Events</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
        if rows
        else ""
    )
    return f"""<section class="sources" id="sources" aria-labelledby="sources-h">
<h2 id="sources-h">Sources</h2>
<p>Last refresh: {refreshed} UK time. A refresh that finds nothing new leaves these pages
as they were (so calendar apps and caches see no change): times here are from the last
refresh that changed something.</p>
{table}
</section>"""
