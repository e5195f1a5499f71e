"""The published folder as the crash and concurrency tests see it: every file's bytes,
whether each is a whole file of its kind, and whether two renders differ only in their
stamps (the times a render writes: feeds.write.same_but_stamps, feeds.site's stamps)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import icalendar
import pyarrow.parquet as pq

from feeds.site import _STAMP as PAGE_STAMP
from feeds.write import same_but_stamps

Files = dict[str, bytes]  # path under the folder -> bytes

# Events compared across refreshes run at other moments: these record when.
_WHEN = frozenset({"DTSTAMP", "CREATED", "LAST-MODIFIED"})


def snapshot(folder: Path) -> Files:
    """Every file under `folder` (dot files too), by its path relative to it."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(names: Iterable[str]) -> list[str]:
    """Of these paths, the files and folders a writer makes on its way to a published
    file (a temp file before its rename, a scratch folder): none may outlive a refresh."""
    return sorted(
        name
        for name in names
        if any(
            part.startswith(".") and (part.endswith(".tmp") or part.startswith(".analysis-"))
            for part in Path(name).parts
        )
    )


def unreadable(name: str, data: bytes) -> str | None:
    """Why `data` is not a whole file of the kind its name says, or None."""
    return _unreadable(Path(name).suffix, data)


@cache  # the same bytes read the same: most files are as the last round left them
def _unreadable(suffix: str, data: bytes) -> str | None:
    ends = {".ics": b"END:VCALENDAR\r\n", ".html": b"</html>\n"}.get(suffix)
    try:
        if ends is not None and not data.endswith(ends):
            raise ValueError(f"it does not end with {ends!r}")
        if suffix == ".ics":
            icalendar.Calendar.from_ical(data)
        elif suffix in (".xml", ".svg"):
            ET.fromstring(data)
        elif suffix == ".json":
            json.loads(data)
        elif suffix == ".parquet":
            pq.read_table(io.BytesIO(data))
    except Exception as exc:  # any failure to read is the finding
        return f"{type(exc).__name__}: {exc}"
    return None


def same_render(a: bytes, b: bytes) -> bool:
    """Whether two renders of one file say the same, their stamps aside."""
    return same_but_stamps(a, b) or PAGE_STAMP.sub(b"", a) == PAGE_STAMP.sub(b"", b)


def mixed(
    found: Mapping[str, bytes], old: Mapping[str, bytes], new: Mapping[str, bytes]
) -> dict[str, str]:
    """Files of `found` that are neither their `old` nor their `new` version, or not
    whole, or gone although `old` had them: name -> what is wrong."""
    wrong = {name: "gone" for name in old if name not in found}
    partial = set(leftovers(found))
    for name, data in found.items():
        if name in partial:
            continue
        problem = unreadable(name, data)
        if problem is not None:
            wrong[name] = problem
        elif not any(
            v is not None and same_render(v, data) for v in (old.get(name), new.get(name))
        ):
            wrong[name] = "neither the old file nor the new one"
    return wrong


def events_of(calendar: bytes) -> dict[str, dict[str, str]]:
    """A feed's events by UID, each with its properties but those saying when it was
    rendered or stored."""
    found = {}
    for event in icalendar.Calendar.from_ical(calendar).walk("VEVENT"):
        props = {key: event[key].to_ical().decode() for key in event if key not in _WHEN}
        found[props["UID"]] = props
    return found
