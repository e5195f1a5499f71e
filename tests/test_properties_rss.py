"""Property tests of the RSS writers: hostile text never breaks a feed or gets active.

The event feeds (feeds.rss), the changes feeds (feeds.changes_feed) and the news feeds
(feeds.news) are written from events, changes and posts whose every text field is drawn
by hypothesis (tests/hostile_text.py: any Unicode, line breaks, C0 and C1 controls, lone
surrogates, and markup such as "</title><item>", CDATA ends and <script>). Then:

- the document is well-formed XML to two strict parsers (lxml, ElementTree) and
  feedparser reads it with no bozo flag;
- the channel holds exactly its fixed elements and one <item> per event, change or post,
  each item exactly its title, link (an absolute http(s) address a browser's URL parser
  reads, else none), description, guid, pubDate and categories: no text became an element
  of its own; the links in the description's last paragraph are the listings' addresses;
- the titles and every paragraph of the descriptions read back as the documented rule
  makes them (README, "Feeds"): CRLF, CR, NEL, LINE and PARAGRAPH SEPARATOR become line
  feeds and other controls are dropped (hostile_text.clean), titles are trimmed and
  dated, a description's blank lines start paragraphs, a post without a title is
  "(untitled)";
- the descriptions hold only the sanitiser's allowlist, also when an item is given raw
  hostile HTML: read as a browser does (html5lib), no element but text-level markup, no
  attribute but href and title (and rel="nofollow noopener" on links), no javascript: or
  other scheme but http, https and mailto, no comments; and sanitising is stable (the
  sanitised HTML sanitised again reads the same), so a reader's own sanitiser sees it so.

The cached publisher's bytes (feeds.cached) must equal the reference renderers' on every
draw, so the published files have all these properties too.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import html5lib
import nh3
from feeds_factory import NOW, make_event, make_stored
from hostile_text import PIECES, PREFIX, clean, hostile_text, maybe_text, stored_lists
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from feeds.cached import Cache
from feeds.changes_feed import render_changes
from feeds.ical import sort_key
from feeds.news import news_all, render_news
from feeds.rss import add_item, render_rss, start_channel, to_bytes
from feeds.sanitise import sanitise_html
from feeds.specs import keyed_spec
from scrapers.model import Event
from scrapers.vocab import PROFESSIONS
from warehouse.news_types import Change, ChangeKind, NewsPost
from warehouse.records import StoredEvent

BASE = "https://convene.example/feeds/"
SPEC = keyed_spec("region", "london")
ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
CHANNEL = ["title", "link", "description", "language", "lastBuildDate", "ttl", ATOM_LINK]
UK = ZoneInfo("Europe/London")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# The sanitiser's allowlist (feeds.sanitise), as a browser would read its output.
TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre",
        "strong", "ul"}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title", "rel"}, "abbr": {"title"}}
SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class Item:
    """What one <item> must say: its title, link, categories, paragraphs (None: the
    paragraph is not text from the source, so any text is accepted) and the links in its
    last paragraph (who listed it or posted it)."""

    title: str
    link: str | None
    categories: list[str]
    paragraphs: list[str | None]
    credits: list[str]


# --- what the documented rules say -------------------------------------------------------


def start_text(event: Event, start: datetime | None = None) -> str:
    """'Mon 2 Mar 2026, 10:00' in UK time; the day alone for an all-day event."""
    local = (start or event.start).astimezone(UK)
    day = f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"
    return day if event.all_day else f"{day}, {local:%H:%M}"


def web_link(url: str | None) -> str | None:
    """The address trimmed, if it is an absolute http(s) address a browser's URL parser
    reads; the parser is asked through nh3, whose links use the WHATWG one."""
    text = clean(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    probe = nh3.clean(f'<a href="{html.escape(text)}"></a>', tags={"a"}, attributes={"a": {"href"}})
    return text if "href=" in probe else None


def location(event: Event) -> str | None:
    if event.location is None:
        return "Online" if event.attendance == "online" else None
    said = ""
    for part in (event.location.name, event.location.address, event.location.postcode):
        part = clean(part or "").strip()
        if part and part.casefold() not in said.casefold():
            said = f"{said}, {part}" if said else part
    return said or None


def listed_by(stored: StoredEvent) -> str:
    names = [stored.source_name, *(name for name, _ in stored.also_listed)]
    return "Listed by: " + ", ".join(clean(name) for name in names)


def listing_links(stored: StoredEvent) -> list[str]:
    """The web addresses of the listings, linked from their names."""
    urls = [stored.event.url, *(url for _, url in stored.also_listed)]
    return [link for link in map(web_link, urls) if link]


def blocks(text: str | None) -> list[str]:
    body = clean(text or "").strip()
    return body.split("\n\n") if body else []


def event_item(stored: StoredEvent) -> Item:
    event = stored.event
    where = location(event)
    paragraphs = [None, *([f"Where: {where}"] if where else []), *blocks(event.description)]
    return Item(
        title=f"{PREFIX[event.status]}{start_text(event)} \u2014 {clean(event.title).strip()}",
        link=web_link(event.url),
        categories=[PROFESSIONS[slug] for slug in stored.professions],
        paragraphs=[*paragraphs, listed_by(stored)],
        credits=listing_links(stored),
    )


# --- reading a document back ---------------------------------------------------------------


def _text(element: ET.Element) -> str:
    """The text a reader shows for an HTML element: <br> is a line break."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "br" else _text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def check_html(fragment: str) -> ET.Element:
    """The fragment as a browser reads it, after checking it holds only the allowlist."""
    root: ET.Element = html5lib.parseFragment(
        fragment, treebuilder="etree", namespaceHTMLElements=False
    )
    for element in root.iter():
        if element is root:
            continue
        assert isinstance(element.tag, str), f"comment or other node: {element!r}"
        assert element.tag in TAGS, element.tag
        assert set(element.attrib) <= ATTRIBUTES.get(element.tag, set()), element.attrib
        if element.tag == "a":
            assert element.get("rel") == "nofollow noopener"
            # What a browser parses: tabs and line breaks removed, C0 and spaces trimmed.
            href = re.sub("[\t\n\r]", "", element.get("href", "")).strip("\x00- ")
            scheme = _SCHEME.match(href)
            assert scheme is None or scheme.group(1).lower() in SCHEMES, href
    # Stable: sanitised again, it reads the same ("<pre>\n" and "<pre>" alike).
    again = html5lib.parseFragment(
        sanitise_html(fragment), treebuilder="etree", namespaceHTMLElements=False
    )
    assert ET.tostring(again) == ET.tostring(root)
    return root


