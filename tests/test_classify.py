"""Region and profession classification of whole listings, with reasons: the tricky
places the issue names, the order of the evidence, and `convene classify`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.classify import Classification, Classifier
from warehouse.records import Subject

REPO = Path(__file__).resolve().parents[1]
RULES = Classifier()


def _classify(**fields: object) -> Classification:
    return RULES.classify(Subject(id="x", **fields))  # type: ignore[arg-type]


def _regions(**fields: object) -> tuple[str, ...]:
    return _classify(**fields).regions


def test_newport_in_wales_and_on_the_isle_of_wight() -> None:
    assert _regions(title="Digital meetup", location_name="Newport") == ("wales",)
    assert _regions(location_name="Riverside Centre", address="Newport, Gwent") == ("wales",)
    assert _regions(location_name="Quay Arts", address="Newport, Isle of Wight") == ("south-east",)
    assert _regions(postcode="PO30 1BQ", location_name="Newport") == ("south-east",)
    assert _regions(postcode="NP20 1HG", location_name="Newport") == ("wales",)


def test_richmond_in_london_and_in_north_yorkshire() -> None:
    assert _regions(address="Richmond upon Thames") == ("london",)
    assert _regions(address="Town Hall, Richmond, North Yorkshire") == ("yorkshire-and-the-humber",)
    assert _regions(postcode="TW9 1DN", address="Richmond") == ("london",)
    assert _regions(postcode="DL10 4QA", address="Richmond") == ("yorkshire-and-the-humber",)


def test_ch_postcodes_on_both_sides_of_the_border() -> None:
    assert _regions(postcode="CH7 6NF", address="County Hall, Mold") == ("wales",)
    assert _regions(postcode="CH5 1QR") == ("wales",)
    assert _regions(postcode="CH1 2HS", address="Chester") == ("north-west",)
    assert _regions(address="Wallasey Town Hall, Brighton Street, CH44 8ED") == ("north-west",)


def test_online_event_of_a_cardiff_organiser_is_online_only() -> None:
    result = _classify(
        title="Welsh public services show and tell",
        description="Join us on Microsoft Teams. Organised by our Cardiff team.",
        organiser="Centre for Digital Public Services, Cardiff",
        online=True,
        default_regions=("wales",),
    )
    assert result.regions == ("online",)
    [reason] = [label.reason for label in result.labels if label.kind == "region"]
    assert reason == "online: the listing says it is online"


def test_hybrid_events_are_in_their_venue_region_and_online() -> None:
    result = _classify(
        title="Data in government meetup",
        location_name="Platform, New Station Street, Leeds LS1 4JB",
        description="Come along in person or join online.",
    )
    assert result.regions == ("yorkshire-and-the-humber", "online")


def test_postcode_beats_coordinates_and_place_names() -> None:
    # The place named in the title is elsewhere: the venue's postcode decides.
    placed = _classify(
        title="Leeds meetup comes to London", postcode="SE1 9SG", lat=53.8, lon=-1.55
    )
    assert placed.regions == ("london",)
    region = next(label for label in placed.labels if label.kind == "region")
    assert region.method == "postcode"
    assert "SE1 9SG" in region.reason


def test_coordinates_come_before_place_names_and_defaults() -> None:
    result = _classify(title="Bristol digital meetup", lat=51.4816, lon=-3.1791)  # Cardiff
    assert result.regions == ("wales",)
    assert result.labels[0].method == "coordinates"


def test_source_default_only_when_the_event_says_nothing() -> None:
    assert _regions(title="Show and tell", default_regions=("scotland",)) == ("scotland",)
    assert _regions(title="Show and tell in Glasgow", default_regions=("london",)) == ("scotland",)
    assert _regions(title="Show and tell") == ()


def test_uk_wide_roadshow() -> None:
    result = _classify(
        title="Public sector roadshow",
        description="A day of talks at venues across the UK this autumn.",
    )
    assert result.regions == ("uk-wide",)


def test_every_label_has_a_reason() -> None:
    result = _classify(
        title="User research meetup (free)",
        description="Open to civil servants only.",
        postcode="M1 3HU",
        default_professions=("digital",),
        source="Digital Manchester",
    )
    assert result.regions == ("north-west",)
    assert result.professions == ("digital", "user-research")
    assert (result.free, result.restricted) == (True, "civil-servants-only")
    reasons = {(label.kind, label.value): label.reason for label in result.labels}
    assert reasons[("profession", "digital")] == "default profession of source Digital Manchester"
    assert reasons[("profession", "user-research")] == '"User research" in the title'
    assert reasons[("restricted", "civil-servants-only")] == '"Open to civil servants only"'
    assert all(label.reason for label in result.labels)


def _convene(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from flows.cli import main; main()", *args]
    return subprocess.run(command, cwd=REPO, input=stdin, capture_output=True, text=True)


def test_classify_command_prints_one_json_line_per_listing(tmp_path: Path) -> None:
    listings = tmp_path / "listings.jsonl"
    listings.write_text(
        json.dumps({"id": "a", "title": "Content design crit", "postcode": "LS1 4JB"})
        + "\n"
        + json.dumps({"id": 7, "title": "AI in councils", "online": True})
        + "\n",
        encoding="utf-8",
    )
    done = _convene("classify", str(listings))
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["id"] == "a"
    assert first["regions"] == ["yorkshire-and-the-humber"]
    assert first["professions"] == ["content-design"]
    assert (first["free"], first["restricted"]) == (None, None)
    assert first["reasons"][0]["kind"] == "region"
    assert "LS1 4JB" in first["reasons"][0]["reason"]
    assert second["id"] == 7
    assert second["regions"] == ["online"]
    assert second["professions"] == ["local-government", "ai"]


def test_classify_command_reports_bad_lines_and_keeps_the_good_ones() -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "ok", "title": "Data meetup", "address": "Cardiff"}),
            "{not json",
            json.dumps({"id": "bad", "lat": "north"}),
            json.dumps({"title": "no id"}),
            json.dumps({"id": "hybrid", "online": "maybe"}),
            json.dumps({"id": "last", "title": "Policy lab", "lat": 55.95, "lon": -3.19}),
        ]
    )
    done = _convene("classify", "-", stdin=lines)
    assert done.returncode == 1
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(p["id"], p["regions"]) for p in printed] == [("ok", ["wales"]), ("last", ["scotland"])]
    assert "line 2: not valid JSON" in done.stderr
    assert 'line 3: "lat" should be a number' in done.stderr
    assert 'line 4: "id" is required' in done.stderr
    assert 'line 5: "online" should be true, false or "hybrid"' in done.stderr
    assert "Traceback" not in done.stderr


def test_classify_command_missing_file_is_a_plain_error(tmp_path: Path) -> None:
    done = _convene("classify", str(tmp_path / "nope.jsonl"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("bad", ['{"id": "a", "lat": 95, "lon": 0}', '{"id": "a", "lat": 50}'])
def test_coordinates_must_make_sense(bad: str) -> None:
    done = _convene("classify", "-", stdin=bad)
    assert done.returncode == 1
    assert '"lat"' in done.stderr
