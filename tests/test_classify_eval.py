"""The classifier on the labelled set in tests/classify_eval/ (see its README), run
through `convene classify` as a user would. Fails below the issue's targets."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.classify_eval import (  # noqa: E402
    PROFESSION_MACRO_F1_TARGET,
    REGION_TARGET,
    evaluate,
    load_expected,
    run_classify,
)
from scrapers.vocab import PROFESSIONS, REGIONS  # noqa: E402


@pytest.fixture(scope="module")
def expected() -> list[dict[str, Any]]:
    return load_expected()


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    return run_classify()


def test_the_set_is_big_and_covers_every_label(expected: list[dict[str, Any]]) -> None:
    assert len(expected) >= 250
    regions = Counter(r for e in expected for r in e["regions"])
    professions = Counter(p for e in expected for p in e["professions"])
    assert set(regions) == set(REGIONS)
    assert set(professions) == set(PROFESSIONS)
    assert min(professions.values()) >= 15


def test_every_listing_is_answered_with_known_slugs(
    expected: list[dict[str, Any]], answers: dict[str, Any]
) -> None:
    assert set(answers) == {str(e["id"]) for e in expected}
    for answer in answers.values():
        assert set(answer["regions"]) <= set(REGIONS)
        assert set(answer["professions"]) <= set(PROFESSIONS)
        assert answer["restricted"] in (
            None,
            "civil-servants-only",
            "public-sector-only",
            "invite-only",
        )
        labelled = {(r["kind"], r["label"]) for r in answer["reasons"]}
        assert {("region", r) for r in answer["regions"]} <= labelled
        assert {("profession", p) for p in answer["professions"]} <= labelled


def test_region_accuracy_meets_the_target(
    expected: list[dict[str, Any]], answers: dict[str, Any]
) -> None:
    report = evaluate(answers, expected)
    assert report.region_accuracy >= REGION_TARGET


def test_profession_macro_f1_meets_the_target_without_the_model(
    expected: list[dict[str, Any]], answers: dict[str, Any]
) -> None:
    report = evaluate(answers, expected)
    assert report.profession_macro_f1 >= PROFESSION_MACRO_F1_TARGET


def test_flags_are_right_for_nearly_every_listing(
    expected: list[dict[str, Any]], answers: dict[str, Any]
) -> None:
    report = evaluate(answers, expected)
    assert report.free_accuracy >= 0.95
    assert report.restricted_accuracy >= 0.95
