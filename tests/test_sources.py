"""Loading sources files: the shipped ones load, and every mistake is reported plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.registry import PARSERS
from scrapers.sources import SourcesError, load_sources
from scrapers.vocab import PROFESSIONS, REGIONS

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"ical", "feed"}

# One valid source; line numbers in the tests below refer to this layout.
VALID = """\
[[source]]
id = "gds-blog"
name = "Government Digital Service blog"
organiser = "Government Digital Service"
url = "https://gds.blog.gov.uk/feed/"
kind = "feed"
regions = ["uk-wide"]
professions = ["digital"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> tuple[Path, str]:
    """The file written and the error message loading it gives."""
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as caught:
        load_sources(path, KINDS)
    return path, str(caught.value)


def replaced(old: str, new: str, text: str = VALID) -> str:
    assert old in text
    return text.replace(old, new)


# ------------------------------------------------------------------ shipped files


def test_shipped_sources_file_loads() -> None:
    sources = load_sources(ROOT / "sources.toml", PARSERS.keys())
    assert len(sources) >= 15
    assert len({s.id for s in sources}) == len(sources)
    for source in sources:
        assert not source.local
        assert source.url.startswith("https://")
        assert source.regions and set(source.regions) <= REGIONS.keys()
        assert source.professions and set(source.professions) <= PROFESSIONS.keys()
        assert source.base_dir == ROOT


def test_shipped_sources_mark_every_unconfirmed_url() -> None:
    # Each url line is preceded by a comment saying whether it was verified, and how.
    lines = (ROOT / "sources.toml").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.startswith("url = "):
            comments = []
            for before in reversed(lines[:number]):
                if not before.startswith("#"):
                    break
                comments.append(before)
            assert any(c.startswith(("# verified:", "# unverified:")) for c in comments), line


def test_sample_sources_load_and_point_at_existing_files() -> None:
    path = ROOT / "examples" / "sample-sources.toml"
    sources = load_sources(path, PARSERS.keys())
    assert len(sources) >= 5
    assert sum(s.kind == "ical" for s in sources) >= 3
    assert sum(s.kind == "feed" for s in sources) >= 2
    for source in sources:
        assert source.local
        assert source.base_dir == path.parent
        assert (path.parent / source.url).is_file()


def test_sample_files_are_labelled_as_sample_data() -> None:
    label = "SAMPLE DATA for offline demos and tests"
    assert label in (ROOT / "examples" / "sample-sources.toml").read_text(encoding="utf-8")
    samples = sorted((ROOT / "examples" / "samples").iterdir())
    assert samples
    for sample in samples:
        assert label in sample.read_text(encoding="utf-8"), sample.name


def test_sample_calendars_use_crlf_line_endings() -> None:
    for sample in (ROOT / "examples" / "samples").glob("*.ics"):
        raw = sample.read_bytes()
        assert b"\n" not in raw.replace(b"\r\n", b""), sample.name
        assert all(len(line) <= 75 for line in raw.split(b"\r\n")), sample.name


# ----------------------------------------------------------------- loading details


def test_valid_file_gives_sources_with_defaults_and_base_dir(tmp_path: Path) -> None:
    [source] = load_sources(write(tmp_path, VALID), KINDS)
    assert source.id == "gds-blog"
    assert source.regions == ("uk-wide",)
    assert source.professions == ("digital",)
    assert source.enabled is True
    assert source.timezone == "Europe/London"
    assert source.local is False
    assert source.base_dir == tmp_path


def test_local_sources_may_use_relative_files_and_loopback_urls(tmp_path: Path) -> None:
    (tmp_path / "samples").mkdir()
    (tmp_path / "samples" / "cal.ics").write_text("BEGIN:VCALENDAR\r\n")
    text = replaced('url = "https://gds.blog.gov.uk/feed/"', 'url = "samples/cal.ics"')
    text = (
        text
        + "local = true\n\n"
        + replaced('id = "gds-blog"', 'id = "loopback"').replace(
            "https://gds.blog.gov.uk/feed/", "http://127.0.0.1:8080/feed"
        )
    )
    text += "local = true\n\n" + replaced('id = "gds-blog"', 'id = "file-url"').replace(
        "https://gds.blog.gov.uk/feed/", "file:samples/cal.ics"
    )
    text += "local = true\n"
    sources = load_sources(write(tmp_path, text), KINDS)
    urls = [s.url for s in sources]
    assert urls == ["samples/cal.ics", "http://127.0.0.1:8080/feed", "file:samples/cal.ics"]


# ------------------------------------------------------- one test per kind of error


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced('kind = "feed"', 'kind = "feed'))
    assert message.startswith(f"{path}:6: TOML syntax error")
    assert "column" in message


