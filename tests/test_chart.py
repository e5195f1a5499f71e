"""The SVG chart of events per month by region (warehouse.chart), and the months and
series warehouse.analysis feeds it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import duckdb
import pytest

from warehouse.analysis import add_months, chart_months, events_by_month_svg, this_month
from warehouse.chart import OTHER_COLOUR, PALETTE, Series, nice_step, stacked_bars_svg

SVG = "{http://www.w3.org/2000/svg}"
BARS = [("Nov", "2026"), ("Dec", ""), ("Jan", "2027")]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


@pytest.mark.parametrize(
    ("top", "step"), [(0, 1), (3, 1), (5, 1), (6, 2), (10, 2), (11, 5), (48, 10), (260, 100)]
)
def test_nice_step(top: int, step: int) -> None:
    assert nice_step(top) == step


def test_bars_stack_in_order_with_a_tooltip_each() -> None:
    series = [Series("London", (2, 0, 4), PALETTE[0]), Series("Wales", (1, 3, 0), PALETTE[1])]
    root = _parse(stacked_bars_svg(BARS, series, "Events per month", "Three months."))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-title chart-desc"
    assert root.find(f"{SVG}title").text == "Events per month"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Three months."  # type: ignore[union-attr]
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    tips = [r.find(f"{SVG}title").text for r in bars]  # type: ignore[union-attr]
    assert tips == [
        "London, Nov 2026: 2 events",
        "Wales, Nov 2026: 1 event",
        "Wales, Dec: 3 events",
        "London, Jan 2027: 4 events",
    ]
    # Heights are in proportion, and Wales sits on London in November.
    london_nov, wales_nov = bars[0], bars[1]
    assert float(london_nov.get("height", 0)) == 2 * float(wales_nov.get("height", 0))
    assert float(wales_nov.get("y", 0)) + float(wales_nov.get("height", 0)) == pytest.approx(
        float(london_nov.get("y", 0))
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Nov", "Dec", "Jan", "2026", "2027", "London", "Wales"} <= set(texts)


def test_text_is_escaped_and_output_is_stable() -> None:
    series = [Series('<script>"x" & y</script>', (1, 1, 1), PALETTE[0])]
    svg = stacked_bars_svg(BARS, series, "A & B <c>", "d")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert _parse(svg).find(f"{SVG}title").text == "A & B <c>"  # type: ignore[union-attr]
    assert svg == stacked_bars_svg(BARS, series, "A & B <c>", "d")


def test_no_events_says_so() -> None:
    svg = stacked_bars_svg(BARS, [], "Events", "None.")
    assert "No events in these months" in svg
    _parse(svg)


def test_months_around_now() -> None:
    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # still November in London (GMT)
    assert this_month(now) == date(2026, 11, 1)
    assert this_month(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)  # BST
    months = chart_months(now)
    assert len(months) == 24 and months[0] == date(2025, 12, 1) and months[-1] == date(2027, 11, 1)
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


def test_seven_regions_then_the_rest_together() -> None:
    con = duckdb.connect()
    now = datetime(2026, 11, 26, tzinfo=UTC)
    regions = ["london", "wales", "scotland", "online", "north-east", "north-west",
               "south-west", "south-east", "uk-wide"]  # fmt: skip
    con.execute("CREATE TABLE events_by_region_month (month DATE, region VARCHAR, events BIGINT)")
    rows = [(date(2026, 11, 1), r, 10 - n) for n, r in enumerate(regions)]
    rows.append((date(2020, 1, 1), "london", 99))  # outside the months shown
    con.executemany("INSERT INTO events_by_region_month VALUES (?, ?, ?)", rows)
    root = _parse(events_by_month_svg(con, now))
    legend = [t.text for t in root.iter(f"{SVG}text")][-8:]
    assert legend == ["London", "Wales", "Scotland", "Online", "North East", "North West",
                      "South West", "Other regions"]  # fmt: skip
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert "Other regions, Nov: 5 events" in tips  # South East 3 and UK-wide 2
    assert "London, Nov: 10 events" in tips
    assert OTHER_COLOUR in events_by_month_svg(con, now)
