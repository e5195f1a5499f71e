"""The markdown tables bench/suite.py prints."""

from __future__ import annotations

from statistics import median
from typing import Any

STEPS = ("recall", "fetch+parse", "store", "publish")
MIB_LIMIT = 1024  # the target: under 1 GB for 10,000 sources


def step_floors(report: dict[str, Any], floors: dict[str, Any]) -> dict[str, float]:
    fetch = floors["fetch"][report["label"]].floor
    sources = sum(report["statuses"].values()) or 1
    parsed_share = report["server"].get("200", 0) / sources  # a 304 is not parsed
    parse = sum(floors["parse"].values()) * parsed_share
    return {
        "recall": 0.0,
        "fetch+parse": fetch + parse,
        "store": report["written"]["store"][1],
        "publish": report["written"]["publish"][1],
    }


def _worst(report: dict[str, Any], by_step: dict[str, float]) -> str:
    step = max(STEPS, key=lambda s: report["steps"][s] - by_step[s])
    over = report["steps"][step] - by_step[step]
    return f"{step} (+{over:.2f} s over its floor of {by_step[step]:.2f} s)"


def scenario_tables(reports: list[dict[str, Any]], floors: dict[str, Any], share: float) -> str:
    head = [
        "| scenario | measured s | recall | fetch+parse | store | publish | floor s | ratio |"
        " 200 / 304 / robots.txt | events | furthest over its floor |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        by_step = step_floors(r, floors)
        total, floor = sum(r["steps"].values()), sum(by_step.values())
        s = r["server"]
        head.append(
            f"| {r['label']} | {total:.2f} | "
            + " | ".join(f"{r['steps'][step]:.2f}" for step in STEPS)
            + f" | {floor:.2f} | {total / floor:.1f}x |"
            f" {s.get('200', 0)} / {s.get('304', 0)} / {s.get('robots', 0)} | {r['events']:,} |"
            f" {_worst(r, by_step)} |"
        )
    pieces = [f"{r['label']}: {_pieces(r)}" for r in reports if r.get("pieces")]
    notes = ["", "Rendered pieces reused / made (feeds.render_store): " + "; ".join(pieces)]
    return "\n".join(
        [
            *head,
            *(notes if pieces else []),
            "",
            floor_table(reports, floors),
            _proportion(reports, share),
        ]
    )


def _pieces(report: dict[str, Any]) -> str:
    reused, made = report["pieces"].get("reused", {}), report["pieces"].get("made", {})
    return f"{sum(reused.values()):,} / {sum(made.values()):,}"


def floor_table(reports: list[dict[str, Any]], floors: dict[str, Any]) -> str:
    settings = floors["settings"]
    kinds = ", ".join(f"{k} {v:.2f} s" for k, v in sorted(floors["parse"].items()))
    lines = [
        "| scenario | fetch floor: sources x latency / concurrency | with robots.txt |"
        " busiest host, one gap apart | parse floor | write floor (bytes) |",
        "|---|---|---|---|---|---|",
    ]
    for r in reports:
        fetch, by_step = floors["fetch"][r["label"]], step_floors(r, floors)
        parse = by_step["fetch+parse"] - fetch.floor
        written = sum(b for b, _ in r["written"].values())
        write = by_step["store"] + by_step["publish"]
        lines.append(
            f"| {r['label']} | {fetch.sources:.2f} | {fetch.requests:.2f} |"
            f" {fetch.politeness:.2f} | {parse:.2f} | {write:.3f} ({written / 2**20:.1f} MiB) |"
        )
    lines += [
        "",
        f"Floors. Fetch: the larger of the issue's floor and the busiest host's chain"
        f" (concurrency {settings.concurrency}, {settings.host_delay:g} s gap per host);"
        f" parse: the libraries alone on the {floors['body_bytes'] / 2**20:.1f} MiB of"
        f" documents ({kinds}), in proportion to the documents answered 200; write: the"
        " bytes the run changed (output files and the database's growth) written again.",
    ]
    return "\n".join(lines)


def _proportion(reports: list[dict[str, Any]], share: float) -> str:
    if len(reports) < 3:
        return ""
    t1, t2, t3 = (sum(r["steps"].values()) for r in reports[:3])
    ratio = (t3 - t2) / (t1 - t2) if t1 != t2 else float("nan")
    return (
        f"\nScenario 3 against 2 and 1: (t3 - t2) / (t1 - t2) = ({t3:.2f} - {t2:.2f}) /"
        f" ({t1:.2f} - {t2:.2f}) = {ratio:.3f}, against the changed share {share:.2f}."
    )


def memory_table(first: dict[str, Any], big: list[dict[str, Any]], opts: Any) -> str:
    lines = [
        "\n| scenario 6: peak memory (ru_maxrss of the refresh's process) | sources x events |"
        " latency | refresh s | peak MiB | largest forked worker MiB | peak while fetching /"
        " storing / publishing MiB | target |",
        "|---|---|---|---|---|---|---|---|",
        _memory_row(first, opts.sources, opts.events, opts.latency),
    ]
    if big:
        lines.append(_memory_row(big[0], opts.big_sources, opts.events, opts.big_latency))
    return "\n".join(lines)


def _memory_row(report: dict[str, Any], sources: int, events: int, latency: float) -> str:
    total = sum(report["steps"].values())
    mib = report["maxrss_mib"]
    verdict = f"under {MIB_LIMIT} MiB: {'yes' if mib < MIB_LIMIT else 'NO'}"
    peaks = report.get("step_peak_mib", {})
    steps = " / ".join(f"{peaks.get(s, 0):,.0f}" for s in ("fetch+parse", "store", "publish"))
    return (
        f"| {report['label']} | {sources:,} x {events} | {latency * 1000:g} ms | {total:.1f} |"
        f" {mib:,.0f} | {report.get('workers_maxrss_mib', 0):,.0f} | {steps} | {verdict} |"
    )


def prefect_tables(data: dict[str, Any], direct: float, opts: Any) -> str:
    flow = data["flow"]
    tasks = data["granularity"]
    batched, per_source = median(tasks["batched"]), median(tasks["per-source"])
    per_task_ms = (per_source - batched) / opts.per_task_sources * 1000
    return "\n".join([
        "\n| Prefect | seconds | ratio to the steps called directly |",
        "|---|---|---|",
        f"| scenario 1's refresh, steps called directly (.fn) | {direct:.2f} | 1.00 |",
        f"| the same through the `refresh` flow | {flow:.2f} | {flow / direct:.2f} |",
        f"| (temporary Prefect server start-up, not counted) | {data['harness']:.1f} | |",
        "",
        f"| fetch+parse of {opts.per_task_sources} sources in a flow | median s | runs |",
        "|---|---|---|",
        f"| one collect task (the flow's way) | {batched:.2f} |"
        f" {', '.join(f'{s:.2f}' for s in tasks['batched'])} |",
        f"| one task per source | {per_source:.2f} |"
        f" {', '.join(f'{s:.2f}' for s in tasks['per-source'])} |",
        "",
        f"One task per source costs {per_task_ms:+.1f} ms per source over one task"
        f" ({per_source / batched:.2f}x).",
    ])  # fmt: skip
