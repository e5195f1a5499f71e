"""Turn a fetched body into UTF-8 bytes whose own declarations agree with it.

Every parser downstream (icalendar, feedparser, BeautifulSoup) then reads one encoding,
instead of each guessing in its own way. Precedence, first match wins:

1. a byte-order mark (WHATWG: a BOM beats even the HTTP header);
2. the HTTP ``charset=`` parameter;
3. the document's own declaration: the XML prolog, else an HTML ``<meta>`` charset;
4. valid UTF-8 (so pure ASCII too), the default for XML and the web today;
5. a detector (charset-normalizer);
6. UTF-8 with replacement characters (``lossy=True``).

A declared label is skipped if Python does not know it, if the bytes cannot be in it (UTF-16
without NULs, say) or if the body does not decode with it strictly.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from charset_normalizer import from_bytes

HEAD = 2048  # declarations live at the top; regexes never scan a multi-MB body

# UTF-32 LE's BOM starts with UTF-16 LE's, so the longer marks are tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG decodes these labels with a superset: ISO-8859-1 and ASCII pages from Windows
# really carry curly quotes and dashes at 0x80-0x9F, and so on for the others.
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "utf-8-sig": "utf-8",
}
# Text codecs no web page is in, and which would rewrite or reject ordinary markup.
_REFUSED = {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
_STATEFUL = ("iso2022", "hz")  # ASCII bytes are escape sequences here: no ASCII shortcut
_C1 = {0xDC00 + b: b for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}  # cp1252's five holes
_NUL_PATTERNS = {"x000": "utf-32-le", "000x": "utf-32-be", "x0x0": "utf-16-le", "0x0x": "utf-16-be"}
_PROBE = '<?xml encoding="x"?><meta charset=x>'

_NAME = r"([A-Za-z0-9._:-]+)"
_HTTP_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?\s*" + _NAME, re.I)
_XML_START = re.compile(r"\A\s*<\?xml\s", re.I)
_XML_ENCODING = re.compile(r"(\A\s*<\?xml\s[^>]*?\bencoding\s*=\s*[\"'])" + _NAME, re.I)
_META_CHARSET = re.compile(r"(<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*)" + _NAME, re.I)


@dataclass(frozen=True)
class Decoded:
    body: bytes  # UTF-8, no BOM, declarations rewritten to utf-8
    encoding: str  # what the original was read as, e.g. "utf-8", "windows-1252", "utf-16le"
    decided_by: str  # "bom" | "http" | "xml-declaration" | "meta" | "detector" | "default"
    lossy: bool  # True if undecodable bytes had to be replaced


def to_utf8(body: bytes, content_type: str | None) -> Decoded:
    """Decode `body` by the precedence in the module docstring and re-encode it as UTF-8."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):  # WHATWG: decode by the BOM even if bytes must be replaced
            rest = body[len(bom) :]
            text = _decode(rest, bom_codec)
            lossy = text is None
            return _finish(text or rest.decode(bom_codec, "replace"), bom_codec, "bom", lossy)
    family = _nul_family(body[:4])
    for rule, label in _candidates(body, content_type, family):
        codec = _fit(_codec(label), family)
        if codec and (text := _decode(body, codec)) is not None:
            return _finish(text, codec, rule, False)
    codec = family or "utf-8"
    return _finish(body.decode(codec, errors="replace"), codec, "default", True)


def _candidates(
    body: bytes, content_type: str | None, family: str | None
) -> Iterator[tuple[str, str | None]]:
    """(rule, label) in precedence order; lazy, so later rules cost nothing once one fits."""
    yield "http", _search(_HTTP_CHARSET, content_type or "", 1)
    head = _head_text(body, family)
    yield "xml-declaration", _search(_XML_ENCODING, head, 2)
    # A <meta> inside an XML feed is content (CDATA, say), not the feed's declaration.
    if family is None and not _XML_START.match(head):
        yield "meta", _search(_META_CHARSET, head, 2)
    if family is not None:
        yield "detector", family  # the NUL pattern is the detection
    # Valid UTF-8 goes before the detector: a legacy text is almost never valid UTF-8 by
    # chance, and the detector is the one slow step.
    yield "default", "utf-8"
    if family is None:
        yield "detector", _detect(body)


