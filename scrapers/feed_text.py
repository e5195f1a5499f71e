"""Plain-text helpers for the feed parser: HTML to text, UK postcodes, attendance."""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup

from scrapers.model import Attendance
from scrapers.places import find_postcode

# Block elements get a trailing space so "<p>a</p><p>b</p>" reads "a b", while
# inline ones ("<b>Hi</b>, there") stay glued to their punctuation.
_BLOCKS = (
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
)  # fmt: skip
_SPACE = re.compile(r"\s+")


# A place field is short, so a bare "online" or "Teams" there means what it says.
_ONLINE_PLACE = re.compile(
    r"\b(online|virtual|zoom|teams|webinar|google meet|livestream|live stream|remote)\b", re.I
)
# Descriptions from public-sector reformers talk about "online services" and
# "product teams" all the time, so prose needs a phrase, not a single word.
_ONLINE_PROSE = re.compile(
    r"\b(webinar|zoom|microsoft teams|ms teams|teams meeting|google meet|livestream"
    r"|online[- ](?:event|meetup|session|talk|workshop|conference|only|via)"
    r"|virtual (?:event|meetup|session|conference|workshop)"
    r"|(?:held|hosted|runs?|running|takes place|taking place|join us|join) online)\b",
    re.I,
)
_HYBRID = re.compile(r"\bhybrid (?:event|meetup|session|conference|workshop|format)\b", re.I)


def plain_text(markup: str, limit: int | None = None) -> str:
    """Readable text from an HTML fragment (or plain text), whitespace collapsed."""
    if "<" in markup:
        soup = BeautifulSoup(markup, "html.parser")
        for junk in soup.find_all(["script", "style"]):
            junk.decompose()
        for block in soup.find_all(_BLOCKS):
            block.append(" ")
        markup = soup.get_text()
    else:
        # Escaped entities without tags are common in RSS descriptions.
        markup = html.unescape(markup)
    text = _SPACE.sub(" ", markup).strip()
    return text if limit is None else truncate(text, limit)


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Cut at a word boundary unless that would throw most of the text away.
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def attendance(place: str | None, prose: str) -> Attendance:
    place_online = bool(place and _ONLINE_PLACE.search(place))
    # "Online (Zoom)" is no venue, but "Civic Hall, LS1 1UR and online" is one.
    physical = bool(place) and (not place_online or find_postcode(place or "") is not None)
    online = place_online or bool(_ONLINE_PROSE.search(prose))
    hybrid = bool(_HYBRID.search(prose) or (place and re.search(r"\bhybrid\b", place, re.I)))
    if hybrid or (physical and online):
        return "mixed"
    if online:
        return "online"
    return "in-person" if physical else "unknown"
