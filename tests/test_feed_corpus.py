"""Robustness over the shared real-world feed corpus (feedparser's and reader's test cases).

Every file must parse without raising, and every entry feedparser finds must come out
as a post or an event: the parser may add meaning, never lose entries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corpus_library import FOLDERS, corpus_files
from scrapers import feed
from scrapers.model import ParseResult

SPEC = FOLDERS["feeds"]


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    files = corpus_files("feeds")
    if not files:
        pytest.skip("shared corpus not found at ../shared/corpus/feeds")
    assert len(files) > 2000, "the feed corpus looks truncated"
    return files


@pytest.fixture(scope="module")
def results(corpus: list[Path]) -> dict[str, tuple[int, ParseResult | BaseException]]:
    out: dict[str, tuple[int, ParseResult | BaseException]] = {}
    for path in corpus:
        body = path.read_bytes()
        expected = SPEC.library(body).found
        try:
            out[path.name] = (expected, feed.parse(SPEC.source, body, SPEC.ctx))
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
