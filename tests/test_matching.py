"""The deduplication matcher (warehouse/matching.py): URLs, titles, pair scores, clusters."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from warehouse.matching import (
    Clustering,
    Listing,
    canonical_url,
    match,
    normalise_title,
    score_pair,
)

UTC0 = UTC
UKGC = datetime(2027, 1, 23, 9, 0, tzinfo=UTC)


def listing(id_: str, title: str, start: datetime, **kw: Any) -> Listing:
    source = id_.split("/")[0]
    uid = id_.split("/", 1)[1]
    return Listing(id=id_, source=source, source_uid=uid, title=title, start=start, **kw)


def clusters(result: Clustering) -> set[frozenset[str]]:
    cluster_of = result.cluster_of
    groups: dict[str, set[str]] = {}
    for lid, cid in cluster_of.items():
        groups.setdefault(cid, set()).add(lid)
    return {frozenset(g) for g in groups.values()}


# --- canonical_url ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.ukgovcamp.com/2027/", "https://ukgovcamp.com/2027"),
        ("http://UKGovCamp.com/2027#venue", "https://ukgovcamp.com/2027"),
        (
            "https://ukgovcamp.com/2027/?utm_source=x&utm_medium=y&fbclid=1&gclid=2&ref=tw",
            "https://ukgovcamp.com/2027",
        ),
        (
            "https://ukgovcamp.com/2027?mc_cid=a&mc_eid=b&recId=3&recSource=z",
            "https://ukgovcamp.com/2027",
        ),
        ("https://x.org/e?b=2&a=1&utm_campaign=q", "https://x.org/e?a=1&b=2"),
        (
            "https://www.eventbrite.co.uk/e/ukgovcamp-2027-tickets-123456789012",
            "eventbrite:123456789012",
        ),
        (
            "https://www.eventbrite.com/e/ukgovcamp-2027-tickets-123456789012?aff=ebdssbdestsearch",
            "eventbrite:123456789012",
        ),
        ("https://eventbrite.co.uk/e/123456789012/", "eventbrite:123456789012"),
        ("https://www.eventbrite.ie/e/123456789012", "eventbrite:123456789012"),
        ("https://www.meetup.com/Leeds-Python/events/298765432/", "meetup:leeds-python:298765432"),
        (
            "https://meetup.com/leeds-python/events/298765432?utm_source=share",
            "meetup:leeds-python:298765432",
        ),
        ("https://www.meetup.com/leeds-python/events/298765432", "meetup:leeds-python:298765432"),
        (None, None),
        ("", None),
        ("mailto:someone@example.org", None),
    ],
)
def test_canonical_url(url: str | None, expected: str | None) -> None:
    assert canonical_url(url) == expected


def test_www_is_dropped_consistently() -> None:
    assert canonical_url("https://www.x.org/a") == canonical_url("https://x.org/a/")


def test_home_pages_and_event_indexes_never_match_exactly() -> None:
    a = listing("site/1-abcdef", "Data Day", UKGC, url="https://www.example.org/")
    b = listing("cal/9-zzzzzz", "Totally different", UKGC, url="https://example.org")
    c = listing("cal2/8-yyyyyy", "Other thing", UKGC, url="https://example.org/events/")
    assert score_pair(a, b).rule == "fuzzy" and not score_pair(a, b).matched
    assert score_pair(a, c).rule == "fuzzy" and not score_pair(a, c).matched
    assert len(clusters(match([a, b, c]))) == 3


# --- normalise_title ---------------------------------------------------------------------


def test_normalise_title() -> None:
    assert normalise_title("UKGovCamp 2027") == "ukgovcamp"
    assert normalise_title("UK GovCamp 2027 \u2013 the unconference") == "uk govcamp unconference"
    assert normalise_title("Café Scientifique: ONLINE Webinar!") == "cafe scientifique"
    assert normalise_title("The Virtual Meetup Event") == "the virtual meetup event"
    assert normalise_title("Leeds Python: Testing talks", "Leeds Python") == "testing talks"
    # the organiser's name alone is kept rather than leaving nothing
    assert normalise_title("UKGovCamp", "UKGovCamp") == "ukgovcamp"
    assert normalise_title("R & D night") == "r and d night"


# --- score_pair --------------------------------------------------------------------------


def test_score_pair_components() -> None:
    a = listing("site/a-000001", "UKGovCamp 2027", UKGC, postcode="SW1H 9AJ", organiser="UKGovCamp")
    b = listing(
        "eb/b-000002",
        "UK GovCamp 2027 \u2013 the unconference",
        UKGC.astimezone(timezone(timedelta(hours=-5))),  # same instant, other zone
        postcode="sw1h9aj",
        organiser="ukgovcamp",
    )
    s = score_pair(a, b)
    parts = dict(s.components)
    assert (s.a, s.b, s.rule, s.matched) == ("eb/b-000002", "site/a-000001", "fuzzy", True)
    assert parts["time"] == 1.0 and parts["place"] == 1.0 and parts["organiser"] == 1.0
    assert 0.75 < parts["title"] < 0.9
    assert s.score == pytest.approx(0.45 * parts["title"] + 0.55, abs=1e-3)


def test_score_pair_time_and_place_steps() -> None:
    base = listing("s1/x-000001", "Data Science Leeds", UKGC)

    def other(**kw: Any) -> dict[str, float]:
        return dict(
            score_pair(
                base, replace(listing("s2/y-000002", "Data Science Leeds", UKGC), **kw)
            ).components
        )

    assert other(start=UKGC + timedelta(minutes=40))["time"] == 0.8
    assert other(start=UKGC + timedelta(hours=5))["time"] == 0.5
    assert other(start=UKGC + timedelta(hours=20))["time"] == 0.0
    allday = datetime(2027, 1, 23, tzinfo=UTC)
    assert other(start=allday, all_day=True)["time"] == 0.5
    assert other()["place"] == 0.5 and other()["organiser"] == 0.5
    b2 = replace(base, online=True)
    assert (
        dict(
            score_pair(
                b2, listing("s2/y-000002", "Data Science Leeds", UKGC, online=True)
            ).components
        )["place"]
        == 0.8
    )
    p1 = replace(base, postcode="LS1 1AA")
    p2 = listing("s2/y-000002", "Data Science Leeds", UKGC, postcode="LS2 2BB")
    s = score_pair(p1, p2)
    assert dict(s.components)["place"] == 0.0 and not s.matched
    v1 = replace(base, location_name="The Tetley")
    v2 = listing("s2/y-000002", "Data Science Leeds", UKGC, location_name="the tetley")
    assert dict(score_pair(v1, v2).components)["place"] == 0.9
    o = listing("s2/y-000002", "Data Science Leeds", UKGC, organiser="Someone Else")
    assert dict(score_pair(replace(base, organiser="Leeds DS"), o).components)["organiser"] == 0.3


def test_uid_rule_needs_uid_and_occurrence() -> None:
    uid = "abc123@ukgovcamp.com"
    a = listing(f"site/{uid}/2027-01-21T09:00:00+00:00", "X", UKGC)
    b = listing(f"gcal/{uid}/2027-01-21T09:00:00+00:00", "Something else", UKGC)
    c = listing(f"gcal2/{uid}/2027-02-18T09:00:00+00:00", "X", UKGC + timedelta(hours=1))
    assert score_pair(a, b).rule == "uid" and score_pair(a, b).matched
    assert score_pair(a, c).rule == "fuzzy"


def test_url_rule_across_eventbrite_domains() -> None:
    a = listing(
        "site/a-000001",
        "Govcamp",
        UKGC,
        url="https://www.eventbrite.co.uk/e/govcamp-tickets-12345678",
    )
    b = listing(
        "eb/b-000002",
        "Quite different words",
        UKGC,
        url="https://www.eventbrite.com/e/12345678?aff=x",
    )
    assert score_pair(a, b).rule == "url" and score_pair(a, b).matched


# --- match ------------------------------------------------------------------------------


def ukgovcamp() -> list[Listing]:
    eb_url = "https://www.eventbrite.co.uk/e/uk-govcamp-2027-tickets-777777777777"
    return [
        listing(
            "site/ukgc-2027",
            "UKGovCamp 2027",
            UKGC,
            postcode="SW1H 9AJ",
            location_name="Ministry of Justice",
            organiser="UKGovCamp",
            url="https://www.ukgovcamp.com/2027/",
        ),
        listing(
            "eventbrite/777777777777",
            "UK GovCamp 2027 \u2013 the unconference",
            UKGC.astimezone(timezone(timedelta(hours=1))),
            postcode="SW1H 9AJ",
            organiser="UKGovCamp",
            url=eb_url + "?aff=ebdsoporgprofile",
        ),
        listing(
            "meetup/301",
            "UKGovCamp 2027",
            UKGC,
            online=False,
            organiser="UK GovCamp",
            url="https://www.meetup.com/ukgovcamp/events/301/",
        ),
        listing(
            "gcal/xyz@google.com",
            "UKGovCamp",
            datetime(2027, 1, 23, tzinfo=UTC),
            all_day=True,
            location_name="Ministry of Justice, 102 Petty France",
        ),
    ]


def test_ukgovcamp_four_sources_one_cluster() -> None:
    result = match(ukgovcamp())
    assert clusters(result) == {frozenset(x.id for x in ukgovcamp())}
    # brand-new cluster: earliest start (the all-day copy's midnight), then smallest id
    assert set(result.cluster_of.values()) == {"gcal/xyz@google.com"}
    assert all(p.a < p.b for p in result.pairs)


def test_exact_only_ignores_fuzzy() -> None:
    result = match(ukgovcamp(), exact_only=True)
    assert len(clusters(result)) == 4


def test_monthly_series_stays_apart() -> None:
    items = []
    for month in range(1, 7):
        start = datetime(2027, month, 12, 18, 30, tzinfo=UTC)
        items.append(listing(f"meetup/leeds-py-{month}", "Leeds Python Meetup", start))
        items.append(
            listing(f"site/lp-{month:02d}", "Leeds Python", start, organiser="Leeds Python")
        )
    result = match(items)
    groups = clusters(result)
    assert len(groups) == 6
    assert all(len(g) == 2 for g in groups)
    # one source's own listings are never one event
    assert all(len({x.split("/")[0] for x in g}) == 2 for g in groups)


def test_two_sessions_same_venue_same_day() -> None:
    a = listing("s1/am-000001", "Intro to Python", UKGC, postcode="LS1 4AP")
    b = listing(
        "s2/pm-000002", "Advanced Python testing", UKGC + timedelta(hours=4), postcode="LS1 4AP"
    )
    c = listing("s2/pm-000003", "Python workshop", UKGC + timedelta(hours=4), postcode="LS1 4AP")
    d = listing(
        "s1/pm-000004", "Python workshop (afternoon)", UKGC + timedelta(hours=6), postcode="LS1 4AP"
    )
    assert len(clusters(match([a, b, c, d]))) == 4


def test_same_title_different_year() -> None:
    a = listing("s1/a-000001", "UKGovCamp 2026", UKGC - timedelta(days=364))
    b = listing("s2/b-000002", "UKGovCamp 2027", UKGC)
    assert len(clusters(match([a, b]))) == 2


def test_same_source_different_uids_never_merge() -> None:
    a = listing("s1/a-000001", "Open Data Day", UKGC, postcode="M1 1AA")
    b = listing("s1/b-000002", "Open Data Day", UKGC, postcode="M1 1AA")
    c = listing("s2/c-000003", "Open Data Day", UKGC, postcode="M1 1AA")
    result = match([a, b, c])
    groups = clusters(result)
    assert len(groups) == 2  # c joins one of them, never both
    assert frozenset({"s1/a-000001", "s1/b-000002"}) not in groups


def test_chain_does_not_merge_different_postcodes() -> None:
    a = listing("s1/a-000001", "Open Data Day", UKGC, postcode="M1 1AA")
    b = listing("s2/b-000002", "Open Data Day", UKGC)  # no postcode: matches both
    c = listing("s3/c-000003", "Open Data Day", UKGC, postcode="LS1 1AA")
    groups = clusters(match([a, b, c]))
    assert len(groups) == 2
    assert not any({"s1/a-000001", "s3/c-000003"} <= g for g in groups)


def test_overrides() -> None:
    items = ukgovcamp()
    split = match(items, different=[("meetup/301", "site/ukgc-2027")])
    assert not any({"meetup/301", "site/ukgc-2027"} <= g for g in clusters(split))
    x = listing("s9/other-1", "Completely unrelated", UKGC + timedelta(hours=2))
    joined = match([*items, x], same=[("s9/other-1", "site/ukgc-2027")])
    assert len(clusters(joined)) == 1
    rules = {p.rule for p in joined.pairs}
    assert "override-same" in rules


# --- stable ids --------------------------------------------------------------------------


def test_stable_id_when_a_copy_joins_and_when_one_leaves() -> None:
    items = ukgovcamp()
    first = match(items[:2])
    cid = first.cluster_of["site/ukgc-2027"]
    assert cid == "eventbrite/777777777777"  # same instant: smallest id
    grown = match(items, previous=first.cluster_of)
    assert set(grown.cluster_of.values()) == {cid}  # the all-day copy starts earlier, no matter
    # the Eventbrite copy, whose id the cluster carries, leaves: the rest keep the id
    shrunk = match([items[0], items[2], items[3]], previous=grown.cluster_of)
    assert set(shrunk.cluster_of.values()) == {cid}


def test_stable_id_on_split_larger_part_keeps_it() -> None:
    items = ukgovcamp()
    first = match(items)
    cid = first.cluster_of["site/ukgc-2027"]
    assert cid == "gcal/xyz@google.com"
    # split the id's own listing off: the other three keep the id, it takes a new one
    later = match(
        items,
        previous=first.cluster_of,
        different=[("gcal/xyz@google.com", x.id) for x in items[:3]],
    )
    assert {later.cluster_of[x.id] for x in items[:3]} == {cid}
    lone = later.cluster_of["gcal/xyz@google.com"]
    assert lone != cid and lone.startswith("gcal/xyz@google.com")


def test_stable_id_split_small_part_takes_earliest_member() -> None:
    items = ukgovcamp()
    first = match(items)
    later = match(items, previous=first.cluster_of, different=[("meetup/301", x.id) for x in items])
    assert later.cluster_of["meetup/301"] == "meetup/301"
    assert {later.cluster_of[x.id] for x in items if x.id != "meetup/301"} == {
        "gcal/xyz@google.com"
    }


def test_two_clusters_merging_keep_majority_id() -> None:
    prev = {"a/1-000001": "a/1-000001", "b/1-000002": "a/1-000001", "c/1-000003": "c/1-000003"}
    items = [listing(x, "Civic Tech Social", UKGC, postcode="E1 6AN") for x in prev]
    result = match(items, previous=prev)
    assert set(result.cluster_of.values()) == {"a/1-000001"}


def test_a_shared_page_url_does_not_join_sessions_hours_apart() -> None:
    # A morning and an afternoon run of one workshop, described on one page; a calendar
    # copies the afternoon run with the page's URL.
    page = "https://www.oneteamgov.uk/events/civic-tech-newcomers-session"
    day = datetime(2027, 2, 4, 10, tzinfo=UTC)
    common = {"postcode": "BS1 5TX", "url": page}
    morning = listing("site/am", "Civic tech newcomers session", day, **common)
    copy = listing(
        "gcal/pm",
        "Civic tech newcomers session!",
        day + timedelta(hours=4),
        **common,
    )
    assert not score_pair(morning, copy).matched
    same_time = replace(copy, start=day)
    assert score_pair(morning, same_time).rule == "url" and score_pair(morning, same_time).matched


def test_two_processes_give_exactly_what_one_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from pathlib import Path

    from warehouse import matching_sweep

    rows = Path(__file__).parent / "dedupe_eval" / "listings.jsonl"
    listings = []
    for line in rows.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        data["start"] = datetime.fromisoformat(data["start"])
        if data.get("end"):
            data["end"] = datetime.fromisoformat(data["end"])
        listings.append(Listing(**{k: v for k, v in data.items() if v is not None}))
    one = match(listings)
    monkeypatch.setattr(matching_sweep, "PARALLEL_FROM", 10)  # force the forked path
    two = match(listings)
    assert dict(two.cluster_of) == dict(one.cluster_of)
    assert two.pairs == one.pairs
