"""The standby roster: checked from the file's dates, optimal against brute force, bad input."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import OptionError, ScenarioError
from forcegen.exercises import load_programme, plan_exercises
from forcegen.exercises._roster_milp import solve_roster
from forcegen.exercises.roster import RosterProblem, greedy_roster
from forcegen.exercises.roster_result import plan_roster, standby_scenario

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "bng-nzl-exercises"


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _violations(doc: dict, prog_yaml: dict) -> list[str]:
    """Every rule of docs/scenario.md "Standby roster", from the document's dates alone."""
    sb = prog_yaml["standby"]
    start = sb["start"]
    out = []
    certified = {u["id"]: u["certified"] for u in doc["units"]}
    pledge_certs = {p["id"]: p.get("x-certified", {}) for p in prog_yaml["pledges"]}
    caps = {}
    for tour in doc["roster"]["tours"]:
        first = dt.date.fromisoformat(tour["start"])
        for c in sb.get("certified", []):
            got = certified.get(tour["unit"], {}).get(c) or pledge_certs[tour["pledge"]].get(c)
            if got is None or (got is not True and dt.date.fromisoformat(str(got)) > first):
                out.append(f"{tour['unit']} not certified {c} by {first}")
        rest_end = dt.date.fromisoformat(tour["rest_until"]) + dt.timedelta(days=1)
        for b in prog_yaml.get("units_unavailable", []):
            if b["unit"] in (tour["unit"], tour["pledge"]) and b["start"] < rest_end \
                    and b["end"] > first:
                out.append(f"{tour['unit']} unavailable during its tour or rest")
        caps[tour["unit"]] = tour["capability"]
    by_unit: dict[str, list[dt.date]] = {}
    for tour in doc["roster"]["tours"]:
        by_unit.setdefault(tour["unit"], []).append(dt.date.fromisoformat(tour["start"]))
    span = sb.get("tour_months", 3) + sb.get("rest_months", 0)
    for u, starts in by_unit.items():
        for a, b in itertools.pairwise(sorted(starts)):
            if _months_between(a, b) < span:
                out.append(f"{u}: tours {a} and {b} without rest")
    need: dict[str, int] = {}
    for n in sb["requires"]:
        need[n["capability"]] = need.get(n["capability"], 0) + n.get("quantity", 1)
    missing = 0
    for m in doc["roster"]["calendar"]:
        first = dt.date.fromisoformat(m["month"] + "-01")
        for c, q in need.items():
            on = sum(1 for tour in doc["roster"]["tours"] if tour["capability"] == c
                     and dt.date.fromisoformat(tour["start"]) <= first
                     <= dt.date.fromisoformat(tour["end"]))
            row = next(x for x in m["capabilities"] if x["capability"] == c)
            if row["on_standby"] != on:
                out.append(f"{m['month']} {c}: calendar says {row['on_standby']}, tours {on}")
            missing += max(0, q - on)
    if missing != doc["roster"]["shortfall"]:
        out.append(f"shortfall {doc['roster']['shortfall']}, recounted {missing}")
    if _months_between(start, dt.date.fromisoformat(doc["roster"]["calendar"][-1]["month"]
                                                    + "-01")) != sb["months"] - 1:
        out.append("calendar does not span the months asked")
    return out


