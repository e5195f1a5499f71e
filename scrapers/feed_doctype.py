"""A feed's DOCTYPE, taken out before feedparser reads the feed.

feedparser keeps the entities a DOCTYPE declares with plain-text values, and when expat
gives up on a feed it hands them to its lenient parser, which expands every reference
without limit. expat stops a quadratic blowup (one 50 KB entity referred to 50,000
times) at its amplification limit, and that very failure sends the feed to the lenient
parser: 2.5 GB of text from a 350 KB feed, for minutes (tests/test_bounds_xml.py).
No feed needs a DOCTYPE (the lenient parser knows HTML's entities, &nbsp; and the rest,
by itself), so it is cut out with its declarations before feedparser sees the bytes.

The bytes are searched as feedparser will read them (its own convert_to_utf8), so no
encoding (UTF-16, EBCDIC, a declared UTF-7) hides a declaration from the search.
"""

from __future__ import annotations

import re

from feedparser.encodings import convert_to_utf8

# What may come before a DOCTYPE: white space, processing instructions, comments.
_MISC = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
# A whole DOCTYPE: name and external id, then an internal subset whose quoted values
# and comments may hold "]" and ">". Every choice starts with its own character, so a
# malformed one fails in one pass (no backtracking to speak of).
_DOCTYPE = re.compile(
    rb"""<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*"""
    rb"""(?:\[(?:[^\]"'<]|"[^"]*"|'[^']*'|<!--.*?-->|<(?!!--))*\]\s*)?>""",
    re.S,
)
# feedparser takes the root element to begin at the first "<" and a letter, and collects
# every "<!ENTITY" before it, in comments too.
_ELEMENT = re.compile(rb"<\w")
_ENTITY = re.compile(rb"<!\s*ENTITY", re.I)
# Each cut removes one DOCTYPE, or the "<!" of every entity declaration left before the
# root element; no real feed needs more than one.
_CUTS = 8
IGNORED = (
    "the feed's DOCTYPE declares entities of its own; it was left out, so references to "
    "them are kept as written"
)
REFUSED = (
    "the feed's DOCTYPE could not be taken out (entity declarations in markup that does "
    "not end); the feed was not read"
)


def without_doctype(body: bytes) -> tuple[bytes, str | None] | str:
    """The body without its DOCTYPE and a warning if that declared entities, or an error.

    A body with no DOCTYPE comes back as it was, so feedparser still sees (and reports)
    its original encoding.
    """
    data = convert_to_utf8({}, body, {})
    if not isinstance(data, bytes):
        return body, None
    cleaned, declared = _cut(data)
    if cleaned is None:
        return REFUSED
    if cleaned == data:
        return body, None
    return cleaned, IGNORED if declared else None


def _cut(data: bytes) -> tuple[bytes | None, bool]:
    """The data with no DOCTYPE where expat would read one and no entity declaration
    where feedparser would collect one; None if that takes too many cuts."""
    declared = False
    for _ in range(_CUTS):
        at = _misc_end(data)
        if data.startswith(b"<!DOCTYPE", at):
            whole = _DOCTYPE.match(data, at)
            # A DOCTYPE that does not end goes up to the next element (expat reads its
            # declarations up to the fault).
            end = whole.end() if whole else _element(data, at + 1)
            declared = declared or bool(_ENTITY.search(data, at, end))
            data = data[:at] + data[end:]
            continue
        root = _element(data, 0)
        if not _ENTITY.search(data, 0, root):
            return data, declared
        # In a comment, or loose before the root: only feedparser's own search would
        # take it for a declaration, so it loses its "<!" and stays as text.
        declared = True
        data = _ENTITY.sub(b"ENTITY", data[:root]) + data[root:]
    return None, declared


def _misc_end(data: bytes) -> int:
    found = _MISC.match(data)
    return found.end() if found else 0


def _element(data: bytes, start: int) -> int:
    found = _ELEMENT.search(data, start)
    return found.start() if found else len(data)
