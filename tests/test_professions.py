"""Profession labels from phrases, categories and source defaults, and the cues for
free, restricted, online and hybrid events."""

from __future__ import annotations

import random
import re
import tomllib

import pytest

from scrapers.vocab import PROFESSIONS
from warehouse import cues, professions
from warehouse.phrases import PhraseBook, phrase_set


def _slugs(title: str = "", description: str = "", organiser: str = "") -> set[str]:
    fields = {"title": title, "description": description, "organiser": organiser}
    return {found.slug for found in professions.from_text(fields)}


def test_vocabulary_file_covers_exactly_the_vocabulary_with_descriptions() -> None:
    assert list(professions.VOCABULARY) == list(PROFESSIONS)
    table = tomllib.loads(professions.DATA_FILE.read_text(encoding="utf-8"))
    for slug, profession in professions.VOCABULARY.items():
        assert profession.name == PROFESSIONS[slug]
        assert profession.description and profession.aligned_with
        assert table[slug]["phrases"], slug  # every label has strong phrases
        assert profession.phrases.label == slug


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


TRICKY = {
    "phrases": ["gov.uk", "l&d", ".net", "(online)", "£0", "+ vat", "open data", "data meetup"],
    "cased": ["AI"],
    "weak": ["data"],
    "not": ["open data portal", "free-text"],
}


def test_phrases_with_punctuation_whitespace_and_odd_letters() -> None:
    text = (
        "Sign in with your GOV.UK account. L&D team, .NET and ASP.NET devs, "
        "free-text(online) £0 or £05, £20 + \n VAT. Open  \n\n data, our open data portal. "
        "İstanbul data meetup; said AI, ai."
    )
    found = [(h.phrase, h.weak, h.start) for h in phrase_set(TRICKY, "x").hits(text, False)]
    assert found == [
        ("GOV.UK", False, 18),
        ("L&D", False, 34),
        (".NET", False, 44),  # not in "ASP.NET": a word goes on before the dot
        ("(online)", False, 76),  # next to a masked negative phrase: a word edge
        ("£0", False, 85),  # not "£05"
        ("+ \n VAT", False, 100),
        ("Open  \n\n data", False, 109),  # any whitespace run stands for a space
        ("data", True, 118),
        # "open data portal" is masked. "İ".lower() is two characters; offsets stay
        # those of the text as given.
        ("data meetup", False, 155),
        ("data", True, 155),
        ("AI", False, 173),
    ]
    assert text[155:166] == "data meetup"


def _reference(entry: dict[str, list[str]]) -> dict[str, re.Pattern[str] | None]:
    """The regular expressions phrases.py was first written with: the meaning to keep."""

    def alternation(phrases: list[str]) -> str:
        ordered = sorted({p for p in phrases if p.strip()}, key=lambda p: (-len(p), p))
        return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)

    def compiled(loose: str, cased: str) -> re.Pattern[str] | None:
        parts = [f"(?i:{a})" for a in [alternation(entry.get(loose, []))] if a]
        parts += [f"(?:{a})" for a in [alternation(entry.get(cased, []))] if a]
        return re.compile(rf"(?<![\w])(?:{'|'.join(parts)})(?![\w])") if parts else None

    return {
        "strong": compiled("phrases", "cased"),
        "headline": compiled("headline", "headline_cased"),
        "weak": compiled("weak", "-"),
        "not": compiled("not", "-"),
    }


def _reference_hits(
    patterns: dict[str, re.Pattern[str] | None], text: str, headline: bool
) -> list[tuple[str, bool, int, int]]:
    negative = patterns["not"]
    if negative is not None:
        text = negative.sub(lambda m: "\0" * len(m.group(0)), text)
    kinds = (("strong", False), ("headline", not headline), ("weak", True))
    found = [
        (m.group(0), weak, m.start(), m.end())
        for kind, weak in kinds
        if (pattern := patterns[kind]) is not None
        for m in pattern.finditer(text)
    ]
    return sorted(found, key=lambda hit: hit[2])


def _random_text(rng: random.Random, phrases: list[str]) -> str:
    odd = ["\u0130", "\u0131", "\u017f", "\u212a", "\u00a0", "\u2028", "_", "9", "é", "£", "\u2013"]
    odd += ["\t", "\n\n", "  "]
    parts = []
    for _ in range(rng.randint(0, 10)):
        phrase = rng.choice(phrases)
        phrase = rng.choice([phrase, phrase.upper(), phrase.title(), phrase[1:], phrase[:-1]])
        phrase = phrase.replace(" ", rng.choice([" ", " ", "  ", "\n", " \t\n "]))
        parts += [rng.choice([phrase, phrase, rng.choice(odd)]), rng.choice(" ,.-_( \n")]
    return "".join(parts)


@pytest.mark.parametrize("data", ["professions", "cues"])
def test_matching_finds_what_the_regular_expressions_found(data: str) -> None:
    path = professions.DATA_FILE.with_name(f"{data}.toml")
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    lists = ("phrases", "cased", "headline", "headline_cased", "weak", "not")
    entries = {
        name: {k: v for k, v in entry.items() if k in lists} for name, entry in table.items()
    }
    book = PhraseBook(entries, path.name)
    pool = [p for entry in entries.values() for listed in entry.values() for p in listed]
    rng = random.Random(20261126)
    texts = ["", "  ", *(_random_text(rng, pool) for _ in range(250))]
    for name, entry in entries.items():
        patterns = _reference(entry)
        spans = [p for p in (patterns["strong"], patterns["headline"]) if p is not None]
        for text in texts:
            for headline in (True, False):
                found = [
                    (h.phrase, h.weak, h.start, h.end) for h in book[name].hits(text, headline)
                ]
                assert found == _reference_hits(patterns, text, headline), (name, text)
            expected_first = next(iter(_reference_hits(patterns, text, True)), None)
            assert book[name].first(text) == (expected_first and expected_first[0]), (name, text)
            masked = (
                patterns["not"].sub(lambda m: "\0" * len(m.group(0)), text)
                if patterns["not"]
                else text
            )
            expected = [m.span() for p in spans for m in p.finditer(masked)]
            assert book[name].strong_spans(text) == expected, (name, text)


def test_case_folding_is_the_regular_expressions_for_every_character() -> None:
    """Folded text equals a folded phrase character exactly where IGNORECASE matched it,
    on the fast path for ASCII text and on the general one; and whitespace and word
    characters are \\s and \\w."""
    everything = "".join(map(chr, [*range(0xD800), *range(0xE000, 0x110000)]))
    ascii_only = "".join(map(chr, range(128)))
    for book in (professions._BOOK, cues.CUES["free"].book):
        alphabet = set("".join(book.automaton.keys()))
        assert book.fold.simple  # only ASCII letters in the phrases: the fast path
        # With "İ" (whose lower() is two characters) and without, and all-ASCII text.
        for text in (everything, everything.replace("\u0130", ""), ascii_only):
            folded = book.fold(text)
            assert len(folded) == len(text)
            for char in alphabet:
                engine = [m.start() for m in re.finditer(f"(?i:{re.escape(char)})", text)]
                ours = [m.start() for m in re.finditer(re.escape(char), folded)]
                assert ours == engine, char
    assert "".join(re.findall(r"\s", everything)) == "".join(filter(str.isspace, everything))
    words = "".join(c for c in everything if c.isalnum() or c == "_")
    assert "".join(re.findall(r"\w", everything)) == words


def test_phrases_must_be_words_and_single_spaces() -> None:
    with pytest.raises(ValueError, match=r"x\.weak: 'open  data' must be words and single"):
        phrase_set({"weak": ["open  data"]}, "x")
