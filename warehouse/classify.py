"""Classify events by region and profession, and flag free and restricted ones; every
label keeps its reason. Pure: data files are loaded once at import, no database here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from warehouse import cues, postcodes, professions
from warehouse.phrases import joined
from warehouse.records import Label, StoredEvent, Subject
from warehouse.regions import regions_for

if TYPE_CHECKING:
    from warehouse.semantic import SemanticClassifier


@dataclass(frozen=True)
class Classification:
    regions: tuple[str, ...]
    professions: tuple[str, ...]
    free: bool | None
    restricted: str | None
    labels: tuple[Label, ...]


def _data_fingerprint() -> str:
    # The postcode tables and the gazetteer (places.csv) share regions_data/.
    files = [professions.DATA_FILE, cues.DATA_FILE, *sorted(postcodes.DATA_DIR.glob("*.csv"))]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


DATA_FINGERPRINT = _data_fingerprint()


class Classifier:
    """The rules, plus the semantic model when one is given."""

    def __init__(self, model: SemanticClassifier | None = None) -> None:
        self.model = model
        # Stored with each event's labels: when the rules, the data or the model change,
        # every event is classified again.
        extra = f"+model@{model.threshold:.3f}" if model is not None else ""
        self.fingerprint = DATA_FINGERPRINT + extra

    def classify(self, subject: Subject) -> Classification:
        return self.classify_many([subject])[0]

    def classify_many(self, subjects: Sequence[Subject]) -> list[Classification]:
        results = [_by_rules(s) for s in subjects]
        if self.model is not None and subjects:
            texts = [joined([s.title, s.description, s.organiser]) for s in subjects]
            results = [
                _add_model_labels(result, found)
                for result, found in zip(results, self.model.labels(texts), strict=True)
            ]
        return results


def make_classifier(use_model: bool = False, threshold: float | None = None) -> Classifier:
    """The rules alone, or with the semantic model (SemanticUnavailable when it is not
    installed: the caller says so in plain words)."""
    if not use_model:
        return Classifier()
    from warehouse.semantic import DEFAULT_THRESHOLD, SemanticClassifier

    chosen = DEFAULT_THRESHOLD if threshold is None else threshold
    return Classifier(SemanticClassifier(professions.descriptions(), chosen))


def _by_rules(subject: Subject) -> Classification:
    labels = [Label("region", p.slug, p.method, p.reason) for p in regions_for(subject)]
    fields = {
        "title": subject.title,
        "organiser": subject.organiser,
        "description": subject.description,
    }
    found = (
        professions.from_text(fields)
        + professions.from_categories(subject.categories)
        + professions.from_defaults(subject.default_professions, subject.source)
    )
    labels += [Label("profession", f.slug, f.method, f.reason) for f in found]
    text = joined([subject.title, subject.description, subject.location_name, subject.address])
    free = cues.free(text)
    if free is not None:
        labels.append(Label("free", free.value, "keyword", free.reason))
    restricted = cues.restricted(text)
    if restricted is not None:
        labels.append(Label("restricted", restricted.value, "keyword", restricted.reason))
    return summarise(labels)


def _add_model_labels(result: Classification, found: Sequence[Any]) -> Classification:
    have = set(result.professions)
    extra = [
        Label("profession", f.slug, "model", f"model similarity {f.score:.2f}", f.score)
        for f in found
        if f.slug not in have
    ]
    return summarise([*result.labels, *extra]) if extra else result


def summarise(labels: Sequence[Label]) -> Classification:
    """The classification that a list of labels (as found, or as stored) amounts to."""
    # One label per (kind, value): the first reason found is the one kept.
    unique = list({(label.kind, label.value): label for label in reversed(labels)}.values())
    unique.reverse()
    free = next((label.value == "true" for label in unique if label.kind == "free"), None)
    restricted = next((label.value for label in unique if label.kind == "restricted"), None)
    return Classification(
        regions=tuple(label.value for label in unique if label.kind == "region"),
        professions=_in_vocab_order(label.value for label in unique if label.kind == "profession"),
        free=free,
        restricted=restricted,
        labels=tuple(unique),
    )


def _in_vocab_order(slugs: Any) -> tuple[str, ...]:
    order = list(professions.VOCABULARY)
    return tuple(sorted(set(slugs), key=order.index))


def subject_of(entry: StoredEvent, source_name: str | None = None) -> Subject:
    """The classifier's view of a merged event: its own fields, and (as defaults) the
    regions and professions configured for the sources that list it."""
    event, place = entry.event, entry.event.location
    online = {"online": True, "mixed": "hybrid", "in-person": False}.get(event.attendance)
    return Subject(
        id=f"{event.source_id}/{event.source_uid}",
        title=event.title,
        description=event.description or "",
        location_name=(place.name if place else None) or "",
        address=(place.address if place else None) or "",
        postcode=(place.postcode if place else None) or "",
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        online=online,  # type: ignore[arg-type]
        organiser=event.organiser or "",
        categories=event.categories,
        default_regions=entry.regions,
        default_professions=entry.professions,
        source=source_name or entry.source_name,
    )


def applied(entry: StoredEvent, result: Classification, **also: Any) -> StoredEvent:
    """The entry with its classification in place of its sources' defaults (and the
    fields in `also` replaced in the same copy)."""
    return replace(
        entry,
        regions=result.regions,
        professions=result.professions,
        free=result.free,
        restricted=result.restricted,
        labels=result.labels,
        **also,
    )
