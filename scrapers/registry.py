"""Source kinds and their parsers: the one registry.

Adding a source kind means writing a pure parser and adding one line here.
"""

from __future__ import annotations

from scrapers import feed, html, ical, jsonld, wordpress
from scrapers.model import Parser

PARSERS: dict[str, Parser] = {
    "ical": ical.parse,
    "feed": feed.parse,
    "jsonld": jsonld.parse,
    "wordpress-events": wordpress.parse,
    "html": html.parse,
}
