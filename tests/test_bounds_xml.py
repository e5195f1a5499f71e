"""XML entity hazards (issue 10) against every parser: nothing expands, nothing is read.

Each payload goes where its parser reads markup: a whole RSS feed (feedparser: expat,
then its lenient parser), an Atom feed broken so that lxml repairs it, HTML pages with
microdata and with RDFa (lxml's HTML parser, extruct, pyRdfa), an html-kind listing
(BeautifulSoup on lxml), a WordPress event description and an iCalendar DESCRIPTION
(HTML turned to text). For every pair: parse returns a ParseResult without raising,
the output is no bigger than the input allows (no expansion), the secret file's text and
the local server's answers appear nowhere (events, posts, warnings, errors), the server
sees no request, and it takes seconds at most. The controls show the payloads bite:
expat fetching external entities, the DTD and parameter entities reads the secret file
and asks the server, and feedparser on its own expands the quadratic blowup that
scrapers/feed_doctype.py now cuts out.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any
from xml.parsers import expat

import feedparser
import pytest
from faultserver import Doc, FaultServer, fault_server

from scrapers import feed_doctype
from scrapers.model import ParseContext, ParseResult, Source
from scrapers.registry import PARSERS

CTX = ParseContext(now=datetime(2026, 1, 15, tzinfo=UTC))
SECRET = "TOPSECRET-7f3a-local-file"
SERVED = "SERVERSECRET-c41d"
EXPANDED = "PARAMEXPANDED-91e0"
# Seconds. Before the DOCTYPE was cut, the quadratic blowup cost the feed parser 518 s
# (under tracemalloc) and 2.5 GB of text.
BOUND = 5.0


@dataclass(frozen=True)
class Hazard:
    name: str
    doctype: str
    reference: str  # what the document's text holds where an entity is used


def hazards(secret: Path, base: str) -> list[Hazard]:
    # lol1 is ten lols, lol2 ten lol1s ... lol9 a billion: 3 GB of text.
    names = ["lol"] + [f"lol{n}" for n in range(1, 10)]
    lol = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY {name} "{("&" + below + ";") * 10}">\n' for below, name in pairwise(names)
    )
    big = "A" * 50_000
    return [
        Hazard("billion laughs", f"<!DOCTYPE r [\n{lol}]>", "&lol9;"),
        Hazard("billion laughs, one line", f"<!DOCTYPE r [{lol.replace(chr(10), '')}]>", "&lol9;"),
        Hazard("quadratic blowup", f'<!DOCTYPE r [\n<!ENTITY a "{big}">\n]>', "&a;" * 50_000),
        Hazard("quadratic, one line", f'<!DOCTYPE r [<!ENTITY a "{big}">]>', "&a;" * 50_000),
        Hazard(
            "quadratic behind markup",
            f'<!DOCTYPE r [\n<!ENTITY m "<b>x</b>">\n<!ENTITY a "{big}">\n]>',
            "&a;" * 50_000,
        ),
        Hazard(
            "external file", f'<!DOCTYPE r [\n<!ENTITY x SYSTEM "{secret.as_uri()}">\n]>', "&x;"
        ),
        Hazard("external http", f'<!DOCTYPE r [\n<!ENTITY x SYSTEM "{base}/ok/entity">\n]>', "&x;"),
        Hazard("external DTD", f'<!DOCTYPE r SYSTEM "{base}/ok/dtd">', "&leak;"),
        Hazard(
            "parameter entity, http",
            f'<!DOCTYPE r [\n<!ENTITY % p SYSTEM "{base}/ok/param">\n%p;\n]>',
            "&leak;",
        ),
        Hazard(
            "parameter entity, local",
            # The marker exists only where &leak; became its value: never in the text.
            f"<!DOCTYPE r [\n<!ENTITY % p \"<!ENTITY leak '{EXPANDED[:5]}'>\">\n%p;\n]>",
            f"&leak;{EXPANDED[5:]}",
        ),
        Hazard(
            "entity hidden in a comment",
            f'<!--\n<!ENTITY a "{big}">\n-->\n<!DOCTYPE r [\n<!ENTITY b "b">\n]>',
            "&a;" * 50_000,
        ),
    ]


# --- one document per place a parser reads markup ---------------------------------------


def rss(doctype: str, text: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n<rss version="2.0"><channel>'
        f"<title>Hazards</title><item><title>T {text}</title><description>{text}"
        "</description><guid>hazard-1</guid></item></channel></rss>"
    ).encode()


def broken_atom(doctype: str, text: str) -> bytes:
    # A <category> closed by </title>: feedparser's lenient parser raises on it, and the
    # feed is read again after lxml's recovering parser repairs it (scrapers/feed_read.py).
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>hazard-1</id>'
        f"<title>T {text}</title><summary>{text}</summary>"
        "<category>0</title><item></item></category></entry></feed>"
    ).encode()


def page(doctype: str, body: str) -> bytes:
    return (
        f"{doctype}\n<html><head><title>Hazards</title></head><body>{body}</body></html>".encode()
    )


def microdata(doctype: str, text: str) -> bytes:
    return page(
        doctype,
        '<div itemscope itemtype="https://schema.org/Event">'
        f'<span itemprop="name">T {text}</span><span itemprop="description">{text}</span>'
        '<meta itemprop="startDate" content="2026-02-02T10:00:00Z"></div>',
    )


def rdfa(doctype: str, text: str) -> bytes:
    return page(
        doctype,
        '<div vocab="https://schema.org/" typeof="Event">'
        f'<span property="name">T {text}</span><span property="description">{text}</span>'
        '<meta property="startDate" content="2026-02-02T10:00:00Z"></div>',
    )


def listing(doctype: str, text: str) -> bytes:
    return page(
        doctype,
        f'<div class="ev"><h2>T {text}</h2><time datetime="2026-02-02T10:00">2 Feb</time>'
        f"<p>{text}</p></div>",
    )


def wordpress(doctype: str, text: str) -> bytes:
    event = {
        "id": 1,
        "url": "https://e.org/event/1/",
        "title": "Hazard",
        "description": f"{doctype}<p>{text}</p>",
        "start_date": "2026-02-02 10:00:00",
        "end_date": "2026-02-02 11:00:00",
        "utc_start_date": "2026-02-02 10:00:00",
        "utc_end_date": "2026-02-02 11:00:00",
        "timezone": "Europe/London",
    }
    return json.dumps({"events": [event], "total": 1, "total_pages": 1}).encode()


def ical(doctype: str, text: str) -> bytes:
    description = f"{doctype}<p>{text}</p>".replace("\\", "\\\\").replace("\n", "\\n")
    description = description.replace(",", "\\,").replace(";", "\\;")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Convene tests//EN",
        "BEGIN:VEVENT",
        "UID:hazard-1",
        "DTSTART:20260202T100000Z",
        "SUMMARY:Hazard",
        f"DESCRIPTION:{description}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines).encode()


@dataclass(frozen=True)
class Reader:
    kind: str
    document: Callable[[str, str], bytes]
    source: Source
    said: str = ""  # a warning that shows the path under test was taken


def source(kind: str) -> Source:
    selectors = (("container", ".ev"), ("title", "h2"), ("date", "time"), ("description", "p"))
    return Source(
        id=f"hazard-{kind}",
        name="Hazards",
        organiser="Tests",
        url="https://e.org/events/",
        kind=kind,
        selectors=selectors if kind == "html" else (),
    )


READERS = {
    "feed": Reader("feed", rss, source("feed")),
    "feed, repaired by lxml": Reader("feed", broken_atom, source("feed"), "lxml repaired"),
    "jsonld microdata": Reader("jsonld", microdata, source("jsonld")),
    "jsonld RDFa": Reader("jsonld", rdfa, source("jsonld")),
    "html listing": Reader("html", listing, source("html")),
    "wordpress description": Reader("wordpress-events", wordpress, source("wordpress-events")),
    "ical DESCRIPTION": Reader("ical", ical, source("ical")),
}


def test_every_registered_parser_is_tried() -> None:
    assert {reader.kind for reader in READERS.values()} == set(PARSERS)


# --- the server, the secret file, the checks -------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with fault_server() as running:
        running.docs["entity"] = Doc(SERVED.encode(), "text/plain")
        for name in ("dtd", "param"):
            running.docs[name] = Doc(f'<!ENTITY leak "{SERVED}">'.encode(), "application/xml-dtd")
        yield running


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET)
    return path


def check(reader: Reader, body: bytes, server: FaultServer) -> tuple[ParseResult, float]:
    server.clear()
    began = time.perf_counter()
    result = PARSERS[reader.kind](reader.source, body, CTX)
    took = time.perf_counter() - began
    said = repr(result)
    assert isinstance(result, ParseResult)
    assert len(said) < 2 * len(body) + 10_000, "an entity was expanded"
    for marker in (SECRET, SERVED, EXPANDED, "lollollol"):
        assert marker not in said
    assert server.count() == 0, [hit.path for hit in server.hits()]
    assert took < BOUND
    return result, took


def items(result: ParseResult) -> int:
    return len(result.events) + len(result.posts)


@pytest.mark.parametrize("name", sorted(READERS))
def test_no_hazard_expands_reads_or_asks(name: str, secret: Path, server: FaultServer) -> None:
    reader = READERS[name]
    timings = []
    for hazard in hazards(secret, server.base_url):
        result, took = check(reader, reader.document(hazard.doctype, hazard.reference), server)
        # The document was read, not just refused: the item is there.
        assert items(result) >= 1 and result.error is None, (hazard.name, result.error)
        assert not reader.said or any(reader.said in said for said in result.warnings)
        timings.append(f"{hazard.name} {took * 1000:.0f} ms")
    print(f"\n{name}: " + ", ".join(timings))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-7"])
def test_an_encoding_hides_no_declaration_from_the_feed_parser(
    encoding: str, secret: Path, server: FaultServer
) -> None:
    # feedparser decodes by the XML declaration (UTF-7 included) or a BOM before it
    # reads the DOCTYPE, so the search for one must read the bytes the same way.
    reader = READERS["feed"]
    for hazard in hazards(secret, server.base_url):
        body = reader.document(hazard.doctype, hazard.reference).decode()
        body = body.replace('encoding="utf-8"', f'encoding="{encoding}"').encode(encoding)
        result, _ = check(reader, body, server)
        assert items(result) == 1, hazard.name


# --- the controls: the payloads bite where nothing stops them ---------------------------


def resolving_text(body: bytes) -> str:
    """The text expat gives when every external entity, the DTD and parameter entities
    are fetched, as the XML specification allows a reader to (urllib, no proxy)."""
    found: list[str] = []
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def prepared(parser: Any) -> Any:
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_ALWAYS)
        parser.CharacterDataHandler = found.append
        parser.ExternalEntityRefHandler = partial(fetched, parser)
        return parser

    def fetched(parser: Any, context: str, base: str, system_id: str, public_id: str) -> int:
        with opener.open(system_id, timeout=5) as answer:
            prepared(parser.ExternalEntityParserCreate(context)).Parse(answer.read(), True)
        return 1

    prepared(expat.ParserCreate()).Parse(body, True)
    return "".join(found)


def test_the_external_payloads_bite_a_reader_that_resolves_them(
    secret: Path, server: FaultServer
) -> None:
    by_name = {hazard.name: hazard for hazard in hazards(secret, server.base_url)}
    for name, marker in (
        ("external file", SECRET),
        ("external http", SERVED),
        ("external DTD", SERVED),
        ("parameter entity, http", SERVED),
        ("parameter entity, local", EXPANDED),
    ):
        server.clear()
        hazard = by_name[name]
        assert marker in resolving_text(rss(hazard.doctype, hazard.reference)), name
        assert (server.count() > 0) == (marker == SERVED), name


def test_feedparser_alone_expands_a_quadratic_blowup() -> None:
    # 2 KB referred to 2,000 times: expat stops at its amplification limit, and the
    # lenient parser it falls back to expands every reference. Smaller than the payload
    # above (which ran 518 s) so the control costs a second.
    body = rss(f'<!DOCTYPE r [\n<!ENTITY a "{"A" * 2000}">\n]>', "&a;" * 2000)
    for encoded in (body, body.replace(b'"utf-8"', b'"utf-7"').decode().encode("utf-7")):
        parsed = feedparser.parse(io.BytesIO(encoded))
        assert len(parsed.entries[0].title) >= 4_000_000
        result = PARSERS["feed"](READERS["feed"].source, encoded, CTX)
        assert len(result.posts[0].title) < 10_000
        assert result.warnings[0] == feed_doctype.IGNORED


# --- what the cut keeps -------------------------------------------------------------------


def test_a_feed_without_a_doctype_reaches_feedparser_untouched() -> None:
    body = rss("", "Plain")
    cut = feed_doctype.without_doctype(body)
    assert isinstance(cut, tuple) and cut[0] is body and cut[1] is None


def test_a_plain_doctype_goes_without_a_word_and_the_feed_is_whole() -> None:
    netscape = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    result = PARSERS["feed"](READERS["feed"].source, rss(netscape, "Plain &amp; simple"), CTX)
    assert [post.title for post in result.posts] == ["T Plain & simple"]
    assert result.warnings == ()


def test_a_stack_of_doctypes_is_refused() -> None:
    one = '<!DOCTYPE r [<!ENTITY a "A">]>'
    body = rss(one * 9, "&a;")
    result = PARSERS["feed"](READERS["feed"].source, body, CTX)
    assert result.error == feed_doctype.REFUSED
    two = PARSERS["feed"](READERS["feed"].source, rss(one * 2, "&a;"), CTX)
    assert [post.title for post in two.posts] == ["T &a;"]
