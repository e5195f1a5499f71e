"""Profession labels from phrases, categories and source defaults, and the cues for
free, restricted, online and hybrid events."""

from __future__ import annotations

import pytest

from scrapers.vocab import PROFESSIONS
from warehouse import cues, professions
from warehouse.phrases import phrase_set


def _slugs(title: str = "", description: str = "", organiser: str = "") -> set[str]:
    fields = {"title": title, "description": description, "organiser": organiser}
    return {found.slug for found in professions.from_text(fields)}


def test_vocabulary_file_covers_exactly_the_vocabulary_with_descriptions() -> None:
    assert list(professions.VOCABULARY) == list(PROFESSIONS)
    for slug, profession in professions.VOCABULARY.items():
        assert profession.name == PROFESSIONS[slug]
        assert profession.description and profession.aligned_with
        assert profession.phrases.strong is not None


def test_whole_words_only_and_cased_acronyms() -> None:
    assert "ai" in _slugs("What AI means for casework")
    assert "ai" not in _slugs("Said and done: a retrospective on maintenance")
    assert "user-research" in _slugs("UR show and tell")
    assert "user-research" not in _slugs("Your team, ur team")  # lower-case "ur" is not UR


def test_negative_phrases_are_masked() -> None:
    assert "policy" in _slugs("Policy profession unconference")
    assert "policy" not in _slugs("Show and tell", "Please read our privacy policy before booking.")
    assert "accessibility" not in _slugs("Show and tell", "The venue is fully accessible.")


def test_a_weak_word_inside_another_labels_phrase_is_not_evidence() -> None:
    # "design" is weak evidence of service design, but here it belongs to "content design".
    assert _slugs("Content design meetup") == {"content-design"}


def test_description_needs_a_strong_phrase_or_two_weak_ones() -> None:
    assert "data" not in _slugs("Show and tell", "We will share some data.")
    assert "data" in _slugs("Show and tell", "Data and metrics from our first year.")
    assert "data" in _slugs("Show and tell", "Talks on data engineering.")


def test_title_and_organiser_are_strong_evidence() -> None:
    assert "health-and-care" in _slugs("Show and tell", organiser="NHS England")
    assert "local-government" in _slugs("Leeds City Council digital show and tell")


def test_reason_names_the_phrase_and_where_it_was() -> None:
    [found] = [
        f
        for f in professions.from_text({"title": "Service design in government"})
        if f.slug == "service-design"
    ]
    assert found.reason == '"Service design" in the title'


def test_categories_match_names_slugs_and_phrases() -> None:
    found = {f.slug: f.reason for f in professions.from_categories(["User Research", "ai", "NHS"])}
    assert found == {
        "user-research": 'category "User Research"',
        "health-and-care": 'category "NHS"',
        "ai": 'category "ai"',
    }


def test_source_defaults_keep_known_slugs_only() -> None:
    found = professions.from_defaults(("data", "not-a-profession"), "GSS meetups")
    assert [(f.slug, f.method, f.reason) for f in found] == [
        ("data", "source-default", "default profession of source GSS meetups")
    ]


def test_bad_data_file_entries_are_refused_in_plain_words() -> None:
    with pytest.raises(ValueError, match=r"x\.toml\[data\]\.phrases must be a list of strings"):
        phrase_set({"phrases": "data"}, "x.toml[data]")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("This is a free event.", "true"),
        ("Free to attend; lunch provided.", "true"),
        ("Tickets £45 + VAT.", "false"),
        ("Early bird tickets available until May.", "false"),
        ("Tickets £95; free for public sector staff.", "true"),
        ("Free for members, £20 for everyone else.", "false"),
        ("Feel free to bring a friend.", None),
        ("Gluten-free options available.", None),
        ("£0 tickets on Eventbrite", "true"),
    ],
)
def test_free_or_paid(text: str, value: str | None) -> None:
    cue = cues.free(text)
    assert (cue.value if cue else None) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("This event is open to civil servants only.", "civil-servants-only"),
        ("You must have a gov.uk email address to register.", "civil-servants-only"),
        ("Public sector staff only: no suppliers please.", "public-sector-only"),
        ("Attendance is by invitation only.", "invite-only"),
        ("Open to everyone: civil servants and anyone interested.", None),
        ("A meetup about services.", None),
    ],
)
def test_restricted_audience(text: str, value: str | None) -> None:
    cue = cues.restricted(text)
    assert (cue.value if cue else None) == value


@pytest.mark.parametrize(
    ("location", "title", "description", "value"),
    [
        ("Online", "Data meetup", "", "online"),
        ("", "Webinar: the Service Standard", "", "online"),
        ("", "Show and tell", "Join us via Zoom for an hour of demos.", "online"),
        ("The Studio, Leeds", "Show and tell", "Join us in person or online.", "hybrid"),
        ("The Studio, Leeds", "Show and tell", "Slides will be shared online afterwards.", None),
        ("Civic Centre", "Hybrid working in councils", "A talk about hybrid working.", None),
        ("", "Moving services online", "Why councils put forms online.", None),
    ],
)
def test_online_and_hybrid(location: str, title: str, description: str, value: str | None) -> None:
    cue = cues.mode(location, title, description)
    assert (cue.value if cue else None) == value