def check_document(raw: bytes, items: list[Item]) -> None:
    etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(items)
    rss = ET.fromstring(raw)
    assert rss.tag == "rss" and [child.tag for child in rss] == ["channel"]
    channel = rss[0]
    assert [child.tag for child in channel] == CHANNEL + ["item"] * len(items)
    for element, item in zip(channel.findall("item"), items, strict=True):
        tags = ["title", *(["link"] if item.link else []), "description", "guid", "pubDate"]
        assert [child.tag for child in element] == tags + ["category"] * len(item.categories)
        assert all(len(child) == 0 for child in element)
        assert element.findtext("title") == item.title
        assert element.findtext("link") == item.link
        assert [child.text for child in element.findall("category")] == item.categories
        assert element.find("guid").attrib == {"isPermaLink": "false"}  # type: ignore[union-attr]
        root = check_html(element.findtext("description") or "")
        paragraphs = [_text(p) for p in root]
        assert [child.tag for child in root] == ["p"] * len(item.paragraphs)
        for got, wanted in zip(paragraphs, item.paragraphs, strict=True):
            assert wanted is None or got == wanted
        assert [a.get("href") for a in root[-1].iter("a")] == item.credits


# --- the event feeds ---------------------------------------------------------------------


@given(stored_lists())
# Addresses no browser reads: they were an item's <link> and a link the sanitiser emptied.
@example([make_stored(make_event(url="HTTP://%"), also_listed=(("x", "http://a b/"),))])
def test_event_feeds_hold_exactly_the_events_and_their_text(stored: list[StoredEvent]) -> None:
    raw = render_rss(SPEC, stored, NOW, BASE)
    assert Cache(NOW, BASE).rss(SPEC, sorted(stored, key=sort_key)) == raw
    check_document(raw, [event_item(one) for one in stored])


