"""Plain-words reports of what went wrong with a feed, for the people who fix sources."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin
from xml.sax import SAXParseException

import feedparser

_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_PREFIX = "not an RSS or Atom feed: "


def not_a_feed(body: bytes, parsed: Mapping[str, Any], base: str, bozo: object) -> str:
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return _PREFIX + "the response was empty; check the source URL still serves its feed"
    if head.startswith(b"\x1f\x8b"):
        return _PREFIX + (
            "the response is gzip-compressed data; the server compressed it without "
            "saying so in its Content-Encoding header"
        )
    if b"\x00" in head[:512] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _PREFIX + f"the response is binary data (it starts {body[:16]!r})"
    if head.startswith((b"{", b"[")):
        return _PREFIX + (
            "the response is JSON (perhaps a JSON Feed, which this parser does not read); "
            "use the site's RSS or Atom feed instead"
        )
    root = _root(head)
    if root == "html":
        return _PREFIX + _html_advice(parsed, base)
    if root:
        return _PREFIX + (
            f"the document's top element is <{root}>, not <rss>, <feed> or <rdf:RDF>"
            + _xml_error(bozo)
        )
    return _PREFIX + "the document has no XML elements at all" + _xml_error(bozo)


def _root(head: bytes) -> str | None:
    # Skips "<?xml ...?>", comments and DOCTYPE, which all start "<?" or "<!".
    match = _ROOT.search(head)
    return match.group(1).decode("ascii").split(":")[-1].lower() if match else None


def _html_advice(parsed: Mapping[str, Any], base: str) -> str:
    feed = parsed.get("feed") or {}
    links = [link for link in feed.get("links") or [] if isinstance(link, Mapping)]
    feeds = [str(link.get("href")) for link in links if link.get("type") in _FEED_TYPES]
    if feeds and feeds[0]:
        return (
            "the response is an HTML web page; it names its feed as "
            f"{urljoin(base, feeds[0])}, so point the source there"
        )
    return (
        "the response is an HTML web page; point the source at the site's feed "
        "(WordPress sites serve it at /feed/)"
    )


def _xml_error(bozo: object) -> str:
    return f"; XML error {_sax_words(bozo)}" if isinstance(bozo, SAXParseException) else ""


# expat's messages, said the way the people who run the feeds would say them; the
# guesses at a cause ("a bare &", "&nbsp;") are what these errors nearly always are.
_EXPAT_WORDS = {
    "undefined entity": "a named character such as &nbsp; that XML does not define",
    "not well-formed (invalid token)": (
        "a character not allowed there, often a bare & that should be &amp;"
    ),
    "mismatched tag": "a closing tag that does not match the open one",
    "unbound prefix": "a namespace prefix that is never declared",
}


def _sax_words(exc: SAXParseException) -> str:
    message = _EXPAT_WORDS.get(exc.getMessage(), exc.getMessage())
    return f"at line {exc.getLineNumber()}, column {exc.getColumnNumber()}: {message}"


def describe_bozo(exc: object, encoding: object) -> str:
    """A warning for a feed that had a fault but still gave its entries."""
    if isinstance(exc, SAXParseException):
        return (
            f"the feed is not well-formed XML {_sax_words(exc)}. It was read leniently, "
            "so check its entries came out whole"
        )
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"the feed declares the wrong character encoding ({exc}); it was read as {encoding}"
    if isinstance(exc, feedparser.CharacterEncodingUnknown):
        return f"the feed's character encoding could not be worked out ({exc})"
    if isinstance(exc, feedparser.UndeclaredNamespace):
        return f"the feed uses an XML namespace prefix it never declares ({exc})"
    return f"the feed has a fault ({type(exc).__name__}: {exc}); its entries were still read"
