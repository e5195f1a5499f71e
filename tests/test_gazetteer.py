"""warehouse.gazetteer: place names and coordinates -> ITL1 region, from places.csv."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from scrapers.vocab import REGIONS
from warehouse.gazetteer import DATA, KINDS, PLACES, region_from_text

NE, NW, YH = "north-east", "north-west", "yorkshire-and-the-humber"
EM, WM, EE = "east-midlands", "west-midlands", "east-of-england"
LON, SE, SW = "london", "south-east", "south-west"
WAL, SCO, NIR = "wales", "scotland", "northern-ireland"
COLUMNS = ["name", "region", "lat", "lon", "population", "county", "kind", "common_word", "aliases"]


def where(text: str, kind: str = "location", hints: tuple[str, ...] = ()) -> str | None:
    found = region_from_text([(kind, text)], hints)
    return None if found is None else found[0]


# ---- the data file -----------------------------------------------------------------------


def test_csv_has_the_documented_columns_and_values() -> None:
    with DATA.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == COLUMNS
    assert len(rows) >= 1000
    geographic = set(REGIONS) - {"online", "uk-wide"}
    for row in rows:
        assert row["region"] in geographic, row
        assert row["kind"] in KINDS, row
        assert row["common_word"] in ("true", "false"), row
        assert row["population"] == "" or int(row["population"]) >= 0, row
        assert 49.8 <= float(row["lat"]) <= 61.0 and -8.7 <= float(row["lon"]) <= 2.0, row


def test_no_duplicate_name_and_county_and_every_region_present() -> None:
    pairs = Counter((p.name, p.county) for p in PLACES)
    assert [pair for pair, count in pairs.items() if count > 1] == []
    assert {p.region for p in PLACES} == set(REGIONS) - {"online", "uk-wide"}
    assert len(PLACES) >= 1000


def test_not_places() -> None:
    names = {p.name for p in PLACES}
    assert not names & {"UK", "England", "Britain", "Great Britain", "Online", "United Kingdom"}
    for text in ("UK-wide event", "England and Wales' finest", "Online", "Great Britain"):
        assert where(text, "text") in (None, WAL), text
    assert where("Online") is None
    assert where("Across the UK and England") is None


# ---- spot checks -------------------------------------------------------------------------

SPOT = [
    ("Leeds", YH),
    ("Sheffield", YH),
    ("Harrogate", YH),
    ("Grimsby", YH),
    ("Hull", YH),
    ("Kingston upon Hull", YH),
    ("Scunthorpe", YH),
    ("Richmond, North Yorkshire", YH),
    ("Newcastle upon Tyne", NE),
    ("Newcastle", NE),
    ("Gateshead", NE),
    ("Sunderland", NE),
    ("Middlesbrough", NE),
    ("Stockton-on-Tees", NE),
    ("Darlington", NE),
    ("Durham", NE),
    ("Berwick-upon-Tweed", NE),
    ("Chester-le-Street", NE),
    ("Manchester", NW),
    ("Salford", NW),
    ("Liverpool", NW),
    ("Chester", NW),
    ("Carlisle", NW),
    ("Alston", NW),
    ("Warrington", NW),
    ("Birmingham", WM),
    ("Coventry", WM),
    ("Hereford", WM),
    ("Shrewsbury", WM),
    ("Stoke-on-Trent", WM),
    ("Burton upon Trent", WM),
    ("Nottingham", EM),
    ("Leicester", EM),
    ("Lincoln", EM),
    ("Boston", EM),
    ("Glossop", EM),
    ("Northampton", EM),
    ("Cambridge", EE),
    ("Peterborough", EE),
    ("Norwich", EE),
    ("Luton", EE),
    ("Southend-on-Sea", EE),
    ("Loughton", EE),
    ("Watford", EE),
    ("Croydon", LON),
    ("Westminster", LON),
    ("Bromley", LON),
    ("Chingford", LON),
    ("Biggin Hill", LON),
    ("Richmond upon Thames", LON),
    ("Kingston upon Thames", LON),
    ("Milton Keynes", SE),
    ("Reading", SE),
    ("Oxford", SE),
    ("Brighton and Hove", SE),
    ("Southampton", SE),
    ("Canterbury", SE),
    ("Newport, Isle of Wight", SE),
    ("Slough", SE),
    ("Bristol", SW),
    ("Swindon", SW),
    ("Truro", SW),
    ("Plymouth", SW),
    ("Bath", SW),
    ("Exeter", SW),
    ("Gloucester", SW),
    ("Cardiff", WAL),
    ("Caerdydd", WAL),
    ("Swansea", WAL),
    ("Newport", WAL),
    ("Wrexham", WAL),
    ("Chepstow", WAL),
    ("Aberystwyth", WAL),
    ("Bangor, Gwynedd", WAL),
    ("Glasgow", SCO),
    ("Edinburgh", SCO),
    ("Inverness", SCO),
    ("Aberdeen", SCO),
    ("Dundee", SCO),
    ("Perth", SCO),
    ("Stornoway", SCO),
    ("Lerwick", SCO),
    ("Belfast", NIR),
    ("Derry", NIR),
    ("Londonderry", NIR),
    ("Lisburn", NIR),
    ("Newry", NIR),
    ("Armagh", NIR),
]
AREAS = [
    ("Isle of Wight", SE),
    ("North Yorkshire", YH),
    ("Gwent", WAL),
    ("Cornwall", SW),
    ("Kent", SE),
    ("Merseyside", NW),
    ("Greater Manchester", NW),
    ("Highlands", SCO),
    ("Fife", SCO),
    ("Powys", WAL),
    ("Shropshire", WM),
    ("Tyne and Wear", NE),
    ("West Yorkshire", YH),
    ("Cumbria", NW),
    ("County Durham", NE),
    ("Northumberland", NE),
    ("Ynys Môn", WAL),
    ("Lake District", NW),
    ("County Tyrone", NIR),
    ("Wales", WAL),
    ("Scotland", SCO),
    ("Northern Ireland", NIR),
]


@pytest.mark.parametrize(("text", "region"), SPOT + AREAS)
def test_spot_checks(text: str, region: str) -> None:
    assert where(text) == region


# ---- ambiguous names ---------------------------------------------------------------------


def test_newport_defaults_to_wales_and_follows_hints_and_qualifiers() -> None:
    region, reason = region_from_text([("location", "Newport")]) or ("", "")
    assert region == WAL
    assert "could be" in reason and "most populous" in reason
    assert where("Newport", hints=(WAL,)) == WAL
    region, reason = region_from_text([("location", "Newport")], hints=(SE,)) or ("", "")
    assert (region, "usual region" in reason) == (SE, True)
    region, reason = region_from_text([("location", "Newport, Isle of Wight")]) or ("", "")
    assert region == SE
    assert '"Isle of Wight" in the address says South East' in reason
    assert where("Newport, Shropshire") == WM
    assert where("Newport NP20 4UR") == WAL
    assert where("Newport, South Wales", hints=(SE,)) == WAL


def test_qualifier_in_another_field_beats_hints() -> None:
    fields = [("location", "Richmond"), ("text", "A meet-up for North Yorkshire councils")]
    assert region_from_text(fields, hints=(LON,)) == (
        YH,
        'place "Richmond" could be London or Yorkshire and The Humber; "North Yorkshire" '
        "in another field says Yorkshire and The Humber",
    )


def test_richmond() -> None:
    assert where("Richmond, North Yorkshire") == YH
    assert where("Richmond upon Thames") == LON
    assert where("Richmond") == LON  # the more populous


# ---- common words and context ------------------------------------------------------------


def test_reading_only_in_context() -> None:
    assert where("Reading Town Hall") == SE
    assert where("Reading group for content designers", "text") is None
    assert where("reading group", "location") is None
    assert where("Workshop in Reading", "text") == SE
    assert where("Reading, Berkshire", "text") == SE
    assert where("Reading, RG1 1QH", "text") == SE


def test_bath_and_other_common_words() -> None:
    assert where("Bath") == SW
    assert where("Meet-up in Bath", "text") == SW
    assert where("Run a bath", "text") is None
    assert where("Bath time for toddlers", "text") is None
    assert where("Events in March", "text") is None
    assert where("March 2025") is None
    assert where("Friday 13 March") is None
    assert where("Town Hall, March, Cambridgeshire") == EE
    assert where("Deal or no deal", "text") is None
    assert where("Sale now on", "text") is None


def test_streets_titles_and_foreign_places_are_skipped() -> None:
    assert where("12 London Road, Sheffield S2 4NF") == YH
    assert where("Lord Derby opens the fair", "text") is None
    assert where("Duke of York's school", "text") is None
    assert where("New York city council", "text") is None
    assert where("Lessons from New South Wales", "text") is None
    assert where("Perth, Australia") is None
    assert where("Boston, MA") is None
    assert where("Cumberland Lodge, Windsor") == SE
    assert where("Exeter College, Oxford") == SE
    assert where("Committee Room 2, Civic Centre, Market Street, NF1 2AB") is None


def test_possessives_and_spelling_variants() -> None:
    assert where("Manchester's digital week", "text") == NW
    assert where("Bath's finest", "text") is None
    assert where("King's Lynn") == where("Kings Lynn") == EE
    assert where("St. Albans") == where("Saint Albans") == EE
    assert where("Brighton & Hove") == SE
    assert where("Ynys Mon") == WAL


# ---- which match wins --------------------------------------------------------------------


def test_longest_match() -> None:
    _, reason = region_from_text([("location", "Newcastle upon Tyne Civic Centre")]) or ("", "")
    assert 'place "Newcastle upon Tyne"' in reason
    _, reason = region_from_text([("text", "Milton Keynes digital day")]) or ("", "")
    assert 'place "Milton Keynes"' in reason
    assert where("Chester-le-Street") == NE
    assert where("STOKE-ON-TRENT") == WM
    assert where("Stratford-upon-Avon") == WM


def test_location_beats_text_and_first_wins() -> None:
    fields = [("text", "Leeds digital festival"), ("location", "Cardiff Castle")]
    assert region_from_text(fields) == (WAL, 'place "Cardiff" is in Wales')
    assert where("Leeds and Bradford", "text") == YH
    two_texts = [("text", "Online"), ("text", "Hosted from Belfast and Glasgow")]
    assert region_from_text(two_texts, hints=(SCO,)) is not None
    assert (region_from_text(two_texts) or ("", ""))[0] == NIR


def test_narrow_places_beat_nations_and_regions() -> None:
    assert where("South East London meetup", "text") == LON
    assert where("Wales-wide, held in Cardiff", "text") == WAL
    assert where("North Wales") == WAL
    assert where("A North East England event", "text") == NE
    assert where("North East Lincolnshire") == YH


def test_reasons_read_plainly() -> None:
    assert region_from_text([("location", "Sheffield")]) == (
        YH,
        'place "Sheffield" (South Yorkshire) is in Yorkshire and The Humber',
    )
    assert region_from_text([("location", "Kent")]) == (SE, 'county "Kent" is in South East')
