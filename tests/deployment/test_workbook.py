"""The deployment workbook: every sheet agrees with the solved plan, recomputed by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from typer.testing import CliRunner

from forcegen.cli.main import app

SCEN = """\
forcegen: 1
c_day: 2027-01-04
lift:
  - {id: C17, mode: air, capacity: 2}
  - {id: RAIL, mode: rail, capacity: 1}
ports: [{id: pod, kind: airport, throughput: 3}]
movements:
  - {id: A, unit: HQ, days: 3, lift: {C17: 2}, pod: pod, sector: north, priority: 1}
  - {id: B, days: 1, lift: {C17: 1}, after: [A], sector: south, required: 2, priority: 2}
  - {id: C, days: 2, lift: {RAIL: 1}, sector: south, required: 1, priority: 2}
  - {id: D, days: 2, lift: {C17: 1, RAIL: 1}, pod: pod, sector: north, priority: 1}
"""


def _table(ws: Any) -> list[dict[Any, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _write(tmp_path: Path) -> Path:
    f = tmp_path / "scenario.yaml"
    f.write_text(SCEN)
    out = tmp_path / "plan.xlsx"
    res = CliRunner().invoke(app, ["deploy", str(f), "--xlsx", str(out), "--time-limit", "10"])
    assert res.exit_code == 0, res.output
    assert "deployment workbook written" in res.output
    return out


def test_workbook_rows_match_the_plan(tmp_path: Path) -> None:
    wb = load_workbook(_write(tmp_path))
    assert wb.sheetnames == ["summary", "unit lines", "closure", "closure curve", "lift use",
                             "port use"]
    lines = {r["ULN"]: r for r in _table(wb["unit lines"])}
    assert set(lines) == {"A", "B", "C", "D"}
    days = {"A": 3, "B": 1, "C": 2, "D": 2}
    for uln, r in lines.items():
        assert r["Arrive day"] - r["Depart day"] == days[uln]
        late = max(0, r["Arrive day"] - r["Required day"]) if r["Required day"] else 0
        assert r["Late by (days)"] == late
        assert (r["Reason"] is not None) == (late > 0)
    assert lines["B"]["Depart day"] >= lines["A"]["Arrive day"]  # B waits for A
    closure = max(r["Arrive day"] for r in lines.values())
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True)}
    assert summary["Closure day"] == closure
    assert summary["Closure day"] >= summary["Proven bound (no plan closes before)"]
    assert summary["Lines late"] == sum(1 for r in lines.values() if r["Late by (days)"])
    assert summary["Closure date"] == f"2027-01-{4 + closure:02d}"

    # Lift and port use by day, recomputed from the unit lines.
    lift = {"C17": {"A": 2, "B": 1, "D": 1}, "RAIL": {"C": 1, "D": 1}}
    port = {"A": 2, "D": 2}  # a line uses its total lift units a day at its port
    use = _table(wb["lift use"])
    assert [r["Day"] for r in use] == list(range(closure))
    ports = _table(wb["port use"])
    for d in range(closure):
        on = {u for u, r in lines.items() if r["Depart day"] <= d < r["Arrive day"]}
        assert use[d]["C17 (of 2)"] == sum(lift["C17"].get(u, 0) for u in on)
        assert use[d]["RAIL (of 1)"] == sum(lift["RAIL"].get(u, 0) for u in on)
        assert ports[d]["pod (of 3)"] == sum(port.get(u, 0) for u in on)
        assert use[d]["C17 (of 2)"] <= 2 and ports[d]["pod (of 3)"] <= 3

    # Closure by sector and priority: the last arrival of each group.
    groups = {(r["Group"], r["Name"]): r for r in _table(wb["closure"])}
    for (kind, name), g in groups.items():
        key = "Sector" if kind == "Sector" else "Priority"
        mine = [r for r in lines.values() if str(r[key]) == name]
        assert g["Lines"] == len(mine)
        assert g["Closure day"] == max(r["Arrive day"] for r in mine)
    assert set(groups) == {("Sector", "north"), ("Sector", "south"), ("Priority", "1"),
                           ("Priority", "2")}

    # Closure curve: share of lines in place by the end of each day, with a native chart.
    curve = _table(wb["closure curve"])
    for r in curve:
        assert r["Whole force"] == sum(x["Arrive day"] <= r["Day"] for x in lines.values()) / 4
    assert curve[-1]["Whole force"] == 1.0 and len(wb["closure curve"]._charts) == 1


def test_workbook_look(tmp_path: Path) -> None:
    wb = load_workbook(_write(tmp_path))
    ws = wb["unit lines"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:T5"
    assert all(c.font.b for c in ws[1])
    col = [c.value for c in ws[1]].index("Depart day")
    assert ws.cell(row=2, column=col + 1).number_format == "#,##0"
    assert ws.column_dimensions["A"].width >= 6


def test_xlsx_option_refuses_bad_paths(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text(SCEN)
    for bad in (tmp_path / "plan.csv", tmp_path / "no" / "plan.xlsx"):
        res = CliRunner().invoke(app, ["deploy", str(f), "--xlsx", str(bad)])
        assert res.exit_code == 2 and "--xlsx" in res.output and "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == [f]


def test_formula_like_text_is_neutralised(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text("forcegen: 1\nlift: [{id: C17, mode: air, capacity: 1}]\nmovements:\n"
                 "  - {id: A, days: 1, x-mode: '=HYPERLINK(\"http://x\")'}\n")
    out = tmp_path / "plan.xlsx"
    res = CliRunner().invoke(app, ["deploy", str(f), "--xlsx", str(out)])
    assert res.exit_code == 0, res.output
    ws = load_workbook(out)["unit lines"]
    (row,) = _table(ws)
    assert row["Mode"] == "'=HYPERLINK(\"http://x\")"  # behind a quote, never a formula
    assert ws.cell(row=2, column=9).data_type == "s"