def test_unknown_kind(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced('kind = "feed"', 'kind = "rss"'))
    assert message == (f'{path}:6: source "gds-blog": unknown kind "rss" (known kinds: feed, ical)')


def test_unknown_kind_suggests_the_closest(tmp_path: Path) -> None:
    _, message = problems(tmp_path, replaced('kind = "feed"', 'kind = "icall"'))
    assert 'unknown kind "icall" (did you mean "ical"?' in message


def test_missing_url(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced('url = "https://gds.blog.gov.uk/feed/"\n', ""))
    assert message == f'{path}:1: source "gds-blog": missing required field "url"'


@pytest.mark.parametrize("field", ["name", "organiser", "kind"])
def test_missing_required_field(tmp_path: Path, field: str) -> None:
    text = "\n".join(line for line in VALID.splitlines() if not line.startswith(f"{field} ="))
    path, message = problems(tmp_path, text)
    assert f'{path}:1: source "gds-blog": missing required field "{field}"' in message


def test_missing_id_names_the_source_by_position(tmp_path: Path) -> None:
    text = VALID + "\n" + replaced('id = "gds-blog"\n', "")
    path, message = problems(tmp_path, text)
    assert message == f'{path}:10: source #2 (no id): missing required field "id"'


def test_empty_required_field(tmp_path: Path) -> None:
    path, message = problems(
        tmp_path, replaced('name = "Government Digital Service blog"', 'name = " "')
    )
    assert message == f'{path}:3: source "gds-blog": field "name" is empty'


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path, message = problems(tmp_path, VALID + "\n" + VALID)
    assert message == (
        f'{path}:11: source "gds-blog": duplicate id "gds-blog" (first used at {path}:2)'
    )


def test_bad_slug(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced('id = "gds-blog"', 'id = "GDS Blog"'))
    assert message.startswith(f'{path}:2: source "GDS Blog": id "GDS Blog" is not a slug')


def test_unknown_region_suggests_the_closest(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced('["uk-wide"]', '["london", "yorkshire"]'))
    assert message.startswith(f'{path}:7: source "gds-blog": unknown region "yorkshire"')
    assert '(did you mean "yorkshire-and-the-humber"?)' in message


def test_unknown_region_with_no_close_match_lists_valid_ones(tmp_path: Path) -> None:
    _, message = problems(tmp_path, replaced('["uk-wide"]', '["atlantis"]'))
    assert 'unknown region "atlantis" (valid regions: north-east, ' in message
    assert "uk-wide)" in message


def test_unknown_profession(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced('["digital"]', '["digital", "dat"]'))
    assert message == (
        f'{path}:8: source "gds-blog": unknown profession "dat" (did you mean "data"?)'
    )


def test_unknown_field_suggests_the_closest(tmp_path: Path) -> None:
    path, message = problems(tmp_path, VALID + "enabeld = false\n")
    assert message == (
        f'{path}:9: source "gds-blog": unknown field "enabeld" (did you mean "enabled"?)'
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('enabled = "yes"', "field \"enabled\" should be true or false, not a string ('yes')"),
        ("local = 1", 'field "local" should be true or false, not a number (1)'),
        ("notes = []", 'field "notes" should be a string, not a list'),
        ('regions = "london"', 'field "regions" should be a list of slugs, not a string'),
        ("professions = [1]", 'field "professions" should hold only strings, not a number (1)'),
    ],
)
def test_wrong_type(tmp_path: Path, line: str, expected: str) -> None:
    key = line.split(" ")[0]
    text = "\n".join(row for row in VALID.splitlines() if not row.startswith(f"{key} ="))
    path, message = problems(tmp_path, text + "\n" + line + "\n")
    assert message.startswith(f'{path}:{len(text.splitlines()) + 1}: source "gds-blog": ')
    assert expected in message


def test_non_http_url_needs_local(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced("https://gds.blog.gov.uk/feed/", "samples/x.ics"))
    assert message == (
        f'{path}:5: source "gds-blog": url "samples/x.ics" is not an http(s) URL; '
        "only sources with local = true may use file paths"
    )


def test_loopback_url_needs_local(tmp_path: Path) -> None:
    path, message = problems(tmp_path, replaced("https://gds.blog.gov.uk", "http://localhost:8000"))
    assert message.startswith(f'{path}:5: source "gds-blog": url "http://localhost:8000/feed/"')
    assert "points at this machine" in message


