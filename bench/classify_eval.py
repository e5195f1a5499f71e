"""Classification quality on the labelled set in tests/classify_eval/: runs `convene
classify` on its listings, as a user would, and compares with the expected labels.

    .venv/bin/python bench/classify_eval.py [--model] [--threshold 0.5] [--errors 20]

Reports region accuracy (a listing counts when its set of regions is exactly the
expected set), per-label precision and recall for regions and professions, the
profession macro F1, and the accuracy of the free and restricted flags; for the whole
set and for its two halves: "dev" (listings 1, 3, 5, ...: the half the phrase lists
were tuned on) and "held-out" (listings 2, 4, 6, ...: never looked at while tuning).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "tests" / "classify_eval"
REGION_TARGET = 0.97
PROFESSION_MACRO_F1_TARGET = 0.85


@dataclass(frozen=True)
class LabelScore:
    label: str
    support: int
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True)
class Report:
    listings: int
    region_accuracy: float
    regions: tuple[LabelScore, ...]
    professions: tuple[LabelScore, ...]
    free_accuracy: float
    restricted_accuracy: float

    @property
    def profession_macro_f1(self) -> float:
        return sum(s.f1 for s in self.professions) / len(self.professions)

    @property
    def profession_macro_precision(self) -> float:
        return sum(s.precision for s in self.professions) / len(self.professions)

    @property
    def profession_macro_recall(self) -> float:
        return sum(s.recall for s in self.professions) / len(self.professions)


def load_expected() -> list[dict[str, Any]]:
    lines = (EVAL / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def run_classify(model: bool = False, threshold: float | None = None) -> dict[str, Any]:
    """id -> the answer `convene classify` printed for it."""
    command = [sys.executable, "-c", "from flows.cli import main; main()", "classify"]
    command.append(str(EVAL / "listings.jsonl"))
    if model:
        command.append("--model")
    if threshold is not None:
        command += ["--threshold", str(threshold)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"convene classify failed ({done.returncode}):\n{done.stderr}")
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    return {str(a["id"]): a for a in answers}


def split(expected: Sequence[dict[str, Any]], half: str) -> list[dict[str, Any]]:
    if half == "dev":
        return list(expected[0::2])
    if half == "held-out":
        return list(expected[1::2])
    return list(expected)


def evaluate(answers: Mapping[str, Any], expected: Sequence[dict[str, Any]]) -> Report:
    from scrapers.vocab import PROFESSIONS, REGIONS

    got = [answers[str(e["id"])] for e in expected]
    exact = sum(set(a["regions"]) == set(e["regions"]) for a, e in zip(got, expected, strict=True))
    return Report(
        listings=len(expected),
        region_accuracy=exact / len(expected),
        regions=_scores(REGIONS, "regions", got, expected),
        professions=_scores(PROFESSIONS, "professions", got, expected),
        free_accuracy=_flag_accuracy("free", got, expected),
        restricted_accuracy=_flag_accuracy("restricted", got, expected),
    )


def _scores(
    vocab: Mapping[str, str], key: str, got: Sequence[Any], expected: Sequence[Any]
) -> tuple[LabelScore, ...]:
    scores = []
    for label in vocab:
        predicted = [label in a[key] for a in got]
        actual = [label in e[key] for e in expected]
        hits = sum(p and t for p, t in zip(predicted, actual, strict=True))
        if not any(actual) and not any(predicted):
            continue
        precision = hits / sum(predicted) if any(predicted) else 0.0
        recall = hits / sum(actual) if any(actual) else 0.0
        scores.append(LabelScore(label, sum(actual), precision, recall))
    return tuple(scores)


def _flag_accuracy(key: str, got: Sequence[Any], expected: Sequence[Any]) -> float:
    same = sum(a[key] == e.get(key) for a, e in zip(got, expected, strict=True))
    return same / len(expected)


def print_report(name: str, report: Report) -> None:
    print(f"\n## {name}: {report.listings} listings\n")
    print(f"- region accuracy (exact set): {report.region_accuracy:.3f} (target {REGION_TARGET})")
    print(
        f"- profession macro F1: {report.profession_macro_f1:.3f} "
        f"(P {report.profession_macro_precision:.3f}, R {report.profession_macro_recall:.3f}; "
        f"target {PROFESSION_MACRO_F1_TARGET})"
    )
    print(f"- free flag accuracy: {report.free_accuracy:.3f}")
    print(f"- restricted flag accuracy: {report.restricted_accuracy:.3f}")


def print_label_table(report: Report) -> None:
    print("\n| label | support | precision | recall | F1 |\n|---|---:|---:|---:|---:|")
    for score in (*report.regions, *report.professions):
        print(
            f"| {score.label} | {score.support} | {score.precision:.3f} | "
            f"{score.recall:.3f} | {score.f1:.3f} |"
        )


def print_errors(answers: Mapping[str, Any], expected: Sequence[Any], limit: int) -> None:
    shown = 0
    for e in expected:
        a = answers[str(e["id"])]
        wrong_region = set(a["regions"]) != set(e["regions"])
        wrong_prof = set(a["professions"]) != set(e["professions"])
        if (wrong_region or wrong_prof) and shown < limit:
            shown += 1
            print(f"\n{e['id']}: regions {a['regions']} (expected {e['regions']})")
            print(f"  professions {a['professions']} (expected {e['professions']})")
            for reason in a["reasons"]:
                print(f"  - {reason['kind']} {reason['label']}: {reason['reason']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="store_true", help="also use the semantic model")
    parser.add_argument("--threshold", type=float, help="the model's similarity threshold")
    parser.add_argument("--errors", type=int, default=0, help="show this many wrong listings")
    parser.add_argument("--split", choices=("dev", "held-out", "all"), default="dev")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    started = time.perf_counter()
    answers = run_classify(args.model, args.threshold)
    elapsed = time.perf_counter() - started
    expected = load_expected()
    print(f"# Classification on tests/classify_eval ({'rules + model' if args.model else 'rules'})")
    print(f"`convene classify` on {len(expected)} listings: {elapsed:.1f} s wall")
    for half in ("all", "dev", "held-out"):
        print_report(half, evaluate(answers, split(expected, half)))
    print_label_table(evaluate(answers, expected))
    if args.errors:
        print_errors(answers, split(expected, args.split), args.errors)


if __name__ == "__main__":
    main()
