"""The index page's filters, and the links that stand in for them without JavaScript.

The form is `hidden` in the HTML and shown by assets/convene.js, which reads the feeds
that exist from the JSON block written here. Without JavaScript the "Feed pages" links
lead to one static page per feed (feeds.page_feed), and those link on to narrower feeds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from feeds.page_html import esc, local_link
from feeds.page_subscribe import page_name
from feeds.specs import NOT_PLACES, FeedSpec
from scrapers.vocab import PROFESSIONS, REGIONS


def short_name(spec: FeedSpec) -> str:
    """'London', 'London, in person only', 'Data', 'Data in London', 'All events'."""
    if spec.region and spec.region not in REGIONS:
        return spec.title
    if spec.profession and spec.profession not in PROFESSIONS:
        return spec.title
    what = PROFESSIONS[spec.profession] if spec.profession else None
    where = REGIONS[spec.region] if spec.region else None
    if what and where:
        return f"{what} in {where}"
    if where:
        return f"{where}, in person only" if spec.in_person else where
    return what or "All events"


def feed_item(spec: FeedSpec, count: int) -> str:
    return f"<li>{local_link(page_name(spec.slug), short_name(spec))} ({count})</li>"


def feed_list(feeds: Sequence[tuple[FeedSpec, int]]) -> str:
    return '<ul class="link-list">\n' + "\n".join(feed_item(s, n) for s, n in feeds) + "\n</ul>"


def browse_nav(feeds: Sequence[tuple[FeedSpec, int]]) -> str:
    """Links to every feed page but the region and profession combinations, which the
    region and profession pages link to."""
    groups: list[tuple[str, list[tuple[FeedSpec, int]]]] = [
        ("Everything", [f for f in feeds if f[0].kind == "all"]),
        (
            "By region",
            [f for f in feeds if f[0].kind == "region" and f[0].region not in NOT_PLACES],
        ),
        (
            "Online and UK-wide",
            [f for f in feeds if f[0].kind == "region" and f[0].region in NOT_PLACES],
        ),
        ("By profession", [f for f in feeds if f[0].kind == "profession"]),
    ]
    parts = [f"<h4>{esc(heading)}</h4>\n{feed_list(found)}" for heading, found in groups if found]
    return (
        '<nav class="browse" id="browse" aria-labelledby="browse-h">\n'
        '<h3 id="browse-h">Feed pages</h3>\n'
        "<p>Each feed has a page with its upcoming events and its subscribe links; "
        "region and profession pages link on to narrower feeds. The number is how many "
        "upcoming events it has.</p>\n"
        # Open without JavaScript, where these links are the filters; the script folds it.
        '<details class="browse-list" open><summary>Every feed page</summary>\n'
        + "\n".join(parts)
        + "\n</details>\n</nav>"
    )


def _options(name: str, label: str, any_text: str, choices: list[tuple[str, str]]) -> str:
    options = "".join(f'<option value="{esc(v)}">{esc(t)}</option>' for v, t in choices)
    return (
        f'<div class="field"><label for="f-{name}">{esc(label)}</label>\n'
        f'<select id="f-{name}" name="{name}"><option value="">{esc(any_text)}</option>'
        f"{options}</select></div>"
    )


def _choice(kind: str, name: str, value: str, text: str, checked: bool = False) -> str:
    ident = f"f-{name}-{value or 'any'}"
    mark = " checked" if checked else ""
    return (
        f'<div class="choice"><input type="{kind}" id="{ident}" name="{name}" '
        f'value="{value}"{mark}><label for="{ident}">{esc(text)}</label></div>'
    )


def filter_form(feeds: Sequence[tuple[FeedSpec, int]]) -> str:
    """Region (places with a feed), profession (with a feed), how you attend, free."""
    slugs = {spec.slug for spec, _ in feeds}
    regions = [(r, n) for r, n in REGIONS.items() if r not in NOT_PLACES and f"region-{r}" in slugs]
    professions = [(p, n) for p, n in PROFESSIONS.items() if f"profession-{p}" in slugs]
    attend = "\n".join(
        _choice("radio", "attend", value, text, checked=not value)
        for value, text in (("", "Either"), ("in-person", "In person"), ("online", "Online"))
    )
    return (
        '<form class="filters" id="filters" aria-labelledby="filters-h" hidden>\n'
        '<h3 id="filters-h">Filters</h3>\n'
        "<p>They apply to the events and the communities below, and choose the feed "
        "to subscribe to.</p>\n"
        + _options("region", "Region", "Any region", regions)
        + "\n"
        + _options("profession", "Profession", "Any profession", professions)
        + '\n<fieldset class="field"><legend>How you attend</legend>\n'
        + attend
        + "\n</fieldset>\n"
        + _choice("checkbox", "free", "1", "Free events only")
        + "\n</form>\n"
        '<p id="filter-status" class="status" role="status" aria-live="polite"></p>'
    )


def feed_data(feeds: Sequence[tuple[FeedSpec, int]], base: str | None) -> str:
    """The feeds that exist, for the script: slug -> [title, page name, upcoming count]."""
    data = {
        "base": base or "",
        "feeds": {spec.slug: [spec.title, page_name(spec.slug), n] for spec, n in feeds},
    }
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    # Inside <script> only "</" could end the block early; \u003c keeps every "<" out.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="feed-data">{text}</script>'