def test_local_file_that_does_not_exist(tmp_path: Path) -> None:
    text = replaced("https://gds.blog.gov.uk/feed/", "samples/missing.ics") + "local = true\n"
    path, message = problems(tmp_path, text)
    assert message == (
        f'{path}:5: source "gds-blog": local file "samples/missing.ics" does not exist '
        f"(looked in {tmp_path})"
    )


def test_unknown_time_zone(tmp_path: Path) -> None:
    path, message = problems(tmp_path, VALID + 'timezone = "Europe/Londn"\n')
    assert message == (
        f'{path}:9: source "gds-blog": unknown time zone "Europe/Londn" '
        '(did you mean "Europe/London"?); use an IANA name'
    )


def test_single_bracket_table(tmp_path: Path) -> None:
    path, message = problems(tmp_path, VALID.replace("[[source]]", "[source]"))
    assert message == f"{path}:1: write each source as a [[source]] table (two brackets)"


def test_misspelt_table_name(tmp_path: Path) -> None:
    path, message = problems(tmp_path, VALID.replace("[[source]]", "[[sources]]"))
    assert message.startswith(
        f'{path}:1: unknown top-level entry "sources" (did you mean "source"?)'
    )


def test_empty_file(tmp_path: Path) -> None:
    path, message = problems(tmp_path, "# nothing yet\n")
    assert message == f"{path}: no [[source]] tables found"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read the sources file"):
        load_sources(tmp_path / "nope.toml", KINDS)


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    second = (
        replaced('kind = "feed"', 'kind = "rss"')
        .replace('id = "gds-blog"', 'id = "other"')
        .replace('["uk-wide"]', '["londn"]')
    )
    text = replaced('name = "Government Digital Service blog"\n', "") + "\n" + second + "\n" + VALID
    path, message = problems(tmp_path, text)
    lines = message.splitlines()
    assert lines == [
        "4 problems found:",
        f'{path}:1: source "gds-blog": missing required field "name"',
        f'{path}:14: source "other": unknown kind "rss" (known kinds: feed, ical)',
        f'{path}:15: source "other": unknown region "londn" (did you mean "london"?)',
        f'{path}:19: source "gds-blog": duplicate id "gds-blog" (first used at {path}:2)',
    ]


def test_error_keeps_the_list_of_problems(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "\n" + replaced('kind = "feed"', 'kind = "rss"'))
    with pytest.raises(SourcesError) as caught:
        load_sources(path, KINDS)
    assert len(caught.value.problems) == 2


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nid = "council"\nname = "Council events"\norganiser = "A council"\n'
        'url = "https://council.example/events"\n' + body,
        encoding="utf-8",
    )
    return path


def test_html_sources_need_their_selectors(tmp_path: Path) -> None:
    path = _write(tmp_path, 'kind = "html"\nselectors = { container = "li.event", titel = "h3" }\n')
    with pytest.raises(SourcesError) as caught:
        load_sources(path, {"html", "ical"})
    text = str(caught.value)
    assert 'unknown selector "titel" (did you mean "title"?' in text
    assert 'kind "html" needs selectors for title, date' in text
    assert "sources.toml:7:" in text  # the selectors line


def test_html_source_with_selectors_loads(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'kind = "html"\nmax_pages = 5\ndate_format = "%d %B %Y"\n'
        'selectors = { container = "li.event", title = "h3", date = ".when", link = "a" }\n',
    )
    [source] = load_sources(path, {"html"})
    assert source.selector("container") == "li.event" and source.selector("location") is None
    assert (source.max_pages, source.date_format) == (5, "%d %B %Y")
    other = _write(tmp_path, 'kind = "ical"\nselectors = { title = "h3" }\n')
    with pytest.raises(SourcesError, match='only used by kind "html"'):
        load_sources(other, {"html", "ical"})


def test_feed_window_settings(tmp_path: Path) -> None:
    from scrapers.config import FeedWindow, load_settings

    path = tmp_path / "s.toml"
    path.write_text("[settings]\nfeed_days_ahead = 90\ncancelled_days = 14\n", encoding="utf-8")
    assert load_settings(path).window == FeedWindow(days_back=30, days_ahead=90, cancelled_days=14)
    path.write_text("[settings]\nfeed_days_ahead = 0\n", encoding="utf-8")
    with pytest.raises(SourcesError, match=r"feed_days_ahead.*at least 1"):
        load_settings(path)
