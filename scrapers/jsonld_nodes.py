"""Structured data from JSON-LD, microdata and RDFa as one shape, and the Events in it.

After normalising, every node is a dict keyed by schema.org local names ("startDate",
not "schema:startDate" or "https://schema.org/startDate"), with "@type" a list of local
names. JSON-LD references ({"@id": ...}) are linked to the nodes they name, so an
organiser or place published once in an @graph is read where an Event points at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrapers.jsonld_values import Node, as_list, clean, literal, local_name

EVENT_TYPES = frozenset({
    "Event", "BusinessEvent", "ChildrensEvent", "ComedyEvent", "CourseInstance", "DanceEvent",
    "DeliveryEvent", "EducationEvent", "ExhibitionEvent", "Festival", "FoodEvent", "Hackathon",
    "LiteraryEvent", "MusicEvent", "PublicationEvent", "SaleEvent", "ScreeningEvent",
    "SocialEvent", "SportsEvent", "TheaterEvent", "VisualArtsEvent",
})  # fmt: skip
# An EventSeries spans a whole run ("every Thursday this year"): its dates are not an
# occasion to attend. Its subEvents, which are, are still found.
_NOT_EVENTS = frozenset({"EventSeries"})
_MAX_DEPTH = 60  # deeper than any real page; keeps hostile nesting from recursing far


def types(item: Node) -> list[str]:
    """The node's types as local names, additionalType included."""
    declared = as_list(item.get("@type")) + as_list(item.get("additionalType"))
    return [local_name(name) for name in declared if isinstance(name, str)]


def is_event(item: Node) -> bool:
    names = types(item)
    if any(name in _NOT_EVENTS for name in names):
        return False
    return any(name in EVENT_TYPES or name.endswith("Event") for name in names)


def normalise(value: Any, depth: int = 0) -> Any:
    """Keys as local names, "@type" as a list; the structure otherwise unchanged."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, list):
        return [normalise(item, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    out: Node = {}
    for key, item in value.items():
        name = local_name(key) if isinstance(key, str) else None
        if name and name != "@context" and out.get(name) in (None, "", []):
            out[name] = normalise(item, depth + 1)
    if "@type" in out:
        out["@type"] = [local_name(name) for name in as_list(out["@type"]) if isinstance(name, str)]
    return out


def from_rdfa(items: list[Any]) -> list[Node]:
    """extruct's RDFa output (flat, expanded JSON-LD) as nested nodes, roots first."""
    flat = [item for item in items if isinstance(item, dict)]
    by_id = {item["@id"]: item for item in flat if isinstance(item.get("@id"), str)}
    referenced = {ref.get("@id") for item in flat for ref in _references(item)}
    typed = [item for item in flat if item.get("@type")]
    roots = [item for item in typed if item.get("@id") not in referenced] or typed
    return [_rdfa_node(root, by_id, frozenset()) for root in roots]


def _references(item: Node) -> list[Node]:
    return [
        value
        for key, values in item.items()
        if not key.startswith("@")
        for value in as_list(values)
        if isinstance(value, dict) and "@id" in value
    ]


def _rdfa_node(item: Node, by_id: dict[str, Node], seen: frozenset[str]) -> Node:
    ident = item.get("@id")
    seen = seen | {ident} if isinstance(ident, str) else seen
    node: Node = {"@type": item.get("@type", [])}
    if isinstance(ident, str) and not ident.startswith("_:"):
        node["@id"] = ident
    for key, values in item.items():
        if not key.startswith("@") and isinstance(values, list):
            read = [_rdfa_value(value, by_id, seen) for value in values]
            node[key] = read[0] if len(read) == 1 else read
    return node


def _rdfa_value(value: Any, by_id: dict[str, Node], seen: frozenset[str]) -> Any:
    if not isinstance(value, dict):
        return value
    if "@value" in value:
        return value["@value"]
    ref = value.get("@id")
    if isinstance(ref, str) and ref in by_id and ref not in seen:
        return _rdfa_node(by_id[ref], by_id, seen)
    return ref


def link(roots: list[Any]) -> None:
    """Replace each bare {"@id": X} with the node that describes X, in place."""
    index: dict[str, Node] = {}
    for item in _dicts(roots):
        ident = item.get("@id")
        if isinstance(ident, str) and len(item.keys() - {"@id", "@type"}) > 0:
            index.setdefault(ident, item)
    for item in _dicts(roots):
        for key, value in item.items():
            if isinstance(value, list):
                item[key] = [_target(entry, index) for entry in value]
            else:
                item[key] = _target(value, index)


def _target(value: Any, index: dict[str, Node]) -> Any:
    if isinstance(value, dict) and value.keys() <= {"@id", "@type"}:
        return index.get(literal(value.get("@id")) or "", value)
    return value


def _dicts(roots: list[Any]) -> list[Node]:
    """Every dict under roots once, in document order (iterative: no recursion limit)."""
    found: list[Node] = []
    seen: set[int] = set()
    stack: list[Any] = list(reversed(roots))
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, dict) and id(value) not in seen:
            seen.add(id(value))
            found.append(value)
            stack.extend(reversed(list(value.values())))
    return found


@dataclass
class Found:
    """Event nodes in page order, and the URLs an ItemList points at."""

    events: list[Node] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    # Event nodes that are ItemList entries: pointers to pages, perhaps without dates.
    entries: set[int] = field(default_factory=set)
    # The non-event node that holds each event (a Course its CourseInstance, a band
    # its gigs): schema.org often names only the holder.
    holders: dict[int, Node] = field(default_factory=dict)


def find(roots: list[Any]) -> Found:
    found = Found()
    for item in _dicts(roots):
        if is_event(item):
            found.events.append(item)
        else:
            for child in _children(item):
                if is_event(child):
                    found.holders.setdefault(id(child), item)
        if "ItemList" in types(item):
            for entry in as_list(item.get("itemListElement")):
                found.listed += [url] if (url := _url(entry)) else []
                found.entries |= {id(node) for node in _entry_nodes(entry)}
    return found


def _children(item: Node) -> list[Node]:
    return [
        child
        for key, value in item.items()
        if not key.startswith("@")
        for child in as_list(value)
        if isinstance(child, dict)
    ]


def _entry_nodes(entry: Any) -> list[Node]:
    item = entry.get("item") if isinstance(entry, dict) else None
    return [node for node in (entry, item) if isinstance(node, dict)]


def _url(entry: Any) -> str | None:
    """Where an ItemList entry points, if it is an event or says nothing of its type."""
    if isinstance(entry, str):
        return clean(entry)
    if not isinstance(entry, dict):
        return None
    item = entry.get("item")
    if isinstance(item, str):
        return clean(item)
    target = item if isinstance(item, dict) else entry
    named = [name for name in types(target) if name != "ListItem"]
    if named and not is_event(target):
        return None  # articles, products, people: not event pages
    ident = literal(target.get("@id"))
    own = clean(target.get("url")) or (ident if ident and "://" in ident else None)
    return own or clean(entry.get("url"))
