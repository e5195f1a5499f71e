"""The page as a whole: is it HTML at all, where is it, and its structured data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import extruct
import lxml.html
from lxml.html import HtmlElement

from scrapers.jsonld_json import load_block
from scrapers.jsonld_nodes import from_rdfa, normalise
from scrapers.model import Source
from scrapers.places import source_zone

_DEFAULT_ZONE = "Europe/London"
_TAG = re.compile(r"<[A-Za-z!/?][^>]*>")
_FEED = re.compile(r"\A(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S | re.I)
_RDFA_HINT = re.compile(r"\b(?:typeof|vocab)\s*=", re.I)
_LD_JSON = "application/ld+json"
_HEAD = 4096


@dataclass(frozen=True)
class Page:
    source: Source
    url: str  # this page's own address, for links back to it
    url_is_own: bool  # the page named itself (canonical link), so url is surely this page
    base: str  # what relative links resolve against
    zone: ZoneInfo  # for times published without an offset
    tree: HtmlElement | None  # None for a bare JSON-LD document
    data: list[Any]  # structured data from every syntax, normalised, in page order


def read_page(source: Source, body: bytes, warnings: list[str]) -> Page | str:
    """The page, or a plain-words error when the body is no web page at all."""
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    zone = source_zone(source, warnings)
    bare = _bare_jsonld(text, warnings)
    if bare is not None:
        return Page(source, source.url, False, source.url, zone, None, bare)
    problem = _not_html(text)
    if problem:
        return f"not an HTML page: {problem}"
    try:
        tree = lxml.html.document_fromstring(
            text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except Exception as exc:  # lxml raises ParserError, ValueError and XMLSyntaxError
        return f"could not read the HTML ({type(exc).__name__}: {exc})"
    url = _own_url(tree)
    base = urljoin(url or source.url, str(tree.xpath("string(//base/@href)")).strip())
    data = _jsonld_blocks(tree, warnings) + _embedded(text, base, warnings)
    return Page(source, url or source.url, bool(url), base, zone, tree, data)


def _not_html(text: str) -> str | None:
    head = text[:_HEAD].lstrip()
    if not head:
        return "the body is empty"
    if "\x00" in head or _unreadable_share(head) > 0.1:
        return "the body is binary data"
    if head.startswith(("{", "[")):
        return "the body looks like JSON, with no schema.org JSON-LD in it"
    if head[:15].upper().startswith("BEGIN:VCALENDAR"):
        return "the body is an iCalendar file"
    if _FEED.match(head):
        return "the body is an RSS or Atom feed"
    if not _TAG.search(text[: _HEAD * 16]):
        return "the body has no HTML tags"
    return None


def _unreadable_share(head: str) -> float:
    odd = sum(1 for char in head if char == "\ufffd" or (ord(char) < 32 and char not in "\t\r\n"))
    return odd / len(head)


def _own_url(tree: HtmlElement) -> str | None:
    """A followed page is parsed with its listing's Source, so source.url may be the
    listing's address; the page's canonical link (or og:url) names the page itself."""
    for path in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        found = str(tree.xpath(f"string({path})")).strip()
        if urlsplit(found).scheme in ("http", "https"):
            return found
    return None


def _bare_jsonld(text: str, warnings: list[str]) -> list[Any] | None:
    """A body that is itself a JSON-LD document (no page around it), if it is one."""
    head = text.lstrip(" \t\r\n")
    if not head.startswith(("{", "[")):
        return None
    values, warning = load_block(head, 1)
    if not any(isinstance(v, dict) and ("@type" in v or "@graph" in v) for v in _tops(values)):
        return None
    warnings += [warning] if warning else []
    warnings.append("the body is a bare JSON-LD document, not an HTML page; read it as one")
    return [normalise(value) for value in values]


def _tops(values: list[Any]) -> list[Any]:
    return [item for value in values for item in (value if isinstance(value, list) else [value])]


def _jsonld_blocks(tree: HtmlElement, warnings: list[str]) -> list[Any]:
    """Every <script type="application/ld+json"> block, read one by one."""
    found: list[Any] = []
    number = 0
    for script in tree.iter("script"):
        kind = str(script.get("type") or "").split(";")[0].strip().lower()
        if kind != _LD_JSON:
            continue
        number += 1
        values, warning = load_block(script.text or "", number)
        warnings += [warning] if warning else []
        found += [normalise(value) for value in values]
    return found


def _embedded(text: str, base: str, warnings: list[str]) -> list[Any]:
    """Microdata and RDFa items, through extruct; each syntax may fail on its own."""
    found: list[Any] = []
    for syntax, wanted in (("microdata", "itemscope" in text.lower()), ("rdfa", _rdfa(text))):
        if not wanted:
            continue
        try:
            data = extruct.extract(text, base_url=base, syntaxes=[syntax], uniform=True)
        except Exception as exc:  # extruct passes on lxml, rdflib and pyRdfa errors
            warnings.append(f"could not read the page's {syntax} ({type(exc).__name__}: {exc})")
            continue
        items = data.get(syntax) or []
        found += [normalise(item) for item in (from_rdfa(items) if syntax == "rdfa" else items)]
    return found


def _rdfa(text: str) -> bool:
    return bool(_RDFA_HINT.search(text))
