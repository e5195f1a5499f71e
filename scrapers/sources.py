"""Load and validate a sources file (TOML, one [[source]] table per source).

Every problem is collected and reported together, one per line, naming the file, the
line where it can be found and the source, so one edit can fix them all.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from scrapers.model import Source
from scrapers.vocab import PROFESSIONS, REGIONS

REQUIRED = ("id", "name", "organiser", "url", "kind")
STR_FIELDS = (*REQUIRED, "timezone", "notes", "date_format")
BOOL_FIELDS = ("enabled", "local", "ignore_robots")
NUMBER_FIELDS = ("max_body_mb", "max_pages")
INT_FIELDS = ("priority",)
TABLE_FIELDS = ("selectors",)
SELECTOR_ROLES = ("container", "title", "date", "link", "location", "description")
HTML_NEEDS = ("container", "title", "date")
LIST_FIELDS = ("regions", "professions")
KNOWN_FIELDS = (
    *STR_FIELDS, *BOOL_FIELDS, *LIST_FIELDS, *NUMBER_FIELDS, *TABLE_FIELDS, *INT_FIELDS,
)  # fmt: skip
TOP_LEVEL = ("source", "settings")

OPTIONAL = (
    "enabled", "timezone", "local", "notes", "ignore_robots", "max_body_mb", "date_format",
    "priority",
)  # fmt: skip

SLUG = re.compile(r"[a-z0-9-]+")
# tomllib (3.11) puts the position only in the message text.
TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
SOURCE_HEADER = re.compile(r"""^\s*\[\[\s*(?:source|"source"|'source')\s*\]\]""")


class SourcesError(Exception):
    """A sources file could not be used. The message lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        head = [] if len(self.problems) == 1 else [f"{len(self.problems)} problems found:"]
        super().__init__("\n".join([*head, *self.problems]))


@dataclass(frozen=True)
class _File:
    """Where things are in the file's text, since tomllib does not say."""

    label: str
    lines: tuple[str, ...]
    # Line of each [[source]] header; None if they do not match the tables (inline arrays).
    starts: tuple[int, ...] | None

    def line_of(self, index: int, key: str | None = None) -> int | None:
        if self.starts is None:
            return None
        start = self.starts[index]
        if key is None:
            return start
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines) + 1
        return _find_key(self.lines, key, start, end) or start


