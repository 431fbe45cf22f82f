"""The programme as an iCalendar file (RFC 5545), one all-day event per exercise held.

Written with the ``icalendar`` library (escaping, line folding, CRLF). Each event spans whole
weeks from the programme's start: ``DTSTART`` is the Monday it starts, ``DTEND`` the Monday
after its last week (all-day ``DTEND`` is exclusive in RFC 5545). ``LOCATION`` is the training
area, ``DESCRIPTION`` the units and nations taking part and what the exercise certifies.

UIDs are derived from the scenario's name and the exercise id only, so exporting again after a
change (another week, another area) updates the event in a calendar instead of adding a second
one (its ``DTSTAMP``, the time of export, tells the later version).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from icalendar import Calendar, Event

__all__ = ["event_uid", "programme_calendar", "write_ics"]

_PRODID = "-//forcegen//exercise programme//EN"


def event_uid(scenario: str, exercise: str) -> str:
    """A stable UID for ``exercise`` of ``scenario`` (same inputs, same UID)."""
    digest = hashlib.sha256(f"{scenario}\x00{exercise}".encode()).hexdigest()[:32]
    return f"{digest}@exercises.forcegen"


def _description(row: dict[str, Any], nation_of: dict[str, str], area_name: str) -> str:
    nations = sorted({nation_of.get(u, "?") for u in row["units"]})
    lines = [f"{row['id']} ({row['kind']}, {row['weeks']} week(s)) at {area_name}",
             f"Nations: {', '.join(nations)}",
             f"Units: {', '.join(row['units'])}"]
    if row["certifies"]:
        lines.append(f"Certifies: {', '.join(row['certifies'])}")
    return "\n".join(lines)


def programme_calendar(doc: dict[str, Any], *, stamp: dt.datetime | None = None,
                       nations: set[str] | None = None) -> Calendar:
    """The calendar of ``doc`` (``ExerciseResult.to_dict()``): one event per held exercise.

    ``stamp`` is the ``DTSTAMP`` of every event (now, in UTC, when not given); ``nations``,
    when given, keeps only the exercises with units of one of them (a nation's calendar).
    """
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    scenario = str(doc.get("scenario") or "unnamed scenario")
    nation_of = {u["id"]: u["nation"] for u in doc["units"]}
    area_names = {a["id"]: a.get("name") or a["id"] for a in doc.get("areas", [])}
    cal = Calendar()
    cal.add("prodid", _PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{scenario}: exercise programme")
    for row in doc["exercises"]:
        if not row["held"] or (nations is not None and not nations & set(row["nations"])):
            continue
        area = area_names.get(row["area"], row["area"])
        ev = Event()
        ev.add("uid", event_uid(scenario, row["id"]))
        ev.add("dtstamp", stamp)
        ev.add("summary", f"{row['id']} {row['name'] or ''}".strip())
        ev.add("dtstart", dt.date.fromisoformat(row["start"]))
        ev.add("dtend", dt.date.fromisoformat(row["end"]) + dt.timedelta(days=1))
        ev.add("location", area)
        ev.add("description", _description(row, nation_of, area))
        ev.add("categories", [row["kind"]])
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    return cal


def write_ics(doc: dict[str, Any], path: Path, *, stamp: dt.datetime | None = None,
              nations: set[str] | None = None) -> Path:
    """Write the programme's calendar to ``path`` (atomically: a sibling moved into place)."""
    data = programme_calendar(doc, stamp=stamp, nations=nations).to_ical()
    fd, tmp = tempfile.mkstemp(suffix=".ics", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
