"""The HTML that feed items may carry, whatever a source sent.

Every item description in the RSS, changes and news feeds passes through
`sanitise_html` last, so the guarantee holds however the HTML was built: no scripts or
other active content, no event-handler or style attributes, no javascript: or data: links,
no images (a remote image is a tracker that reports who read the item, and when), and every
link marked rel="nofollow noopener". The work is done by nh3 (the Rust sanitiser ammonia),
with an allowlist: anything not named here is dropped.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import nh3

from feeds.ical import clean_text

# Text-level markup only: enough for paragraphs, emphasis, lists and links.
TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre",
     "strong", "ul"}
)  # fmt: skip
# Elements removed together with everything inside them (their text is no prose).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "noscript", "object", "embed", "template", "svg", "math",
     "textarea", "select", "title"}
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
WEB_SCHEMES = ("http", "https")
# Built once: a Cleaner costs 8 µs a link, nh3.clean's own set-up four times that.
_LINKS = nh3.Cleaner(tags={"a"}, attributes={"a": {"href"}}, link_rel=None)


def sanitise_html(fragment: str) -> str:
    """The fragment with only the allowed tags, attributes and link schemes left."""
    return nh3.clean(
        clean_text(fragment),
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        # "*": none on every tag; without it nh3 keeps ammonia's lang and title on all.
        attributes={"*": set(), **{tag: set(names) for tag, names in ATTRIBUTES.items()}},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def web_url(url: str | None) -> str | None:
    """An absolute http(s) address, stripped, or None: what an item's <link> may hold."""
    text = clean_text(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return None
    return text if _browser_reads(text) else None


def _browser_reads(url: str) -> bool:
    """Whether a browser's URL parser reads the address ("http://a b/" and "http://x:99999/"
    it does not). nh3 parses links with one (the WHATWG parser of Rust's url crate) and
    drops the href of any it cannot read, so asking it keeps an item's <link> and the links
    in its description the same."""
    return "href=" in _LINKS.clean(f'<a href="{html.escape(url)}"></a>')
