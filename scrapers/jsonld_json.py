"""One JSON-LD block at a time, repaired when a site's template broke it.

Hand-written templates give trailing commas, PHP's addslashes escapes ("\\'"), HTML
comment or CDATA wrappers and raw line breaks inside strings. Each repair is tried in
turn and the warning names those that were needed, so the source can be told.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from scrapers.json_text import without_lone_surrogates

_COMMENT_WITHOUT_JSON = re.compile(r"<!--(?:(?!-->)[^{\[])*-->")
_COMMENT_MARKERS = re.compile(r"<!--|-->")
_CDATA = re.compile(r"(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
# A valid escape is kept whole; a backslash before anything else is dropped.
_ESCAPE = re.compile(r'\\(?:[\\"/bfnrt]|u[0-9a-fA-F]{4})|\\')


def _unwrap(text: str) -> str:
    text = _CDATA.sub("", _COMMENT_WITHOUT_JSON.sub("", text))
    return _COMMENT_MARKERS.sub("", text)


def _escapes(text: str) -> str:
    return _ESCAPE.sub(lambda match: match.group(0) if len(match.group(0)) > 1 else "", text)


_REPAIRS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("removed HTML comments or CDATA markers", _unwrap),
    ("removed control characters", lambda text: _CONTROL.sub("", text)),
    ("removed trailing commas", lambda text: _TRAILING_COMMA.sub(r"\1", text)),
    ("dropped invalid backslash escapes", _escapes),
    ("replaced non-breaking spaces", lambda text: text.replace("\u00a0", " ")),
)


def load_block(raw: str, number: int) -> tuple[list[Any], str | None]:
    """The JSON values in one block, and a warning if it needed repair or was lost."""
    text = raw.strip().lstrip("\ufeff")
    if not text:
        return [], None
    try:
        return [json.loads(without_lone_surrogates(text))], None
    except (ValueError, RecursionError) as exc:
        problem = _describe(exc)
    fixes: list[str] = []
    values = _values(text)
    for name, repair in _REPAIRS:
        if values is not None:
            break
        repaired = repair(text)
        if repaired != text:
            fixes.append(name)
            text = repaired
            values = _values(text)
    if values is None:
        return [], f"JSON-LD block {number} is not valid JSON ({problem}); skipped it"
    if len(values) > 1:
        fixes.append(f"read {len(values)} JSON values written one after another")
    done = "; ".join(fixes) or "allowed line breaks and tabs inside strings"
    return values, f"JSON-LD block {number} is not valid JSON ({problem}); repaired: {done}"


def _values(text: str) -> list[Any] | None:
    """Every JSON value in text, one after another; None unless all of it reads."""
    decoder = json.JSONDecoder(strict=False)  # raw tabs and line breaks inside strings
    text = without_lone_surrogates(text)
    values: list[Any] = []
    position = 0
    try:
        while (position := _skip_space(text, position)) < len(text):
            value, position = decoder.raw_decode(text, position)
            values.append(value)
    except (ValueError, RecursionError):
        return None
    return values or None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and (text[position].isspace() or text[position] in ",;"):
        position += 1
    return position


def _describe(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg}: line {exc.lineno} column {exc.colno}"
    return f"{type(exc).__name__}: {exc}"[:200]
