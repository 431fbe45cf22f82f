"""The programme's calendar (.ics) and workbook (.xlsx), read back and checked against the plan."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exercises.calendar_ics import event_uid
from forcegen.exercises.workbook import KIND_FILLS

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "bng-nzl-exercises"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:
    out = tmp_path_factory.mktemp("exports")
    ics, xlsx = out / "programme.ics", out / "programme.xlsx"
    r = CliRunner().invoke(app, ["exercises", str(EX), "--json", "--time-limit", "20",
                                 "--ics", str(ics), "--xlsx", str(xlsx)])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), ics, xlsx


def test_calendar_has_each_held_exercise_with_its_weeks_and_area(
        exported: tuple[dict, Path, Path]) -> None:
    doc, ics, _ = exported
    raw = ics.read_bytes()
    assert raw.count(b"\r\n") > 10 and all(len(x) <= 75 for x in raw.split(b"\r\n"))
    cal = Calendar.from_ical(raw)
    events = {str(ev.get("uid")): ev for ev in cal.walk("VEVENT")}
    held = [r for r in doc["exercises"] if r["held"]]
    assert held and len(events) == len(held)
    names = {a["id"]: a["name"] or a["id"] for a in doc["areas"]}
    start = dt.date.fromisoformat(doc["programme_start"])
    for r in held:
        ev = events[event_uid(doc["scenario"], r["id"])]
        first, after = ev.decoded("dtstart"), ev.decoded("dtend")
        assert not isinstance(first, dt.datetime)  # all-day dates
        assert first == start + dt.timedelta(weeks=r["start_week"])
        assert after == start + dt.timedelta(weeks=r["end_week"])  # exclusive end
        assert str(ev.get("location")) == names[r["area"]]
        text = str(ev.get("description"))
        assert all(u in text for u in r["units"]) and all(n in text for n in r["nations"])
        assert str(ev.get("summary")).startswith(r["id"])


def test_uids_stable_and_distinct() -> None:
    assert event_uid("S", "EX-1") == event_uid("S", "EX-1")
    assert len({event_uid("S", "EX-1"), event_uid("S", "EX-2"), event_uid("T", "EX-1")}) == 3


def test_workbook_matches_the_plan(exported: tuple[dict, Path, Path]) -> None:
    doc, _, xlsx = exported
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["summary", "exercises", "calendar", "units", "unit calendar"]
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert summary["Value held"] == doc["value"] and summary["Value bound (proven)"] == doc["bound"]
    assert summary["Lines certified in time"] == doc["lines_certified"]
    assert "proven" in summary["Status"]
    assert summary["Unit travel (km, great circle)"] == doc["travel"]["km"]
    assert summary["Travel"] == doc["travel"]["status"]
    ws = wb["exercises"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws["A1"].font.bold
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    for r in doc["exercises"]:
        got = rows[r["id"]]
        assert got[3] == ("yes" if r["held"] else "no")
        if r["held"]:
            assert (got[4], got[5], got[8]) == (r["start_week"], r["end_week"] - 1, r["area"])
            assert got[9].split(", ") == r["units"] and got[10].split(", ") == r["nations"]
            assert got[14] == r["travel_km"]
    cal = wb["calendar"]
    weeks = [c.value for c in cal[1]][1:]
    grid = {(row[0].value, weeks[k]): cell for row in cal.iter_rows(min_row=2)
            if row[0].value in {a["id"] for a in doc["areas"]} for k, cell in enumerate(row[1:])}
    filled = {key for key, cell in grid.items() if cell.value}
    expect = {(r["area"], w) for r in doc["exercises"] if r["held"]
              for w in range(r["start_week"], r["end_week"])}
    assert filled == expect
    for r in doc["exercises"]:
        if r["held"]:
            cell = grid[(r["area"], r["start_week"])]
            if cell.value == r["id"]:  # alone in that area and week: its kind's colour
                assert cell.fill.fgColor.rgb.endswith(KIND_FILLS[r["kind"]])
    units = {r[0]: r for r in wb["units"].iter_rows(min_row=2, values_only=True)}
    for u in doc["units"]:
        busy = sum(x["end_week"] - x["start_week"] for x in u["exercises"])
        assert units[u["id"]][4] == busy
        assert units[u["id"]][6] == doc["rest_weeks"] * len(u["exercises"])
    grid = wb["unit calendar"]
    weeks = [c.value for c in grid[1]][1:]
    rows = {r[0]: dict(zip(weeks, r[1:], strict=True))
            for r in grid.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {u["id"] for u in doc["units"]}
    for u in doc["units"]:
        busy = {w: x["exercise"] for x in u["exercises"]
                for w in range(x["start_week"], x["end_week"])}
        assert {w: v for w, v in rows[u["id"]].items() if v and v != "rest"} == busy
        for x in u["exercises"]:  # the rest weeks after each exercise are marked
            for w in range(x["end_week"], x["end_week"] + doc["rest_weeks"]):
                assert rows[u["id"]][w] == "rest"


def test_bad_export_names_exit_2_nothing_written(tmp_path: Path) -> None:
    for flag, name in (("--ics", "x.txt"), ("--xlsx", "x.csv"), ("--ics", "no/x.ics")):
        r = CliRunner().invoke(app, ["exercises", str(EX), flag, str(tmp_path / name)])
        assert r.exit_code == 2 and "Traceback" not in r.output and flag in r.output
    assert not any(tmp_path.iterdir())


def test_re_export_after_a_change_keeps_the_uids(tmp_path: Path) -> None:
    """The exercise moves to another week: same UIDs (calendars update), new dates."""
    from .test_programme import BASE

    docs = []
    for k, text in enumerate((BASE, BASE.replace("window: [2027-01-04, 2027-03-01]",
                                                 "window: [2027-02-01, 2027-03-01]"))):
        folder = tmp_path / str(k)
        folder.mkdir()
        (folder / "scenario.yaml").write_text(text, encoding="utf-8")
        r = CliRunner().invoke(app, ["exercises", str(folder), "--ics", str(folder / "p.ics")])
        assert r.exit_code == 0, r.output
        cal = Calendar.from_ical((folder / "p.ics").read_bytes())
        docs.append({str(e.get("uid")): e.decoded("dtstart") for e in cal.walk("VEVENT")})
    assert set(docs[0]) == set(docs[1]) and len(docs[0]) == 2
    assert docs[0] != docs[1]


def test_a_nations_calendar_has_only_its_exercises(exported: tuple[dict, Path, Path],
                                                   tmp_path: Path) -> None:
    doc = exported[0]
    ics = tmp_path / "nzl.ics"
    r = CliRunner().invoke(app, ["exercises", str(EX), "--time-limit", "20", "--ics", str(ics),
                                 "--ics-nation", "nzl"])
    assert r.exit_code == 0, r.output
    uids = {str(e.get("uid")) for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    mine = {event_uid(doc["scenario"], x["id"]) for x in doc["exercises"]
            if x["held"] and "NZL" in x["nations"]}
    assert uids == mine and 0 < len(mine) < sum(x["held"] for x in doc["exercises"])
    for args in (["--ics", str(tmp_path / "x.ics"), "--ics-nation", "FRA"],
                 ["--ics-nation", "NZL"]):
        r = CliRunner().invoke(app, ["exercises", str(EX), *args])
        assert r.exit_code == 2 and "--ics-nation" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "x.ics").exists()
