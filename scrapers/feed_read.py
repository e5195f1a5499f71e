"""feedparser's reading of a feed, around the two kinds of broken markup it raises on.

feedparser hands a feed expat rejects to its lenient parser, which raises on some broken
markup instead of reporting it, and the whole feed was lost:

- a numeric character reference to no character: a surrogate (half of an emoji written
  as two UTF-16 references, "&#55357;&#56832;") or a number past U+10FFFF (its issue
  591). Each is rewritten as U+FFFD first, as a browser reads it;
- tags closed out of order in some places (a <category> closed by </title>: KeyError
  'tags'). Then lxml repairs the markup, as it does for any broken XML, and feedparser
  reads the repaired feed; a warning says so.
"""

from __future__ import annotations

import io
import re
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8
from lxml import etree

_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def read_feed(body: bytes, warnings: list[str]) -> Any:
    """feedparser's result for the body, or for the body lxml repaired if it raised."""
    body = _charrefs(body)
    try:
        return feedparser.parse(io.BytesIO(body))
    except Exception as exc:  # its lenient parser raises on some broken markup
        repaired = _repaired(body)
        if repaired is None:
            raise
        warnings.append(
            f"the feed's markup is broken in a way feedparser cannot read "
            f"({type(exc).__name__}: {exc}); read it after lxml repaired the markup"
        )
        return feedparser.parse(io.BytesIO(repaired))


def _charrefs(body: bytes) -> bytes:
    """The body with references to no character as U+FFFD, as a browser reads them."""
    return _CHARREF.sub(_charref, body) if b"&#" in body else body


def _charref(match: re.Match[bytes]) -> bytes:
    digits, base = (match.group(1), 16) if match.group(1) else (match.group(2), 10)
    digits = digits.lstrip(b"0")
    # Long enough to be past U+10FFFF whatever it says (and int() refuses 4,300 digits).
    code = int(digits or b"0", base) if len(digits) <= 8 else 0x110000
    return b"&#xFFFD;" if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match.group(0)


def _repaired(body: bytes) -> bytes | None:
    """The markup as lxml's recovering parser rebuilds it (no DTD, entities or network:
    the DOCTYPE was cut out before), or None when it finds no element at all. It reads
    the text feedparser read (its convert_to_utf8), not what a wrong declaration says."""
    data = convert_to_utf8({}, body, {})
    text = data if isinstance(data, bytes) else body
    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, encoding="utf-8"
    )
    try:
        root = etree.fromstring(text, parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    repaired: bytes = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return repaired
