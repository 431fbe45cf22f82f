"""The chain of command by day: national command until arrival, then the dated relationship."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from forcegen.deployment import load_deployment, plan_deployment
from forcegen.deployment.command import CommandRule, command_on_day, idle_rules, transfers
from forcegen.exceptions import ScenarioError

ROWS = [
    {"id": "L1", "unit": "P-FRA-1", "nation": "FRA", "sector": "north", "start": 0, "arrive": 3},
    {"id": "L2", "unit": "P-HUN-1", "nation": "HUN", "sector": "south", "start": 2, "arrive": 5},
    {"id": "L3", "unit": "P-HUN-2", "nation": "HUN", "sector": "south", "start": 4, "arrive": 9},
]
RULES = [
    CommandRule(nation="HUN", relationship="TACON"),
    CommandRule(unit="P-HUN-2", relationship="NATCOM", until_day=10),
    CommandRule(unit="P-FRA-1", relationship="OPCON", to="force", from_day=6),
]


def test_before_arrival_national_command_then_toa() -> None:
    day1 = command_on_day(ROWS, RULES, 1)
    assert day1["L1"]["where"] == "transit" and day1["L1"]["relationship"] == "NATCOM"
    assert day1["L2"]["where"] == "home" and day1["L2"]["to"] == "HUN"
    assert "TOA on day 5" in day1["L2"]["text"]
    day5 = command_on_day(ROWS, RULES, 5)
    assert (day5["L1"]["relationship"], day5["L1"]["to"]) == ("OPCON", "north")  # default
    assert (day5["L2"]["relationship"], day5["L2"]["to"]) == ("TACON", "south")  # nation's
    assert day5["L3"]["where"] == "transit"


def test_unit_rule_wins_and_dates_hold() -> None:
    day9 = command_on_day(ROWS, RULES, 9)
    assert day9["L3"]["relationship"] == "NATCOM" and day9["L3"]["to"] == "HUN"
    day11 = command_on_day(ROWS, RULES, 11)
    assert day11["L3"]["relationship"] == "TACON"  # the unit's rule ended on day 10
    assert (day11["L1"]["relationship"], day11["L1"]["to"]) == ("OPCON", "force")


def test_each_arrival_and_each_later_change_is_a_transfer_of_authority() -> None:
    # L1 arrives on day 3 (OPCON north) and goes to the force commander on day 6, when its
    # rule starts; L3 arrives under national command, which ends on day 10: TACON on day 11.
    got = transfers(ROWS, RULES)
    assert [(t["day"], t["id"], t["relationship"], t["to"], t["event"]) for t in got] == [
        (3, "L1", "OPCON", "north", "arrival"), (5, "L2", "TACON", "south", "arrival"),
        (6, "L1", "OPCON", "force", "rule"), (9, "L3", "NATCOM", "HUN", "arrival"),
        (11, "L3", "TACON", "south", "rule")]
    # Each listed change is what command_on_day says on that day, and nothing changes between.
    for t in got:
        assert command_on_day(ROWS, RULES, t["day"])[t["id"]]["relationship"] == t["relationship"]
    for day in range(0, 15):
        now = command_on_day(ROWS, RULES, day)
        for line, held in now.items():
            if held["where"] != "theatre":
                continue
            last = max((t for t in got if t["id"] == line and t["day"] <= day),
                       key=lambda t: t["day"])
            assert (held["relationship"], held["to"]) == (last["relationship"], last["to"])


def test_rule_ending_before_its_toa_is_noted() -> None:
    rules = [*RULES, CommandRule(unit="P-HUN-1", relationship="NATCOM", until_day=4)]
    notes = idle_rules(ROWS, rules)
    assert len(notes) == 1 and "rule 4" in notes[0] and "P-HUN-1" in notes[0]
    assert "day 5" in notes[0]
    assert idle_rules(ROWS, RULES) == []  # P-HUN-2's rule holds on days 9 and 10


HEAD = """\
forcegen: 1
lift:
  - {id: C17, mode: air, capacity: 4}
movements:
  - {id: A, unit: P-FRA-1, nation: FRA, sector: north, days: 2, lift: {C17: 2}}
  - {id: B, unit: P-DEU-1, nation: DEU, sector: north, days: 1, lift: {C17: 3}}
"""


def test_command_section_read_and_in_the_json(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text(HEAD + "command:\n  - {nation: DEU, relationship: TACON}\n")
    doc = plan_deployment(load_deployment(f), time_limit=5).to_dict()
    assert doc["command"] == [{"nation": "DEU", "relationship": "TACON"}]
    toa = {t["id"]: (t["day"], t["relationship"]) for t in doc["transfers_of_authority"]}
    arrive = {m["id"]: m["arrive"] for m in doc["movements"]}
    assert toa == {"A": (arrive["A"], "OPCON"), "B": (arrive["B"], "TACON")}


@pytest.mark.parametrize(("rule", "field", "words"), [
    ("{nation: DEU, unit: P-DEU-1, relationship: TACON}", "command", "exactly one of"),
    ("{nation: DEU, relationship: COMMAND}", "command.relationship", "OPCON"),
    ("{unit: P-XXX-9, relationship: TACON}", "unit", "moves in no unit line"),
    ("{nation: DEU, relationship: TACON, from_day: 5, until_day: 2}", "command",
     "before `from_day`"),
])
def test_bad_rules_are_named(tmp_path: Path, rule: str, field: str, words: str) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text(HEAD + "command:\n" + textwrap.indent(f"- {rule}\n", "  "))
    with pytest.raises(ScenarioError) as info:
        load_deployment(f)
    (p,) = info.value.problems
    assert p.file == str(f) and p.line == 8 and words in p.message
    assert p.field is not None and p.field.startswith(field)
