"""Text normalisation for the matcher: canonical URLs, titles, names and a fast similarity.

difflib is far too slow for 100,000 listings, so titles are compared as sets (tokens and
character trigrams of the title with its spaces removed); set intersections run in C.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

# Query parameters that only say where a click came from: two links differing only in these
# point at the same page.
_TRACKING = frozenset(
    {"fbclid", "gclid", "aff", "mc_cid", "mc_eid", "ref", "recid", "recsource", "_ga"}
)
# Paths that are a site's front page or its list of events, not one event: a URL like this
# says nothing about which event a listing is, so it must never count as an exact match.
_GENERIC_PATHS = frozenset({"", "/events", "/event", "/calendar", "/whats-on"})

_EVENTBRITE_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*eventbrite\.[a-z.]+$")
# /e/<slug>-tickets-<id> or /e/<id> (the id is the last run of digits)
_EVENTBRITE_PATH = re.compile(r"^/e/(?:[^/]*?-)?(\d+)/?$")
_MEETUP_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*meetup\.com$")
_MEETUP_PATH = re.compile(r"^/([^/]+)/events/([A-Za-z0-9]+)/?$")

# Words that sources add or drop around the same event name; removing them lets
# "UKGovCamp 2027 (online event)" equal "UKGovCamp".
_STOPWORDS = frozenset(
    {"the", "a", "an", "online", "webinar", "virtual", "meetup", "event", "events", "live"}
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def canonical_url(url: str | None) -> str | None:
    """The comparable form of a URL, or None when there is none.

    Lower-cased host with "www." dropped, https, no fragment, no tracking parameters (the
    rest sorted), no trailing slash. Eventbrite event pages become "eventbrite:<id>" (the
    ticket page, the short /e/<id> form and every national eventbrite.* domain agree) and
    Meetup event pages "meetup:<group>:<id>".
    """
    if url is None:
        return None
    text = url.strip()
    if not text:
        return None
    if "://" not in text:
        if _SCHEME.match(text):
            return None  # mailto:, tel:, javascript: ...
        text = "https://" + text.lstrip("/")
    plain = _PLAIN.match(text)
    if plain is not None:  # most URLs: what urlsplit would give, without its cost
        host, path = plain.group(1).rstrip("."), plain.group(2) or ""
        return _canonical(host.removeprefix("www."), None, path, "")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not host or parts.scheme.lower() not in ("http", "https"):
        return None
    return _canonical(host.removeprefix("www."), port, parts.path, parts.query)


# A lower-case http(s) URL with no user, port, query, fragment or character urlsplit
# would drop or treat specially: its host and path are the two groups.
_PLAIN = re.compile(r"https?://([a-z0-9-][a-z0-9.-]*)(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?\Z")


def _canonical(host: str, port: int | None, path: str, query_text: str) -> str:
    if "//" in path:
        path = re.sub(r"/{2,}", "/", path)
    path = path.rstrip("/")
    if _EVENTBRITE_HOST.match(host):
        found = _EVENTBRITE_PATH.match(path)
        if found:
            return f"eventbrite:{found.group(1)}"
    if _MEETUP_HOST.match(host):
        found = _MEETUP_PATH.match(path)
        if found:
            return f"meetup:{found.group(1).lower()}:{found.group(2)}"
    query = (
        [
            (key, value)
            for key, value in parse_qsl(query_text, keep_blank_values=True)
            if key.lower() not in _TRACKING and not key.lower().startswith("utm_")
        ]
        if query_text
        else []
    )
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    tail = "?" + urlencode(sorted(query)) if query else ""
    return f"https://{netloc}{path}{tail}"


def is_specific_url(canonical: str | None) -> bool:
    """Whether a canonical URL can identify one event (not a home page or events index)."""
    if canonical is None:
        return False
    if not canonical.startswith("https://"):
        return True  # eventbrite:/meetup: ids
    rest = canonical[len("https://") :]
    slash = rest.find("/")
    path_and_query = rest[slash:] if slash >= 0 else ""
    if "?" in path_and_query:
        return True  # e.g. a WordPress "?p=123" page is specific
    return path_and_query.lower() not in _GENERIC_PATHS


def _fold(text: str) -> list[str]:
    """Lower-case ASCII words: accents dropped, punctuation as spaces, "&" as "and"."""
    text = text.replace("&", " and ")
    if text.isascii():  # most titles: skip the Unicode decomposition
        ascii_text = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return [word for word in _NON_WORD.split(ascii_text) if word]


@lru_cache(maxsize=65536)  # venues and organisers repeat across thousands of listings
def normalise_name(name: str | None) -> str:
    """A venue or organiser name folded for comparison ("" when unknown)."""
    return " ".join(_fold(name)) if name else ""


def normalise_title(title: str, organiser: str | None = None) -> str:
    """The words of a title that name the event, space-separated.

    Case, punctuation, accents, years and filler words (online, webinar, meetup, the, ...) go,
    and so does the organiser's name where it appears as a run of words. If nothing would be
    left (a title that is only the organiser's name, or only filler) the title is kept with
    just the case and punctuation folded, so it still compares with something.
    """
    words = _fold(title)
    kept = [w for w in words if w not in _STOPWORDS and not _YEAR.match(w)]
    org = [w for w in _fold(organiser) if w not in _STOPWORDS] if organiser else []
    if org and len(org) <= len(kept):
        size = len(org)
        out: list[str] = []
        i = 0
        while i < len(kept):
            if kept[i : i + size] == org:
                i += size
            else:
                out.append(kept[i])
                i += 1
        if out:
            kept = out
    return " ".join(kept) if kept else " ".join(words)


def trigrams(compact: str) -> frozenset[str]:
    """Character trigrams of a string (the string itself when shorter than three)."""
    if len(compact) < 3:
        return frozenset((compact,)) if compact else frozenset()
    return frozenset(map("".join, zip(compact, compact[1:], compact[2:], strict=False)))


def title_similarity(
    tokens_a: frozenset[str],
    grams_a: frozenset[str],
    len_a: int,
    tokens_b: frozenset[str],
    grams_b: frozenset[str],
    len_b: int,
) -> float:
    """Similarity in 0..1 of two normalised titles, from their precomputed sets.

    The best of: token Dice (word order and repeats ignored), trigram Dice of the titles
    with spaces removed ("UK GovCamp" vs "UKGovCamp"), and trigram containment of the
    shorter in the longer, discounted by how much longer the other is (so "UKGovCamp" vs
    "UKGovCamp: the unconference" is ~0.83, while "Python" inside a long title counts less).
    Containment only counts for titles of 8+ letters: a short word is inside too many others.
    """
    if tokens_a == tokens_b:
        return 1.0 if tokens_a else 0.0
    if not grams_a or not grams_b:
        return 0.0
    shared_tokens = len(tokens_a & tokens_b)
    best = 2.0 * shared_tokens / (len(tokens_a) + len(tokens_b))
    shared = len(grams_a & grams_b)
    if shared == 0:
        return best
    size_a = len(grams_a)
    size_b = len(grams_b)
    best = max(best, 2.0 * shared / (size_a + size_b))
    short, long_ = (len_a, len_b) if len_a <= len_b else (len_b, len_a)
    if short >= 8:
        contained = shared / min(size_a, size_b)
        best = max(best, contained * (0.7 + 0.3 * short / long_))
    return best


def normalise_postcode(postcode: str | None) -> str:
    """A UK postcode upper-cased without spaces ("" when unknown)."""
    if not postcode:
        return ""
    return "".join(ch for ch in postcode.upper() if ch.isalnum())
