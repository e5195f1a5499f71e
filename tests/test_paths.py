"""Names that become file names cannot leave their folder (issue 10): a source id must be a
slug, regions and professions must be in the vocabulary, and the publisher writes only
the feeds the vocabulary names, whatever slugs a damaged database hands it."""

from __future__ import annotations

from pathlib import Path

import pytest
from feeds_factory import NOW, make_event, make_stored

from feeds import publish
from feeds.cached import Cache
from feeds.site import write_site
from feeds.specs import spec_for_slug
from scrapers.registry import PARSERS
from scrapers.sources import SourcesError, load_sources

HOSTILE = ["../evil", "..", "/etc/passwd", "a/b", "a\\b", "C:evil", "evil\x00", "Évil", "%2e%2e"]


def _sources_file(tmp_path: Path, source_id: str, regions: str = '["london"]') -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f"[[source]]\nid = {source_id!r}\n".replace("\\x00", "\\u0000")
        + 'name = "N"\norganiser = "O"\nurl = "https://example.org/cal.ics"\nkind = "ical"\n'
        + f"regions = {regions}\nprofessions = []\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("source_id", HOSTILE)
def test_a_source_id_that_could_leave_its_folder_is_refused(tmp_path: Path, source_id: str) -> None:
    with pytest.raises(SourcesError, match="is not a slug"):
        load_sources(_sources_file(tmp_path, source_id), PARSERS.keys())


@pytest.mark.parametrize("slug", ["../london", "/london", "london/../../x"])
def test_regions_and_professions_outside_the_vocabulary_are_refused(
    tmp_path: Path, slug: str
) -> None:
    with pytest.raises(SourcesError, match="unknown region"):
        load_sources(_sources_file(tmp_path, "ok-id", f"[{slug!r}]"), PARSERS.keys())


def test_the_publisher_writes_only_vocabulary_feeds_inside_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "site" / "public"
    hostile = [
        make_stored(
            make_event(source_uid=f"u{n}", source_id=bad),
            regions=("london", bad),
            professions=(bad, "digital"),
        )
        for n, bad in enumerate(HOSTILE)
    ]
    cache = Cache(NOW, None)
    report = publish(hostile, out, NOW, cache=cache)
    write_site(report, NOW, None, hostile, None, cache)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(out in p.parents for p in written)
    for path in written:
        if path.parent == out and path.suffix in (".ics", ".xml"):
            slug = path.stem.removesuffix("-changes")
            assert spec_for_slug(slug) is not None or slug.startswith("news-"), path.name
    assert not any("evil" in p.name or "passwd" in p.name for p in written)