def _search(pattern: re.Pattern[str], text: str, group: int) -> str | None:
    found = pattern.search(text)
    return found.group(group) if found else None


def _head_text(body: bytes, family: str | None) -> str:
    if family is None:  # ASCII-compatible: Latin-1 maps bytes 1:1, so the labels read true
        return body[:HEAD].decode("latin-1")
    return body[:HEAD].decode(family, errors="ignore")


def _nul_family(first: bytes) -> str | None:
    # UTF-16/32 without a BOM, told by where the NULs fall (XML 1.0 appendix F's way): markup
    # and iCalendar open with ASCII, which no ASCII-compatible encoding writes with NULs.
    return _NUL_PATTERNS.get("".join("0" if b == 0 else "x" for b in first[:4]))


@lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """Python's codec for a declared label, upgraded to the WHATWG superset; None if unknown."""
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not info._is_text_encoding or info.name in _REFUSED:
        return None
    return _SUPERSETS.get(info.name, info.name)


def _fit(codec: str | None, family: str | None) -> str | None:
    """`codec` if the body can be in it: UTF-16/32 labels only fit NUL-patterned bodies."""
    if codec is None:
        return None
    if family is not None:  # "utf-16" fits a body sniffed as utf-16-le and takes its order
        return family if codec in (family, family[:6]) else None
    return codec if _ascii_compatible(codec) else None


@lru_cache(maxsize=256)
def _ascii_compatible(codec: str) -> bool:
    try:
        return _PROBE.encode("ascii").decode(codec) == _PROBE
    except (UnicodeDecodeError, LookupError):
        return False


def _decode(body: bytes, codec: str) -> str | None:
    """Strict decoding, or None; windows-1252 reads its five holes as C1 like WHATWG."""
    if body.isascii() and _ascii_compatible(codec) and not codec.startswith(_STATEFUL):
        return body.decode("ascii")  # fast path: same text in every ASCII-compatible codec
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        if codec != "cp1252":
            return None
    return body.decode(codec, errors="surrogateescape").translate(_C1)


def _detect(body: bytes) -> str | None:
    """charset-normalizer's guess, but windows-1252 whenever it reads the body as cleanly.

    On short English text the detector cannot tell windows-1250 from windows-1252 and
    picks either; 1250 turns "£" into "Ł". windows-1252 is WHATWG's fallback for
    unlabelled Western pages and the likeliest legacy encoding for this project's sources.
    """
    matches = from_bytes(body)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if "cp1252" in match.could_be_from_charset and match.chaos <= best.chaos:
            return "cp1252"
    return best.encoding


def _finish(text: str, codec: str, decided_by: str, lossy: bool) -> Decoded:
    """Drop a decoded BOM, point the head's declarations at utf-8, encode."""
    text = text.removeprefix("\ufeff")
    head = _XML_ENCODING.sub(r"\g<1>utf-8", text[:HEAD], count=1)
    head = _META_CHARSET.sub(r"\g<1>utf-8", head)
    return Decoded((head + text[HEAD:]).encode("utf-8"), _label(codec), decided_by, lossy)


def _label(codec: str) -> str:
    """WHATWG-style names for Python's: cp1252 -> windows-1252, iso8859-2 -> iso-8859-2."""
    name = codec.replace("_", "-")
    if re.fullmatch(r"cp(125\d|874)", name):
        return "windows-" + name[2:]
    if name.startswith("iso8859-"):
        return "iso-8859-" + name[8:]
    return name.replace("utf-16-", "utf-16").replace("utf-32-", "utf-32")