# --- the changes feeds -------------------------------------------------------------------

KINDS: list[ChangeKind] = ["new", "rescheduled", "venue", "cancelled"]
LABELS = {"new": "New", "rescheduled": "Rescheduled", "venue": "Venue changed",
          "cancelled": "Cancelled"}  # fmt: skip
SAID = {"new": "Newly listed on Convene.",
        "cancelled": "The listing now says this event is cancelled."}  # fmt: skip


@st.composite
def changes(draw: st.DrawFn) -> list[Change]:
    """A change of each drawn event, newest first (one hour apart)."""
    found = []
    # A change's item never shows the event's description: none is drawn.
    for number, stored in enumerate(draw(stored_lists(described=False))):
        start = stored.event.start
        found.append(
            Change(
                draw(st.sampled_from(KINDS)),
                f"cluster-{number}",
                NOW - timedelta(hours=number),
                stored,
                old_start=draw(st.sampled_from([None, start - timedelta(days=1)])),
                new_start=draw(st.sampled_from([None, start + timedelta(days=1)])),
                old_place=draw(maybe_text(4)),
                new_place=draw(maybe_text(4)),
            )
        )
    return found


def places(change: Change) -> tuple[str | None, str | None]:
    return change.old_place, change.new_place


def change_item(change: Change) -> Item:
    event = change.entry.event
    moved = change.kind == "rescheduled" and change.new_start is not None
    when = start_text(event, change.new_start if moved else None)
    paragraphs: list[str | None]
    if change.kind == "venue":
        was, now = (clean(place or "no place given") for place in places(change))
        paragraphs = [f"Was: {was}", f"Now: {now}", None]
    elif change.kind == "rescheduled":
        paragraphs = [None, None]  # was and now: the times
    else:
        paragraphs = [SAID[change.kind], None]
    where = location(event)
    if where and change.kind != "venue":
        paragraphs.append(f"Where: {where}")
    return Item(
        title=f"{LABELS[change.kind]}: {when} \u2014 {clean(event.title).strip()}",
        link=web_link(event.url),
        categories=[PROFESSIONS[slug] for slug in change.entry.professions],
        paragraphs=[*paragraphs, listed_by(change.entry)],
        credits=listing_links(change.entry),
    )


@given(changes())
def test_changes_feeds_hold_exactly_the_changes_and_their_text(found: list[Change]) -> None:
    raw = render_changes(SPEC, found, NOW, BASE)
    assert Cache(NOW, BASE).changes(SPEC, found) == raw
    check_document(raw, [change_item(change) for change in found])


# --- the news feeds ----------------------------------------------------------------------


@st.composite
def posts(draw: st.DrawFn) -> list[NewsPost]:
    """Up to three posts with hostile text, newest first (one hour apart)."""
    count = draw(st.integers(0, 3))
    urls = st.none() | hostile_text(4) | hostile_text(4).map("https://blog.example/".__add__)
    slugs = st.lists(st.sampled_from(sorted(PROFESSIONS)), max_size=2, unique=True)
    return [
        NewsPost(
            source_id="blog",
            source_uid=f"{number}-{draw(hostile_text(3))}",
            source_name=draw(hostile_text(4)),
            title=draw(hostile_text()),
            url=draw(urls),
            summary=draw(maybe_text(16)),
            author=draw(maybe_text(4)),
            published=NOW - timedelta(hours=number),
            professions=tuple(draw(slugs)),
        )
        for number in range(count)
    ]


def post_item(post: NewsPost) -> Item:
    author = clean(post.author or "").strip()
    paragraphs = [block for block in blocks(post.summary) if block.strip()]
    byline = f"From {clean(post.source_name)}" + (f" by {author}" if author else "")
    return Item(
        title=clean(post.title).strip() or "(untitled)",
        link=web_link(post.url),
        categories=[PROFESSIONS[slug] for slug in post.professions],
        paragraphs=[*paragraphs, byline],
        credits=[link for link in [web_link(post.url)] if link],
    )


