"""Which feeds exist, and which events each one carries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from feeds_factory import (
    ACROSS_BST,
    BAD_ZONE,
    CONFERENCE,
    ONLINE,
    make_stored,
    sample_events,
)

from feeds import FeedSpec, feed_specs
from feeds.specs import (
    all_spec,
    combination_spec,
    every_spec,
    explain,
    feeds_of,
    keyed_spec,
    region_spec,
    selects,
    spec_for_slug,
)
from scrapers.vocab import REGIONS
from warehouse.records import Label


def test_feed_specs_lists_every_feed_with_events_in_vocab_order() -> None:
    slugs = [spec.slug for spec in feed_specs(sample_events())]
    places = [r for r in REGIONS if r not in ("online", "uk-wide")]
    # The online event makes every place's feed (and its combinations) non-empty.
    expected_regions = [f"region-{r}" for r in places]
    expected_in_person = ["region-north-west-in-person", "region-london-in-person",
                          "region-scotland-in-person"]  # fmt: skip
    assert slugs[0] == "all"
    assert [s for s in slugs if s.startswith("region-") and "-profession-" not in s] == [
        *_interleave(expected_regions, expected_in_person),
        "region-online",
    ]
    assert [s for s in slugs if s.startswith("profession-")] == [
        "profession-digital",
        "profession-data",
        "profession-service-design",
        "profession-product-and-delivery",
        "profession-policy",
        "profession-commercial",
        "profession-ai",
        "profession-open-government-and-civic-tech",
    ]
    combos = [s for s in slugs if "-profession-" in s]
    assert "region-london-profession-data" in combos
    assert "region-wales-profession-commercial" in combos  # the online event
    assert "region-wales-profession-data" not in combos
    assert len(slugs) == len(set(slugs))


def _interleave(regions: list[str], in_person: list[str]) -> list[str]:
    out = []
    for slug in regions:
        out.append(slug)
        if f"{slug}-in-person" in in_person:
            out.append(f"{slug}-in-person")
    return out


def test_feed_specs_always_has_the_all_feed() -> None:
    assert feed_specs([]) == [all_spec()]


def test_unknown_tags_make_no_feed() -> None:
    stored = make_stored(regions=("atlantis",), professions=("alchemy",))
    assert [spec.slug for spec in feed_specs([stored])] == ["all"]


def test_spec_fields() -> None:
    london = keyed_spec("region", "london")
    assert london == FeedSpec(
        slug="region-london",
        title="Convene: London events",
        description=(
            "Events for people who change public services, in London, "
            "with online and UK-wide events."
        ),
        region="london",
    )
    assert (london.kind, london.key) == ("region", "london")
    assert keyed_spec("profession", "data").title == "Convene: Data events"
    combo = combination_spec("wales", "user-research")
    assert (combo.slug, combo.kind) == ("region-wales-profession-user-research", "combination")
    assert region_spec("london", in_person=True).slug == "region-london-in-person"
    with pytest.raises(ValueError, match="no in-person feed"):
        region_spec("online", in_person=True)


def test_region_feeds_include_online_and_uk_wide_events_unless_in_person() -> None:
    london = keyed_spec("region", "london")
    in_person = region_spec("london", in_person=True)
    national = make_stored(regions=("uk-wide",))
    hybrid = make_stored(regions=("north-west", "online"))
    assert selects(london, ACROSS_BST) and selects(in_person, ACROSS_BST)
    assert selects(london, CONFERENCE)  # tagged north-west and london
    assert not selects(london, BAD_ZONE)  # Scotland
    assert selects(london, ONLINE) and not selects(in_person, ONLINE)
    assert selects(london, national) and not selects(in_person, national)
    # A hybrid event belongs to its venue's region (and to online), not everywhere.
    assert not selects(london, hybrid)
    assert selects(keyed_spec("region", "online"), hybrid)
    assert selects(region_spec("north-west", in_person=True), hybrid)
    assert not selects(keyed_spec("region", "uk-wide"), ONLINE)


def test_combination_feed_needs_both() -> None:
    combo = combination_spec("london", "data")
    assert selects(combo, CONFERENCE)
    assert not selects(combo, ACROSS_BST)  # London, not data
    assert not selects(combination_spec("scotland", "data"), CONFERENCE)
    assert selects(combination_spec("scotland", "commercial"), ONLINE)


def test_feeds_of_agrees_with_selects() -> None:
    for stored in [*sample_events(), make_stored(regions=("uk-wide",))]:
        found = {spec.slug for spec in feeds_of(stored)}
        assert found == {spec.slug for spec in every_spec() if selects(spec, stored)}


def test_profession_feed_and_all_feed() -> None:
    data = keyed_spec("profession", "data")
    assert selects(data, CONFERENCE)
    assert not selects(data, ACROSS_BST)
    assert all(selects(all_spec(), stored) for stored in sample_events())


def test_explain_names_the_reason() -> None:
    assert explain(keyed_spec("region", "london"), CONFERENCE) == "region London"
    assert explain(keyed_spec("profession", "ai"), CONFERENCE) == "profession AI"
    assert explain(all_spec(), CONFERENCE) == "all events"
    assert explain(keyed_spec("region", "wales"), ONLINE) == (
        "online event (region feeds include online events)"
    )
    assert explain(combination_spec("london", "data"), CONFERENCE) == (
        "region London; profession Data"
    )
    labelled = make_stored(
        regions=("wales",), labels=(Label("region", "wales", "postcode", "CF10 1EP: Wales"),)
    )
    assert explain(keyed_spec("region", "wales"), labelled) == "region Wales (CF10 1EP: Wales)"


def test_spec_for_slug_round_trips_known_slugs_only() -> None:
    for spec in every_spec():
        assert spec_for_slug(spec.slug) == spec
    assert spec_for_slug("region-atlantis") is None
    assert spec_for_slug("sitemap") is None


def test_feeds_package_imports_neither_prefect_nor_duckdb() -> None:
    package = Path(__file__).parent.parent / "feeds"
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"prefect", "duckdb"}, module.name


def test_importing_feeds_loads_neither_prefect_nor_duckdb() -> None:
    # Transitively too: the renderers stay testable and importable without either.
    code = (
        "import sys, feeds, feeds.site, feeds.write, feeds.page, feeds.news, feeds.changes_feed;"
        "print(sorted(m for m in ('duckdb', 'prefect') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