def test_example_roster_obeys_every_rule_and_is_proven() -> None:
    import yaml

    res = CliRunner().invoke(app, ["exercises", str(EX), "--roster", "--json",
                                   "--time-limit", "20"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    raw = yaml.safe_load((EX / "scenario.yaml").read_text(encoding="utf-8"))
    assert _violations(doc, raw) == []
    roster = doc["roster"]
    assert roster["status"] == "optimal" and roster["bound"] == roster["shortfall"]
    assert roster["shortfall"] <= roster["baseline"]["shortfall"]
    assert roster["tours"], "the example holds units on standby"
    # Short notice draws on units on standby only: every assignment's pledge is one of theirs.
    for m in roster["short_notice"]:
        cal = next(c for c in roster["calendar"] if c["month"] == m["month"])
        pledges = {u.rsplit("/", 1)[0] for u in cal["units"]}
        for a in m["assignments"]:
            assert a["pledge"].split("#")[0] in pledges


def test_a_broken_roster_is_caught_by_the_checker() -> None:
    """The checker fails on a roster that breaks a rule (it is not vacuous)."""
    import yaml

    res = CliRunner().invoke(app, ["exercises", str(EX), "--roster", "--json",
                                   "--time-limit", "20"])
    doc = json.loads(res.stdout)
    raw = yaml.safe_load((EX / "scenario.yaml").read_text(encoding="utf-8"))
    tour = doc["roster"]["tours"][0]
    doc["roster"]["tours"].append({**tour, "start": tour["end"][:8] + "01"})
    assert _violations(doc, raw)


def _random_roster(rng: np.random.Generator) -> RosterProblem:
    months, tour, rest = int(rng.integers(3, 7)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    units = int(rng.integers(2, 5))
    caps = int(rng.integers(1, 3))
    unit_cap = rng.integers(0, caps, units)
    tu, ts = [], []
    for u in range(units):
        for m in range(months):
            if rng.random() < 0.6:
                tu.append(u)
                ts.append(m)
    ts_arr = np.array(ts, dtype=np.int64)
    return RosterProblem(
        months=months, tour_months=tour, rest_months=rest, caps=[f"C{c}" for c in range(caps)],
        need=rng.integers(1, 3, caps).astype(np.int64), unit_ids=[f"U{u}" for u in range(units)],
        unit_cap=unit_cap.astype(np.int64), unit_nation=[f"N{u % 2}" for u in range(units)],
        tour_unit=np.array(tu, dtype=np.int64), tour_start=ts_arr,
        tour_len=np.minimum(tour, months - ts_arr))


def _brute(p: RosterProblem) -> tuple[int, int]:
    """Least shortfall, then least top nation burden, over every set of tours that rests."""
    best = (10**9, 10**9)
    n = p.tour_unit.size
    for mask in range(1 << n):
        chosen = [j for j in range(n) if mask >> j & 1]
        ok = all(p.tour_unit[a] != p.tour_unit[b]
                 or abs(int(p.tour_start[a]) - int(p.tour_start[b])) >= p.span
                 for a, b in itertools.combinations(chosen, 2))
        if not ok:
            continue
        burden: dict[str, int] = {}
        for j in chosen:
            nat = p.unit_nation[p.tour_unit[j]]
            burden[nat] = burden.get(nat, 0) + int(p.tour_len[j])
        best = min(best, (p.shortfall(np.array(chosen, dtype=np.int64)),
                          max(burden.values(), default=0)))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_roster_is_optimal_against_brute_force(seed: int) -> None:
    p = _random_roster(np.random.default_rng(seed))
    if p.tour_unit.size > 14:
        pytest.skip("too many tours to enumerate")
    plan = solve_roster(p, time_limit=20)
    short, burden = _brute(p)
    assert plan.status == "optimal"
    assert plan.shortfall == short == plan.bound
    assert plan.stages[1]["value"] == burden
    chosen = plan.chosen
    for a, b in itertools.combinations(chosen, 2):  # the plan itself rests
        assert p.tour_unit[a] != p.tour_unit[b] or \
            abs(int(p.tour_start[a]) - int(p.tour_start[b])) >= p.span
    assert p.shortfall(chosen) == plan.shortfall
    g = greedy_roster(p)
    assert p.shortfall(g) >= short


BASE = (EX / "scenario.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    for name in ("network.csv", "nodes.csv"):  # the example's roads, beside it
        (tmp_path / name).write_bytes((EX / name).read_bytes())
    f = tmp_path / "scenario.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize("old, new, field, words", [
    ("    - {capability: ENG-BN, quantity: 1}\n", "    - {capability: CBRN-COY, quantity: 1}\n",
     "standby.requires.1.capability", "no pledge offers"),
    ("  start: 2027-04-01", "  start: 2027-04-15", "standby.start", "first day of a month"),
    ("  certified: [LIVEX-BG]", "  certified: [NOBODY-CERT]", "standby.certified",
     "no exercise awards"),
    ("  tour_months: 3 ", "  tour_months: 0 ", "standby.tour_months", ""),
])
def test_bad_standby_names_line_and_field(tmp_path: Path, old: str, new: str, field: str,
                                          words: str) -> None:
    assert old in BASE
    f = _write(tmp_path, BASE.replace(old, new))
    with pytest.raises(ScenarioError) as err:
        load_programme(f)
    probs = [p for p in err.value.problems if p.field == field]
    assert probs, [str(p) for p in err.value.problems]
    assert words in probs[0].message
    line = next(i for i, text in enumerate(f.read_text().splitlines(), 1)
                if text.startswith(new.rstrip("\n")))
    assert probs[0].line == line
    res = CliRunner().invoke(app, ["exercises", str(f), "--roster"])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_roster_without_standby_section_is_refused(tmp_path: Path) -> None:
    text = BASE[:BASE.index("# --- the standing joint")]
    prog = load_programme(_write(tmp_path, text))
    with pytest.raises(OptionError, match="no `standby` section"):
        plan_roster(plan_exercises(prog, time_limit=10))
    res = CliRunner().invoke(app, ["exercises", str(tmp_path), "--roster"])
    assert res.exit_code == 2 and "standby" in res.output


def test_short_notice_scenario_holds_only_standby_units() -> None:
    result = plan_exercises(load_programme(EX), time_limit=20)
    roster = plan_roster(result, time_limit=20)
    for t in range(roster.problem.months):
        sc = standby_scenario(roster, t)
        on = roster.on_standby(t)
        assert sum(p.quantity for p in sc.pledges) == len(on)
        assert all(r.notice_days <= 7 for r in sc.requirements)
        for p in sc.pledges:
            certs = p.extensions()["x-certified"]
            assert "LIVEX-BG" in certs  # every unit on standby is certified
            assert p.notice_days <= 7


def test_programme_workbook_holds_the_roster(tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    res = CliRunner().invoke(app, ["exercises", str(EX), "--roster", "--xlsx", str(out),
                                   "--json", "--time-limit", "20"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    wb = __import__("openpyxl").load_workbook(out)
    rows = list(wb["standby"].iter_rows(values_only=True))
    assert len(rows) == 1 + len(doc["roster"]["calendar"])
    assert sum(r[-3] for r in rows[1:]) == doc["roster"]["shortfall"]
    tours = list(wb["standby tours"].iter_rows(values_only=True))[1:]
    assert [t[0] for t in tours] == [t["unit"] for t in doc["roster"]["tours"]]
