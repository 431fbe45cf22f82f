"""The programme file: bad input named precisely, and the example scheduled inside its windows,
areas and rest, checked against the file itself (dates, not the solver's week numbers)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import ScenarioError
from forcegen.exercises import load_programme, plan_exercises

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "bng-nzl-exercises"

BASE = """forcegen: 1
nations: [{code: GBR}, {code: NZL}]
sectors: [{id: north}]
requirements:
  - {id: R-1, capability: INF-LIGHT-BN, quantity: 1, sector: north, notice_days: 30, start: 2027-04-05, certified: [CERT-A]}
pledges:
  - {id: P-GBR-1, nation: GBR, capability: INF-LIGHT-BN, quantity: 2, personnel: 600, notice_days: 10, status: approved}
  - {id: P-NZL-1, nation: NZL, capability: INF-LIGHT-BN, quantity: 1, personnel: 500, notice_days: 10, status: approved}
programme_start: 2027-01-04
training_areas:
  - {id: plain, capacity: 1}
exercises:
  - {id: EX-A, kind: staffex, weeks: 1, window: [2027-01-04, 2027-03-01], area: plain, needs: [{capability: INF-LIGHT-BN, quantity: 1}]}
  - {id: EX-B, kind: livex, weeks: 2, window: [2027-01-04, 2027-03-28], area: plain, needs: [{capability: INF-LIGHT-BN, quantity: 2}], after: [EX-A], certifies: [CERT-A]}
