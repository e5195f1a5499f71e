"""Robustness over the shared real-world feed corpus (feedparser's and reader's test cases).

Every file must parse without raising, and every entry feedparser finds must come out
as a post or an event: the parser may add meaning, never lose entries.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from scrapers import feed
from scrapers.model import ParseContext, ParseResult, Source

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "feeds"
SOURCE = Source(
    id="corpus", name="Corpus", organiser="Corpus", url="https://example.org/feed/", kind="feed"
)
# The corpus dates from 2002 onwards: a window of a thousand years either side keeps the
# window filter out of a test about losing entries.
CTX = ParseContext(now=datetime(2026, 1, 15, tzinfo=UTC), days_back=365_000, days_ahead=365_000)


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert len(files) > 2000, "the feed corpus looks truncated"
    return files


@pytest.fixture(scope="module")
def results(corpus: list[Path]) -> dict[str, tuple[int, ParseResult | BaseException]]:
    out: dict[str, tuple[int, ParseResult | BaseException]] = {}
    for path in corpus:
        body = path.read_bytes()
        expected = len(feedparser.parse(io.BytesIO(body)).entries)
        try:
            out[path.name] = (expected, feed.parse(SOURCE, body, CTX))
        except Exception as exc:  # reported by name below, not as one opaque failure
            out[path.name] = (expected, exc)
    return out


def test_no_file_raises(results: dict[str, tuple[int, ParseResult | BaseException]]) -> None:
    raised = {name: repr(r) for name, (_, r) in results.items() if isinstance(r, BaseException)}
    assert raised == {}


def test_no_file_hits_the_last_resort_handler(
    results: dict[str, tuple[int, ParseResult | BaseException]],
) -> None:
    # parse() turns an unexpected exception into an error; none should need to.
    crashed = {
        name: r.error
        for name, (_, r) in results.items()
        if isinstance(r, ParseResult) and (r.error or "").startswith("could not read the feed")
    }
    assert crashed == {}


def test_every_feedparser_entry_comes_out(
    results: dict[str, tuple[int, ParseResult | BaseException]],
) -> None:
    lost = {
        name: (expected, len(r.posts) + len(r.events))
        for name, (expected, r) in results.items()
        if isinstance(r, ParseResult) and len(r.posts) + len(r.events) != expected
    }
    assert lost == {}, "file: (feedparser entries, ours)"
    total = sum(expected for expected, _ in results.values())
    assert total > 1000


def test_files_with_entries_are_never_errors(
    results: dict[str, tuple[int, ParseResult | BaseException]],
) -> None:
    wrong = [
        name
        for name, (expected, r) in results.items()
        if isinstance(r, ParseResult) and expected and r.error
    ]
    assert wrong == []