@given(posts())
def test_news_feeds_hold_exactly_the_posts_and_their_text(found: list[NewsPost]) -> None:
    raw = render_news(news_all(), found, NOW, BASE)
    check_document(raw, [post_item(post) for post in found])


# --- raw HTML handed to an item ------------------------------------------------------------

URL_VALUES = [
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:x",
    "\x01javascript:x", "jav&#x09;ascript:x", "&#106;avascript:x", "javascript&colon;x",
    "data:text/html,<script>alert(1)</script>", "vbscript:x", "https://ok.example/a?b=1&c=2",
    "mailto:a@b.example", "//evil.example/", "/relative", "#frag", "", "x:y",
]  # fmt: skip
ELEMENTS = [
    "script", "style", "img", "a", "p", "b", "svg", "math", "iframe", "object", "embed",
    "template", "noscript", "textarea", "title", "div", "span", "form", "input", "button",
    "base", "meta", "link", "select", "option", "table", "td", "br", "li", "ul", "pre",
    "code", "abbr", "xmp", "plaintext", "noembed", "video", "foreignObject", "mglyph",
]  # fmt: skip
ATTRIBUTE_NAMES = [
    "href", "src", "onclick", "onerror", "onload", "style", "srcdoc", "formaction",
    "xlink:href", "action", "title", "rel", "target", "data", "background", "class", "id",
]  # fmt: skip
# Markup that has fooled sanitisers (mutation XSS) and fragments that break markup.
RAW = [
    "<", "</", ">", "<!--", "-->", "<![CDATA[", "]]>", "&", "&#", '"', "'", "=", "/>",
    "<svg><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="javascript&#58;alert(1)">x</a>', "<a href=javascript:alert(1)>x",
    "<form><math><mtext></form><form><mglyph><svg><mtext><style><path id=</style>"
    "<img onerror=alert(1) src>",
    "<!--><script>alert(1)</script>-->", "<?xml-stylesheet href=x?>", "<!DOCTYPE html>",
]  # fmt: skip


def _attribute(name: str, value: str, quote: str) -> str:
    return f" {name}={quote}{value}{quote}" if quote or value else f" {name}"


ATTRIBUTE = st.builds(
    _attribute,
    st.sampled_from(ATTRIBUTE_NAMES),
    st.sampled_from(URL_VALUES) | hostile_text(3),
    st.sampled_from(['"', "'", ""]),
)


def _element(tag: str, attributes: list[str], inner: list[str], close: bool) -> str:
    return f"<{tag}{''.join(attributes)}>{''.join(inner)}" + (f"</{tag}>" if close else "")


def _markup(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        _element,
        st.sampled_from(ELEMENTS),
        st.lists(ATTRIBUTE, max_size=3),
        st.lists(children, max_size=3),
        st.booleans(),
    )


HOSTILE_HTML = st.lists(
    st.recursive(st.sampled_from(RAW) | st.sampled_from(PIECES) | st.text(max_size=8), _markup),
    max_size=4,
).map("".join)


@given(hostile_text(), HOSTILE_HTML, maybe_text(4))
@example("t", '<a href=" javascript:alert(1)" onclick="x">a</a><img src=x>', None)
@example("", "<PRE><?<script>\r", None)  # sanitised: "<pre>\n</pre>", then "<pre></pre>"
def test_raw_html_in_an_item_is_sanitised_and_stays_one_item(
    title: str, description: str, link: str | None
) -> None:
    rss, channel = start_channel("Feed", "Hostile HTML", "hostile", NOW, BASE)
    add_item(channel, title=title, link=link, description_html=description, guid="g", published=NOW)
    raw = to_bytes(rss)
    parsed = ET.fromstring(raw)
    etree.fromstring(raw)
    assert feedparser.parse(raw).bozo == 0
    items = parsed.findall("channel/item")
    assert len(items) == 1 and len(parsed[0]) == len(CHANNEL) + 1
    assert items[0].findtext("title") == clean(title)
    check_html(items[0].findtext("description") or "")
