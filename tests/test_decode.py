"""scrapers.decode.to_utf8: fetched bytes in, UTF-8 bytes whose declarations agree out.

Fixtures are built here from text, so each test shows the bytes it feeds in. The chain
tests then hand the output to the real parsers (feedparser, icalendar, BeautifulSoup).
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import random
import re
from pathlib import Path

import feedparser
import icalendar
import pytest
from bs4 import BeautifulSoup

from scrapers.decode import Decoded, to_utf8

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "feeds"
TITLE = "Café at the Town Hall: £5 “drop-in” — naïve questions welcome"


def rss(title: str = TITLE, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (
        f'{declaration}\n<rss version="2.0"><channel><title>Events</title>'
        "<link>https://example.org/</link><description>Listings</description>"
        f"<item><title>{title}</title><link>https://example.org/1</link></item>"
        "</channel></rss>\n"
    )


ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VEVENT\r\n"
    "UID:1@example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260201T180000Z\r\n"
    f"SUMMARY:{TITLE}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def titles(body: bytes) -> list[str]:
    parsed = feedparser.parse(io.BytesIO(body))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return [entry.title for entry in parsed.entries]


def summaries(body: bytes) -> list[str]:
    return [str(event["SUMMARY"]) for event in icalendar.Calendar.from_ical(body).walk("VEVENT")]


def text(decoded: Decoded) -> str:
    assert not decoded.body.startswith(codecs.BOM_UTF8)
    return decoded.body.decode("utf-8")  # strict: the output is always valid UTF-8


# --- UTF-8 and byte-order marks -------------------------------------------------------


def test_utf8_without_declaration_passes_through() -> None:
    body = rss(declaration="").encode()
    decoded = to_utf8(body, "application/rss+xml")
    assert decoded == Decoded(body, "utf-8", "default", False)


def test_utf8_bom_is_stripped() -> None:
    decoded = to_utf8(codecs.BOM_UTF8 + rss().encode(), None)
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == ("utf-8", "bom", False)
    assert text(decoded) == rss()


UTF16 = [("utf-16-le", "utf-16le"), ("utf-16-be", "utf-16be")]
UTF32 = [("utf-32-le", "utf-32le"), ("utf-32-be", "utf-32be")]


@pytest.mark.parametrize(("codec", "name"), UTF16)
@pytest.mark.parametrize("content_type", [None, "text/calendar; charset=iso-8859-1"])
def test_utf16_ics_with_bom_beats_any_header(
    codec: str, name: str, content_type: str | None
) -> None:
    decoded = to_utf8(("\ufeff" + ICS).encode(codec), content_type)
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == (name, "bom", False)
    assert text(decoded) == ICS
    assert summaries(decoded.body) == [TITLE]


@pytest.mark.parametrize(("codec", "name"), UTF16 + UTF32)
@pytest.mark.parametrize("content_type", [None, "application/rss+xml; charset=iso-8859-1"])
def test_utf16_and_32_rss_with_bom(codec: str, name: str, content_type: str | None) -> None:
    original = rss(declaration=f'<?xml version="1.0" encoding="{codec[:6]}"?>')
    decoded = to_utf8(("\ufeff" + original).encode(codec), content_type)
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == (name, "bom", False)
    assert text(decoded).startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert titles(decoded.body) == [TITLE]


def test_bom_wins_even_when_bytes_after_it_are_broken() -> None:
    # WHATWG: the BOM decides; undecodable bytes become U+FFFD and the result says lossy.
    decoded = to_utf8(codecs.BOM_UTF8 + b"<rss><title>Espa\xf1a</title></rss>", None)
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == ("utf-8", "bom", True)
    assert "Espa\ufffda" in text(decoded)


@pytest.mark.parametrize(("codec", "name"), UTF16)
def test_utf16_without_bom_is_read_from_the_xml_prolog(codec: str, name: str) -> None:
    original = rss(declaration='<?xml version="1.0" encoding="utf-16"?>')
    decoded = to_utf8(original.encode(codec), None)
    assert (decoded.encoding, decoded.decided_by) == (name, "xml-declaration")
    assert titles(decoded.body) == [TITLE]


def test_utf16_ics_without_bom_or_label_is_detected_by_its_nul_bytes() -> None:
    decoded = to_utf8(ICS.encode("utf-16-le"), "text/calendar")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == ("utf-16le", "detector", False)
    assert summaries(decoded.body) == [TITLE]


def test_utf16_label_on_a_body_without_nul_bytes_is_ignored() -> None:
    # Decoding ASCII as UTF-16 "succeeds" with CJK nonsense; the missing NULs give the lie away.
    decoded = to_utf8(rss().encode(), "application/rss+xml; charset=utf-16")
    assert (decoded.encoding, decoded.decided_by) == ("utf-8", "xml-declaration")
    # .NET's XmlWriter over a StringWriter declares utf-16 on what is then sent as UTF-8.
    dotnet = rss(declaration='<?xml version="1.0" encoding="utf-16"?>').encode()
    decoded = to_utf8(dotnet, "application/rss+xml")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == ("utf-8", "default", False)
    assert text(decoded).startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert titles(decoded.body) == [TITLE]


# --- declared charsets: HTTP, XML prolog, HTML meta -----------------------------------


def test_latin1_rss_rescues_windows_quotes() -> None:
    # Declared ISO-8859-1 but written on Windows: 0x93/0x94 are curly quotes, as in WHATWG.
    body = rss(declaration='<?xml version="1.0" encoding="ISO-8859-1"?>').encode("cp1252")
    assert b"\x93drop-in\x94" in body and b"Caf\xe9" in body and b"\xa35" in body
    decoded = to_utf8(body, "application/rss+xml")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == (
        "windows-1252",
        "xml-declaration",
        False,
    )
    assert text(decoded).startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert titles(decoded.body) == [TITLE]


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1252">',
        "<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=windows-1252'>",
    ],
)
def test_html_meta_charset(meta: str) -> None:
    page = f"<!doctype html><html><head>{meta}<title>{TITLE}</title></head><body></body></html>"
    decoded = to_utf8(page.encode("cp1252"), "text/html")
    assert (decoded.encoding, decoded.decided_by) == ("windows-1252", "meta")
    assert "windows-1252" not in text(decoded) and "utf-8" in text(decoded)
    soup = BeautifulSoup(decoded.body, "html.parser")
    assert soup.original_encoding == "utf-8"
    assert soup.title is not None and soup.title.string == TITLE


def test_meta_inside_an_xml_feed_is_content_not_a_declaration() -> None:
    body = rss(
        title="<![CDATA[<meta charset='windows-1252'> ok]]>", declaration="<?xml version='1.0'?>"
    )
    decoded = to_utf8(body.encode(), None)
    assert decoded.decided_by == "default"


def test_http_charset_overrides_a_wrong_xml_declaration() -> None:
    # Both labels decode these bytes, so only precedence decides: HTTP wins.
    body = rss("Łódź meet-up", '<?xml version="1.0" encoding="iso-8859-1"?>').encode("iso-8859-2")
    decoded = to_utf8(body, "application/rss+xml; charset=ISO-8859-2")
    assert (decoded.encoding, decoded.decided_by) == ("iso-8859-2", "http")
    assert text(decoded).startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert titles(decoded.body) == ["Łódź meet-up"]


def test_http_latin1_on_a_utf8_body_gives_mojibake_by_design() -> None:
    # The spec puts HTTP first and windows-1252 decodes every byte, so a server that
    # mislabels UTF-8 as Latin-1 wins: "Café" becomes "CafÃ©". Documented, not fixed.
    decoded = to_utf8(rss().encode(), "application/rss+xml; charset=ISO-8859-1")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == ("windows-1252", "http", False)
    [title] = titles(decoded.body)
    assert title.startswith("CafÃ© at the Town Hall: Â£5 â€œdrop-in")


def test_http_utf8_on_a_latin1_body_falls_through_instead_of_mojibake() -> None:
    body = rss(declaration='<?xml version="1.0" encoding="windows-1252"?>').encode("cp1252")
    decoded = to_utf8(body, "application/rss+xml; charset=utf-8")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == (
        "windows-1252",
        "xml-declaration",
        False,
    )
    assert titles(decoded.body) == [TITLE]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/xml; charset=windows-1252",
        "text/xml;charset='windows-1252'",
        'text/xml; charset = "windows-1252"',
        "TEXT/XML; CHARSET=Windows-1252; qs=0.9",
    ],
)
def test_http_charset_parameter_spellings(content_type: str) -> None:
    decoded = to_utf8(TITLE.encode("cp1252"), content_type)
    assert (decoded.encoding, decoded.decided_by, text(decoded)) == ("windows-1252", "http", TITLE)


@pytest.mark.parametrize(
    "label", ["x-bogus", "bogus", "base64", "utf-7", "unicode-escape", "cp037", "undefined"]
)
def test_unknown_or_unfit_labels_are_skipped(label: str) -> None:
    body = rss(declaration=f'<?xml version="1.0" encoding="{label}"?>').encode()
    decoded = to_utf8(body, f"application/rss+xml; charset={label}")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == ("utf-8", "default", False)
    assert text(decoded).startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert titles(decoded.body) == [TITLE]


def test_malformed_charset_parameter_is_ignored() -> None:
    decoded = to_utf8(rss().encode(), "text/xml; charset:iso-8859-1")
    assert decoded.decided_by == "xml-declaration"


def test_windows_1252_holes_decode_as_c1_controls_like_whatwg() -> None:
    decoded = to_utf8(b"A\x81B\x9dC", "text/plain; charset=windows-1252")
    assert (decoded.decided_by, decoded.lossy, text(decoded)) == ("http", False, "A\x81B\x9dC")


def test_pure_ascii_keeps_its_bytes_and_gets_its_declaration_rewritten() -> None:
    body = rss("Plain", '<?xml version="1.0" encoding="ISO-8859-1"?>').encode()
    decoded = to_utf8(body, None)
    assert (decoded.encoding, decoded.decided_by) == ("windows-1252", "xml-declaration")
    assert decoded.body == body.replace(b"ISO-8859-1", b"utf-8")
    assert to_utf8(b"BEGIN:VCALENDAR\r\n", None) == Decoded(
        b"BEGIN:VCALENDAR\r\n", "utf-8", "default", False
    )


# --- no usable label: detector, then lossy UTF-8 --------------------------------------


def test_undeclared_windows_1252_goes_to_the_detector() -> None:
    page = "<html><body>" + f"<p>{TITLE}</p>" * 3 + "</body></html>"
    decoded = to_utf8(page.encode("cp1252"), "text/html")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == (
        "windows-1252",
        "detector",
        False,
    )
    assert text(decoded) == page


def test_undeclared_windows_1251_is_not_forced_into_1252() -> None:
    page = "<p>Привет! Встреча жителей района в библиотеке, вход свободный.</p>\n" * 3
    decoded = to_utf8(page.encode("cp1251"), None)
    assert (decoded.encoding, decoded.decided_by, text(decoded)) == (
        "windows-1251",
        "detector",
        page,
    )


def test_garbage_is_decoded_lossily_as_utf8() -> None:
    garbage = random.Random(0).randbytes(4096)
    decoded = to_utf8(garbage, "application/octet-stream")
    assert (decoded.encoding, decoded.decided_by, decoded.lossy) == ("utf-8", "default", True)
    assert "\ufffd" in text(decoded)


def test_empty_body() -> None:
    assert to_utf8(b"", None) == Decoded(b"", "utf-8", "default", False)


def test_result_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        to_utf8(b"", None).body = b"x"  # type: ignore[misc]


# --- the shared real-world corpus ------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert len(files) > 2000, "the feed corpus looks truncated"
    return files


def header_content_type(raw: bytes) -> str | None:
    # feedparser's cases carry the HTTP header they were served with in a comment.
    found = re.search(rb"Header:\s*Content-type:\s*([^\r\n]*)", raw.replace(b"\0", b""), re.I)
    return found.group(1).decode("ascii") if found else None


@pytest.mark.parametrize("with_header", [False, True], ids=["no-header", "file-header"])
def test_corpus_encoding_cases_keep_their_titles(corpus: list[Path], with_header: bool) -> None:
    """82 `encoding` cases; the 76 that feedparser reads with bozo 0 must keep their titles."""
    compared, mismatches = 0, {}
    for path in (p for p in corpus if "encoding" in p.name):
        raw = path.read_bytes()
        decoded = to_utf8(raw, header_content_type(raw) if with_header else None)
        decoded.body.decode("utf-8")  # always valid UTF-8
        reference = feedparser.parse(io.BytesIO(raw))
        if reference.bozo:
            continue
        compared += 1
        ours = feedparser.parse(io.BytesIO(decoded.body))
        want = (reference.feed.get("title"), [e.get("title") for e in reference.entries])
        got = (ours.feed.get("title"), [e.get("title") for e in ours.entries])
        if got != want or ours.bozo:
            mismatches[path.name] = (decoded.encoding, decoded.decided_by, want, got)
    assert mismatches == {}
    assert compared > 70


def test_whole_feed_corpus_parses_the_same_after_decoding(corpus: list[Path]) -> None:
    """Every file decodes; where feedparser reads the raw bytes cleanly (bozo 0), it reads
    our UTF-8 identically: the same feed and entries, every field, not only titles."""
    compared, mismatches = 0, []
    for path in corpus:
        raw = path.read_bytes()
        decoded = to_utf8(raw, None)
        reference = feedparser.parse(io.BytesIO(raw))
        if reference.bozo:
            continue
        compared += 1
        ours = feedparser.parse(io.BytesIO(decoded.body))
        if ours.bozo or (ours.feed, ours.entries) != (reference.feed, reference.entries):
            mismatches.append((path.name, decoded.encoding, decoded.decided_by))
    assert mismatches == []
    assert compared > 1500