"""  # noqa: E501 (one record a line, as planners write them)


def _write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "scenario.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize("old, new, field, words", [
    ("after: [EX-A]", "after: [EX-B]", "after", "cycle in `after`"),
    ("after: [EX-A]", "after: [EX-Z]", "after", "unknown exercise 'EX-Z'"),
    ("area: plain, needs: [{capability: INF-LIGHT-BN, quantity: 2}]",
     "area: [plain, moor], needs: [{capability: INF-LIGHT-BN, quantity: 2}]", "area",
     "unknown training area 'moor'"),
    ("weeks: 2, window: [2027-01-04, 2027-03-28]", "weeks: 2, window: [2027-01-04, 2027-01-10]",
     "window", "shorter than its 2 week(s)"),
    ("needs: [{capability: INF-LIGHT-BN, quantity: 1}]", "needs: [{capability: NO-SUCH, "
     "quantity: 1}]", "needs.0.capability", "unknown capability 'NO-SUCH'"),
    ("needs: [{capability: INF-LIGHT-BN, quantity: 1}]", "needs: [{capability: ENG-BN, "
     "quantity: 1}]", "needs.0.capability", "no pledge offers 'ENG-BN'"),
    ("kind: staffex", "kind: wargame", "exercises.kind", "staffex"),
])
def test_bad_programme_names_line_and_field(tmp_path: Path, old: str, new: str, field: str,
                                            words: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    f = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_programme(f)
    hits = [p for p in err.value.problems if words in p.message or words in str(p)]
    assert hits, [str(p) for p in err.value.problems]
    p = hits[0]
    assert p.field is not None and p.field.endswith(field)
    line = text.splitlines()[p.line - 1]
    assert new.split(",")[0].split(":")[-1].strip(" [{") in line or field == "window"


def test_certification_nobody_awards_is_an_error(tmp_path: Path) -> None:
    f = _write(tmp_path, BASE.replace("certified: [CERT-A]", "certified: [CERT-X]"))
    with pytest.raises(ScenarioError, match="CERT-X"):
        load_programme(f)


def test_cli_bad_input_exit_2_no_traceback(tmp_path: Path) -> None:
    f = _write(tmp_path, BASE.replace("after: [EX-A]", "after: [EX-B]"))
    r = CliRunner().invoke(app, ["exercises", str(f), "--json"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output and "cycle" in r.output


def test_unavailable_unit_and_certification_reach_sourcing(tmp_path: Path) -> None:
    """Three units for EX-B's two places; NZL is deployed in February, so both GBR units go.
    R-1 then takes a GBR unit (certified), never the uncertified NZL one."""
    text = BASE + ("units_unavailable:\n  - {unit: P-NZL-1, start: 2027-01-04, end: "
                   "2027-03-29, reason: deployed}\n")
    prog = load_programme(_write(tmp_path, text))
    res = plan_exercises(prog, time_limit=10)
    doc = res.to_dict()
    assert doc["status"] == "optimal" and doc["value"] == 2
    b = next(r for r in doc["exercises"] if r["id"] == "EX-B")
    assert sorted(b["units"]) == ["P-GBR-1/1", "P-GBR-1/2"]
    from forcegen.sourcing import solve

    plan = solve(res.certified_scenario()).to_dict()
    assert [a["pledge"] for a in plan["assignments"]] == ["P-GBR-1"]
    # Without the programme nobody is certified: the line is short, and says why.
    plain = solve(prog.scenario).to_dict()
    assert plain["assignments"] == []
    codes = [r["code"] for r in plain["shortfalls"][0]["reasons"]]
    assert codes == ["not-certified"]


@pytest.mark.parametrize("start, in_time", [("2027-01-24", 0), ("2027-01-25", 2)])
def test_certified_after_the_line_starts_does_not_count(tmp_path: Path, start: str,
                                                         in_time: int) -> None:
    """EX-A takes week 0, EX-B at best weeks 1-2: it ends Sunday 2027-01-24, so a line
    starting that Sunday is too early and one starting Monday 2027-01-25 is in time."""
    text = BASE.replace("start: 2027-04-05", f"start: {start}")
    res = plan_exercises(load_programme(_write(tmp_path, text)), time_limit=10)
    line = res.to_dict()["lines"][0]
    assert line["units_certified_in_time"] == in_time
    # Which exercise certifies them, and from when (the Monday after its last week).
    assert line["awarded_by"] == [{"exercise": "EX-B", "certifies": ["CERT-A"], "held": True,
                                   "certified_from": "2027-01-25", "in_time": bool(in_time),
                                   "units": line["awarded_by"][0]["units"]}]
    assert len(line["awarded_by"][0]["units"]) == 2
    from forcegen.sourcing import solve

    got = solve(res.certified_scenario()).to_dict()["assignments"]
    assert sum(a["units"] for a in got) == min(in_time, 1)


def test_example_schedule_respects_the_file(tmp_path: Path) -> None:
    raw = yaml.safe_load((EX / "scenario.yaml").read_text(encoding="utf-8"))
    r = CliRunner().invoke(app, ["exercises", str(EX), "--json", "--time-limit", "20",
                                 "--chart", str(tmp_path / "g.png"), "--source"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # exactly one JSON document
    assert (tmp_path / "g.png").stat().st_size > 1000
    assert doc["status"] == "optimal" and doc["value"] >= doc["baseline"]["value"]
    spec = {e["id"]: e for e in raw["exercises"]}
    cap = {a["id"]: a["capacity"] for a in raw["training_areas"]}
    rest = raw["units_rest_weeks"]
    held = [e for e in doc["exercises"] if e["held"]]
    day = dt.date.fromisoformat
    for e in held:
        s = spec[e["id"]]
        assert s["window"][0] <= day(e["start"]) and day(e["end"]) <= s["window"][1]
        assert (day(e["end"]) - day(e["start"])).days + 1 == 7 * s["weeks"]
        assert e["area"] in ([s["area"]] if isinstance(s["area"], str) else s["area"])
        for a in s.get("after", []):
            pre = next(x for x in held if x["id"] == a)
            assert day(pre["end"]) < day(e["start"])
    for d in range(0, 365, 7):  # area capacity, every week of the year
        when = raw["programme_start"] + dt.timedelta(days=d)
        for a, c in cap.items():
            assert sum(1 for e in held if e["area"] == a
                       and day(e["start"]) <= when <= day(e["end"])) <= c
    for u in doc["units"]:  # rest between two exercises of one unit
        spans = sorted((day(e["start"]), day(e["end"])) for e in held if u["id"] in e["units"])
        for (_, end1), (start2, _) in itertools.pairwise(spans):
            assert (start2 - end1).days - 1 >= 7 * rest
    assert {x["requirement"] for x in doc["sourcing"]["shortfalls"]} <= {"R-06"}


@pytest.mark.parametrize("solver", ["cp-sat", "highs", "greedy"])
def test_readme_commands_on_the_example(solver: str) -> None:
    r = CliRunner().invoke(app, ["exercises", str(EX), "--solver", solver, "--time-limit", "20",
                                 "--earlier", "EX-07=2027-07-31"])
    assert r.exit_code == 0, r.output
    assert "Exercise programme" in r.stdout and "value held" in r.stdout
    assert "what-if EX-07 by 2027-07-31" in r.stdout
    if solver != "greedy":  # exact on a programme this small
        assert "optimal" in r.stdout


def test_bad_options_exit_2(tmp_path: Path) -> None:
    pdf = str(tmp_path / "x.pdf")
    for args in (["--solver", "magic"], ["--time-limit", "0"], ["--chart", pdf]):
        r = CliRunner().invoke(app, ["exercises", str(EX), *args])
        assert r.exit_code == 2 and "Traceback" not in r.output, args


def test_export_keeps_the_programme(tmp_path: Path) -> None:
    """A folder export and a workbook export both round-trip the exercise sections."""
    r = CliRunner().invoke(app, ["export", str(EX), "--to", str(tmp_path / "copy")])
    assert r.exit_code == 0, r.output
    a = plan_exercises(load_programme(EX), time_limit=10).to_dict()
    b = plan_exercises(load_programme(tmp_path / "copy"), time_limit=10).to_dict()
    assert a["exercises"] == b["exercises"] and a["lines"] == b["lines"]
    r = CliRunner().invoke(app, ["export", str(EX), "--to", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 0, r.output
    c = plan_exercises(load_programme(tmp_path / "x.xlsx"), time_limit=10).to_dict()
    assert a["exercises"] == c["exercises"] and a["lines"] == c["lines"]


def test_same_data_same_plan_whatever_the_order(tmp_path: Path) -> None:
    """Exercises, areas and pledges listed in reverse order give the same schedule."""
    raw = yaml.safe_load((EX / "scenario.yaml").read_text(encoding="utf-8"))
    for key in ("exercises", "training_areas", "pledges"):
        raw[key] = list(reversed(raw[key]))
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    for name in ("network.csv", "nodes.csv"):  # the example's roads, beside it
        (tmp_path / name).write_bytes((EX / name).read_bytes())
    a = plan_exercises(load_programme(EX), time_limit=20).to_dict()
    b = plan_exercises(load_programme(tmp_path), time_limit=20).to_dict()
    assert a["tie_break_proven"] and b["tie_break_proven"]
    assert a["exercises"] == b["exercises"] and a["units"] == b["units"]


def test_trained_together_and_gaps() -> None:
    from forcegen.exercises.interop import trained_together, untrained_pairs

    held = [{"id": "E1", "held": True, "units": ["a", "b"]},
            {"id": "E2", "held": True, "units": ["b", "c", "a"]},
            {"id": "E3", "held": False}]
    pairs = trained_together(held, {"a": "GBR", "b": "NZL", "c": "AUS"})
    assert pairs == [{"nations": ["AUS", "GBR"], "exercises": ["E2"]},
                     {"nations": ["AUS", "NZL"], "exercises": ["E2"]},
                     {"nations": ["GBR", "NZL"], "exercises": ["E1", "E2"]}]
    sc = load_programme(EX).scenario
    sourced = [{"requirement": "R-06", "pledge": "P-GBR-SIG"},   # north
               {"requirement": "R-01", "pledge": "P-NZL-HQ"},    # north
               {"requirement": "R-03", "pledge": "P-AUS-INF"}]   # south, alone
    assert untrained_pairs(pairs, sourced, sc) == []
    assert untrained_pairs(pairs[:2], sourced, sc) == [{"sector": "north",
                                                        "nations": ["GBR", "NZL"]}]


def test_what_if_earlier_shows_lines_unlocked_and_value_lost(tmp_path: Path) -> None:
    """EX-C (worth 5) takes the plain in weeks 0-3; EX-B (worth 1) certifies, so it runs
    after and its units are certified from 2027-02-15 at best, too late for a line starting
    2027-02-01. Forcing EX-B to end by 2027-01-31 unlocks the line and costs EX-C."""
    text = BASE.replace("start: 2027-04-05", "start: 2027-02-01").replace(
        "after: [EX-A], ", "") + (
        "  - {id: EX-C, kind: livex, weeks: 4, window: [2027-01-04, 2027-01-31], area: plain, "
        "needs: [{capability: INF-LIGHT-BN, quantity: 1}], value: 5}\n")
    f = _write(tmp_path, text)
    r = CliRunner().invoke(app, ["exercises", str(f), "--json", "--earlier", "EX-B=2027-01-31"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["lines_certified"] == 0
    w = doc["what_if"]
    assert w["unlocked"] == ["R-1"] and w["lost"] == []
    held = {e["id"] for e in w["exercises"] if e["held"]}
    assert "EX-B" in held and "EX-C" not in held
    assert w["value_change"] == -5 + (0 if "EX-A" in held else -1)
    for bad in ("EX-Z=2027-01-31", "EX-B=2027-01-05", "EX-B=soon"):
        r = CliRunner().invoke(app, ["exercises", str(f), "--earlier", bad])
        assert r.exit_code == 2 and "Traceback" not in r.output, bad


@pytest.mark.parametrize("held, ok", [("{CERT-A: 2027-01-01}", True), ("{CERT-A: true}", True),
                                      ("[CERT-A]", False), ("{CERT-A: soon}", False)])
def test_x_certified_format_is_checked(tmp_path: Path, held: str, ok: bool) -> None:
    text = BASE.replace("status: approved}", f"status: approved, x-certified: {held}}}", 1)
    f = _write(tmp_path, text)
    if ok:
        res = plan_exercises(load_programme(f), time_limit=10)
        # Held before the programme: both GBR units count whatever the schedule does.
        assert res.to_dict()["lines"][0]["units_certified_in_time"] >= 2
    else:
        with pytest.raises(ScenarioError, match="x-certified"):
            load_programme(f)


def test_paths_that_are_no_programme(tmp_path: Path) -> None:
    (tmp_path / "s.xlsx").write_bytes(b"")
    f = _write(tmp_path, BASE.split("programme_start:")[0])
    for path, words in ((tmp_path / "nothing", "no such file"), (tmp_path / "s.xlsx", ".xlsx"),
                        (f, "no `exercises` section")):
        r = CliRunner().invoke(app, ["exercises", str(path)])
        assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, path


def test_option_errors_name_arguments_and_the_cli_its_flags(tmp_path: Path) -> None:
    """The library names ``deadlines`` and ``method``; the CLI names --earlier (its flag for
    ``deadlines``), and exits 2."""
    from forcegen.exceptions import OptionError
    from forcegen.exercises.whatif import ending_by

    f = _write(tmp_path, BASE)
    prog = load_programme(f)
    with pytest.raises(OptionError) as exc:
        ending_by(prog, {"EX-Z": dt.date(2027, 1, 31)})
    assert str(exc.value).startswith("deadlines EX-Z=") and "--" not in str(exc.value)
    with pytest.raises(OptionError) as exc:
        plan_exercises(prog, method="simplex")  # type: ignore[arg-type]
    assert str(exc.value).startswith("method 'simplex'") and "--" not in str(exc.value)
    r = CliRunner().invoke(app, ["exercises", str(f), "--earlier", "EX-Z=2027-01-31"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "--earlier EX-Z=2027-01-31: unknown exercise" in r.stderr
    assert "deadlines" not in r.stderr
