"""Deduplication quality on the labelled set in tests/dedupe_eval/: a benchmark, not a test.

    .venv/bin/python bench/dedupe_eval.py [--threshold 0.95] [--no-splink]

For each method, pairwise precision, recall and F1 over all unordered pairs of listings
(a predicted pair: both in one predicted cluster; a true pair: both of one labelled
entity), and the wall time of the clustering itself (loading the files not counted):

- Convene's matcher, `warehouse.matching.match(listings)`
- exact matching alone, `match(listings, exact_only=True)`
- splink 4 on DuckDB (optional dependency group: `uv sync --group bench`), configured as
  in `splink_clusters` below.

Prints a markdown table, then the merged hard negatives and the missed duplicates of
Convene's matcher (at most 25 of each), so a failure can be traced to listings.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
EVAL = REPO / "tests" / "dedupe_eval"
LONDON = ZoneInfo("Europe/London")

Pair = tuple[str, str]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def load_records() -> tuple[list[dict[str, Any]], dict[str, str], list[dict[str, str]]]:
    """(listing records, listing id -> entity, hard negative pairs)."""
    records = read_jsonl(EVAL / "listings.jsonl")
    labels = {r["id"]: r["entity"] for r in read_jsonl(EVAL / "labels.jsonl")}
    hard = read_jsonl(EVAL / "hard_negatives.jsonl")
    return records, labels, hard


def to_listings(records: Iterable[Mapping[str, Any]]) -> list[Any]:
    from warehouse.matching import Listing

    out = []
    for r in records:
        kw = dict(r)
        kw["start"] = datetime.fromisoformat(kw["start"])
        if kw.get("end"):
            kw["end"] = datetime.fromisoformat(kw["end"])
        out.append(Listing(**kw))
    return out


def pairs_of(cluster_of: Mapping[str, str]) -> set[Pair]:
    groups: dict[str, list[str]] = defaultdict(list)
    for lid, c in cluster_of.items():
        groups[c].append(lid)
    out: set[Pair] = set()
    for members in groups.values():
        out.update(combinations(sorted(members), 2))
    return out


def scores(predicted: set[Pair], truth: set[Pair]) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def convene_clusters(listings: list[Any], exact_only: bool = False) -> dict[str, str]:
    from warehouse.matching import match

    return dict(match(listings, exact_only=exact_only).cluster_of)


# -- splink --------------------------------------------------------------------------


def norm_title(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"\b(online|webinar)\b", " ", s)
    s = s.replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def canon_url(u: str | None) -> str | None:
    if not u:
        return None
    p = urlsplit(u.strip())
    path = p.path.rstrip("/") or "/"
    return urlunsplit(("https", p.netloc.lower().removeprefix("www."), path, "", ""))


def splink_frame(records: list[dict[str, Any]]) -> Any:
    import pandas as pd

    rows = []
    for r in records:
        start = datetime.fromisoformat(r["start"])
        local = start.astimezone(LONDON)
        pc = r.get("postcode")
        org = r.get("organiser")
        rows.append(
            {
                "unique_id": r["id"],
                "title_norm": norm_title(r["title"]),
                # An all-day copy has no time: null, so the time comparison says nothing.
                "start_ts": None if r.get("all_day") else start.astimezone(ZoneInfo("UTC")),
                "start_date": local.date().isoformat(),
                "postcode": pc.replace(" ", "").upper() if pc else None,
                "organiser": org.lower().strip() if org else None,
                "url_canon": canon_url(r.get("url")),
            }
        )
    df = pd.DataFrame(rows)
    df["start_ts"] = pd.to_datetime(df["start_ts"], utc=True).dt.tz_localize(None)
    return df


def splink_clusters(records: list[dict[str, Any]], threshold: float) -> dict[str, str]:
    """Splink 4, DuckDB backend.

    Blocking (prediction): same London start date, OR same canonical URL.
    Comparisons: normalised title Jaro-Winkler at 0.95 / 0.88 / 0.70; start time absolute
    difference at 1 minute / 24 hours (all-day copies: null); postcode exact; organiser
    exact (lower-cased).
    Training: lambda from a deterministic rule (same title and date, recall 0.8); u by
    random sampling (1e6 pairs, seed 1); m by EM, once blocked on start date and once on
    normalised title. Predict, then cluster connected components of pairs whose match
    probability is at least `threshold`.
    """
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    df = splink_frame(records)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[block_on("start_date"), block_on("url_canon")],
        comparisons=[
            cl.JaroWinklerAtThresholds("title_norm", [0.95, 0.88, 0.70]),
            cl.AbsoluteTimeDifferenceAtThresholds(
                "start_ts",
                input_is_string=False,
                metrics=["minute", "hour"],
                thresholds=[1, 24],
            ),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("organiser"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(df, settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("title_norm", "start_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("start_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("title_norm"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=threshold
    )
    out = clusters.as_pandas_dataframe()
    return {str(u): str(c) for u, c in zip(out["unique_id"], out["cluster_id"], strict=True)}


# -- report --------------------------------------------------------------------------


def failures(
    cluster_of: Mapping[str, str],
    truth: set[Pair],
    records: list[dict[str, Any]],
    hard: list[dict[str, str]],
    limit: int = 25,
) -> list[str]:
    by_id = {r["id"]: r for r in records}

    def show(lid: str) -> str:
        r = by_id[lid]
        where = r.get("postcode") or r.get("location_name") or "-"
        day = " all-day" if r.get("all_day") else ""
        return f"{lid} [{r['source']}] {r['title']!r} {r['start']}{day} @ {where}"

    lines = []
    merged = [h for h in hard if cluster_of[h["a"]] == cluster_of[h["b"]]]
    lines.append(f"hard negatives merged: {len(merged)} of {len(hard)}")
    for h in merged[:limit]:
        lines.append(f"  {h['kind']}: {show(h['a'])}  ==  {show(h['b'])}")
    missed = sorted(truth - pairs_of(cluster_of))
    lines.append(f"true duplicate pairs missed: {len(missed)} of {len(truth)}")
    for a, b in missed[:limit]:
        lines.append(f"  {show(a)}  !=  {show(b)}")
    wrong = sorted(pairs_of(cluster_of) - truth)
    lines.append(f"wrong pairs (different events merged): {len(wrong)}")
    for a, b in wrong[:limit]:
        lines.append(f"  {show(a)}  ==  {show(b)}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threshold", type=float, default=0.95, help="splink cluster threshold")
    ap.add_argument("--no-splink", action="store_true")
    args = ap.parse_args()

    records, labels, hard = load_records()
    truth = pairs_of(labels)
    listings = to_listings(records)
    print(
        f"{len(records)} listings, {len(set(labels.values()))} events, "
        f"{len(truth)} true duplicate pairs, {len(hard)} hard non-duplicate pairs\n"
    )

    results: list[tuple[str, float, float, float, float, str]] = []
    convene: dict[str, str] = {}
    methods: list[tuple[str, Any]] = [
        ("Convene `match`", lambda: convene_clusters(listings)),
        ("exact only (`match(exact_only=True)`)", lambda: convene_clusters(listings, True)),
    ]
    if not args.no_splink:
        methods.append(
            (
                f"splink (DuckDB, cluster at {args.threshold})",
                lambda: splink_clusters(records, args.threshold),
            )
        )
    for name, fn in methods:
        t0 = time.perf_counter()
        try:
            cluster_of = fn()
        except Exception as exc:  # report and go on with the other methods
            results.append((name, float("nan"), float("nan"), float("nan"), 0.0, repr(exc)))
            continue
        wall = time.perf_counter() - t0
        if name.startswith("Convene"):
            convene = cluster_of
        merged = sum(cluster_of[h["a"]] == cluster_of[h["b"]] for h in hard)
        p, r, f = scores(pairs_of(cluster_of), truth)
        results.append((name, p, r, f, wall, f"{merged} / {len(hard)}"))

    print("| method | precision | recall | F1 | hard negatives merged | wall s |")
    print("|---|---|---|---|---|---|")
    for name, p, r, f, wall, note in results:
        print(f"| {name} | {p:.4f} | {r:.4f} | {f:.4f} | {note} | {wall:.2f} |")
    if convene:
        print("\nConvene `match`:")
        print("\n".join(failures(convene, truth, records, hard)))


if __name__ == "__main__":
    main()
