"""JSON text whose strings Python can store.

JSON may escape a lone UTF-16 surrogate ("\\ud800", half of an emoji a template cut in
two). json.loads keeps it as a lone surrogate, which no UTF-8 text can hold: DuckDB
refuses it, and with it the whole refresh. Here each one becomes "\\ufffd" before
decoding, as a browser's JSON.parse and TextEncoder would write it; a high surrogate
followed by a low one is a character and stays as it is.
"""

from __future__ import annotations

import re

# Every escape in order, so an escaped backslash ("\\\\") is consumed whole and the "u"
# after it is never read as the start of an escape. A pair is matched before either half.
_ESCAPE = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|(u[dD][89a-fA-F][0-9a-fA-F]{2})|.)",
    re.DOTALL,
)


def _replace(match: re.Match[str]) -> str:
    return "\\ufffd" if match.group(1) else match.group(0)


def without_lone_surrogates(text: str) -> str:
    """The JSON text with every escaped lone surrogate written as U+FFFD."""
    if "\\u" not in text:  # most documents: no escapes to look at
        return text
    return _ESCAPE.sub(_replace, text)