def load_sources(path: Path, known_kinds: Collection[str]) -> tuple[Source, ...]:
    """Read and check a sources file; raise SourcesError listing every problem."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError([f"{label}: cannot read the sources file ({exc})"]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError([_syntax_problem(label, exc)]) from exc
    lines = tuple(text.splitlines())
    problems: list[str] = []
    tables = _source_tables(data, label, lines, problems)
    starts = tuple(i for i, line in enumerate(lines, 1) if SOURCE_HEADER.match(line))
    file = _File(label, lines, starts if len(starts) == len(tables) else None)
    sources = _check_all(tables, file, path.absolute().parent, known_kinds, problems)
    if problems:
        raise SourcesError(problems)
    return sources


def _syntax_problem(label: str, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = TOML_POSITION.search(message)
    if not match:
        return f"{label}: TOML syntax error: {message}"
    return f"{label}:{match[1]}: TOML syntax error: {message[: match.start()]} (column {match[2]})"


def _source_tables(
    data: dict[str, Any], label: str, lines: tuple[str, ...], problems: list[str]
) -> list[dict[str, Any]]:
    for key in data:
        if key not in TOP_LEVEL:
            where = _at(label, _find_key(lines, key, 1, len(lines) + 1))
            hint = _did_you_mean(key, TOP_LEVEL)
            problems.append(
                f'{where}: unknown top-level entry "{key}"{hint}; '
                "the file should hold [[source]] tables and an optional [settings] table"
            )
    tables = data.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        where = _at(label, _find_key(lines, "source", 1, len(lines) + 1))
        problems.append(f"{where}: write each source as a [[source]] table (two brackets)")
        return []
    if not tables and not problems:
        problems.append(f"{label}: no [[source]] tables found")
    return tables


def _check_all(
    tables: list[dict[str, Any]],
    file: _File,
    base_dir: Path,
    known_kinds: Collection[str],
    problems: list[str],
) -> tuple[Source, ...]:
    sources: list[Source] = []
    first_use: dict[str, int] = {}  # id -> index of the table that first used it
    for index, table in enumerate(tables):
        check = _TableCheck(file, index, table)
        source = check.run(base_dir, known_kinds)
        source_id = table.get("id")
        if isinstance(source_id, str):
            if source_id in first_use:
                first = _at(file.label, file.line_of(first_use[source_id], "id"))
                check.problem(f'duplicate id "{source_id}" (first used at {first})', "id")
                source = None
            else:
                first_use[source_id] = index
        problems.extend(check.problems)
        if source is not None:
            sources.append(source)
    return tuple(sources)


class _TableCheck:
    """Checks one [[source]] table, collecting problems instead of stopping."""

    def __init__(self, file: _File, index: int, table: dict[str, Any]) -> None:
        self.file = file
        self.index = index
        self.table = table
        self.problems: list[str] = []
        source_id = table.get("id")
        self.who = (
            f'source "{source_id}"'
            if isinstance(source_id, str) and source_id
            else f"source #{index + 1} (no id)"
        )

    def problem(self, text: str, key: str | None = None) -> None:
        where = _at(self.file.label, self.file.line_of(self.index, key))
        self.problems.append(f"{where}: {self.who}: {text}")

    def run(self, base_dir: Path, known_kinds: Collection[str]) -> Source | None:
        self._check_shape()
        # Value checks skip fields whose type is already reported: no knock-on noise.
        self._check_values(known_kinds)
        url = self._text("url")
        if url is not None and isinstance(self.table.get("local", False), bool):
            self._check_url(url, self.table.get("local", False), base_dir)
        if self.problems:
            return None
        t = self.table
        optional = {key: t[key] for key in OPTIONAL if key in t}
        return Source(
            **{key: t[key] for key in REQUIRED},
            **optional,
            regions=tuple(t.get("regions", ())),
            professions=tuple(t.get("professions", ())),
            base_dir=base_dir,
            max_pages=int(t.get("max_pages", 50)),
            selectors=tuple(sorted(t.get("selectors", {}).items())),
        )

    def _text(self, key: str) -> str | None:
        value = self.table.get(key)
        return value if isinstance(value, str) and value.strip() else None

    def _slugs(self, key: str) -> list[str]:
        value = self.table.get(key, [])
        return [] if _type_problem(key, value) else list(value)

    def _check_shape(self) -> None:
        for key, value in self.table.items():
            if key not in KNOWN_FIELDS:
                self.problem(f'unknown field "{key}"{_did_you_mean(key, KNOWN_FIELDS)}', key)
            elif wrong_type := _type_problem(key, value):
                self.problem(wrong_type, key)
            elif key in REQUIRED and not value.strip():
                self.problem(f'field "{key}" is empty', key)
        for key in REQUIRED:
            if key not in self.table:
                self.problem(f'missing required field "{key}"')

    def _check_values(self, known_kinds: Collection[str]) -> None:
        source_id = self._text("id")
        if source_id is not None and not SLUG.fullmatch(source_id):
            self.problem(f'id "{source_id}" is not a slug (use a-z, 0-9 and "-")', "id")
        kind = self._text("kind")
        if kind is not None and kind not in known_kinds:
            known = "known kinds: " + ", ".join(sorted(known_kinds))
            close = _closest(kind, known_kinds)
            hint = f'did you mean "{close}"? {known}' if close else known
            self.problem(f'unknown kind "{kind}" ({hint})', "kind")
        self._check_vocab("regions", "region", REGIONS)
        self._check_vocab("professions", "profession", PROFESSIONS)
        timezone = self._text("timezone")
        if timezone is not None:
            self._check_timezone(timezone)
        self._check_selectors(kind)

    def _check_selectors(self, kind: str | None) -> None:
        """Kind "html" is described by CSS selectors; they mean nothing to other kinds."""
        given = self.table.get("selectors", {})
        if not isinstance(given, dict):
            return  # the type problem is reported already
        for role in given:
            if role not in SELECTOR_ROLES:
                hint = _did_you_mean(role, SELECTOR_ROLES)
                self.problem(
                    f'unknown selector "{role}"{hint} (roles: {", ".join(SELECTOR_ROLES)})',
                    "selectors",
                )
        if kind == "html":
            missing = [role for role in HTML_NEEDS if not given.get(role)]
            if missing:
                self.problem(f'kind "html" needs selectors for {", ".join(missing)}', "selectors")
        elif given:
            self.problem('"selectors" are only used by kind "html"', "selectors")

    def _check_vocab(self, key: str, noun: str, vocab: dict[str, str]) -> None:
        for slug in self._slugs(key):
            if slug not in vocab:
                hint = _did_you_mean(slug, vocab) or f" (valid {key}: {', '.join(vocab)})"
                self.problem(f'unknown {noun} "{slug}"{hint}', key)

    def _check_timezone(self, name: str) -> None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            hint = _did_you_mean(name, available_timezones())
            self.problem(f'unknown time zone "{name}"{hint}; use an IANA name', "timezone")

    def _check_url(self, url: str, local: bool, base_dir: Path) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            host = parts.hostname or ""
            if not host:
                self.problem(f'url "{url}" has no host name', "url")
            elif not local and (host in ("localhost", "::1") or host.startswith("127.")):
                self.problem(
                    f'url "{url}" points at this machine; only sources with '
                    "local = true (samples, tests) may do that",
                    "url",
                )
        elif not local:
            self.problem(
                f'url "{url}" is not an http(s) URL; only sources with local = true '
                "may use file paths",
                "url",
            )
        elif parts.scheme not in ("", "file") and "://" in url:
            self.problem(f'url "{url}" uses an unsupported scheme "{parts.scheme}"', "url")
        # Resolved as scrapers.fetch.local_path does: file: URL or path, relative to the file.
        elif not (base_dir / (parts.path if parts.scheme == "file" else url)).is_file():
            self.problem(f'local file "{url}" does not exist (looked in {base_dir})', "url")


def _type_problem(key: str, value: Any) -> str | None:
    if key in STR_FIELDS and not isinstance(value, str):
        return f'field "{key}" should be a string, not {_describe(value)}'
    if key in BOOL_FIELDS and not isinstance(value, bool):
        return f'field "{key}" should be true or false, not {_describe(value)}'
    if key in NUMBER_FIELDS and (
        isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
    ):
        return f'field "{key}" should be a positive number, not {_describe(value)}'
    if key in INT_FIELDS and (isinstance(value, bool) or not isinstance(value, int)):
        return f'field "{key}" should be a whole number, not {_describe(value)}'
    if key in TABLE_FIELDS and (
        not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())
    ):
        return f'field "{key}" should be a table of strings, e.g. {{ title = "h3" }}'
    if key in LIST_FIELDS:
        if not isinstance(value, list):
            return f'field "{key}" should be a list of slugs, not {_describe(value)}'
        wrong = [item for item in value if not isinstance(item, str)]
        if wrong:
            return f'field "{key}" should hold only strings, not {_describe(wrong[0])}'
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):  # before int: a bool is also an int
        return "true/false"
    if isinstance(value, str | int | float):
        return f"{'a string' if isinstance(value, str) else 'a number'} ({value!r})"
    names: dict[type, str] = {list: "a list", dict: "a table"}
    return names.get(type(value), "a date or time")


def _closest(word: str, choices: Iterable[str]) -> str | None:
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    # Spelling is close, or a short form picks out one choice ("yorkshire").
    containing = [c for c in choices if len(word) > 3 and word.lower() in c.lower()]
    return close[0] if close else containing[0] if len(containing) == 1 else None


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = _closest(word, choices)
    return f' (did you mean "{close}"?)' if close else ""


def _at(label: str, line: int | None) -> str:
    return f"{label}:{line}" if line else label


def _find_key(lines: tuple[str, ...], key: str, start: int, end: int) -> int | None:
    """Line number of `key = ...` (or a [key] / [[key]] header) between start and end."""
    name = rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')"""
    pattern = re.compile(rf"^\s*(?:{name}\s*=|\[\[?\s*{name}\s*\]\]?)")
    for number in range(start, min(end, len(lines) + 1)):
        if pattern.match(lines[number - 1]):
            return number
    return None
