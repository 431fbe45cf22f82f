"""The input hash from the core models: the same data gives the same hash however it was read.

Oracles: the same records shuffled, the same scenario written to a workbook and read back,
and single changes that must each change the hash.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from forcegen.scenario import Scenario, load_scenario, write_scenario
from forcegen.scenario._tables import SECTIONS
from forcegen.sourcing import SourcingOptions
from forcegen.sourcing.digest import _ID_FIELDS, input_hash, scenario_digest


def _with(scenario: Scenario, **sections: object) -> Scenario:
    data = scenario.data.model_copy(update=sections)
    return type(scenario)(data=data, catalog=scenario.catalog, source=scenario.source)


def test_every_section_of_records_is_hashed_in_id_order() -> None:
    assert tuple(_ID_FIELDS) == SECTIONS


@pytest.mark.parametrize("seed", range(3))
def test_record_order_does_not_change_the_digest(example: Scenario, seed: int) -> None:
    rng = random.Random(seed)
    shuffled = {}
    for section in SECTIONS:
        records = list(getattr(example.data, section))
        rng.shuffle(records)
        shuffled[section] = records
    assert scenario_digest(_with(example, **shuffled)) == scenario_digest(example)


def test_a_workbook_of_the_same_scenario_has_the_same_digest(
    example: Scenario, tmp_path: Path
) -> None:
    book = write_scenario(example, tmp_path / "s.xlsx")
    assert scenario_digest(load_scenario(book)) == scenario_digest(example)


def test_each_change_changes_the_digest(example: Scenario) -> None:
    base = scenario_digest(example)
    d = example.data
    first = d.pledges[0]
    changed = [
        _with(example, pledges=[first.model_copy(update={"quantity": first.quantity + 1}),
                                *d.pledges[1:]]),
        _with(example, pledges=d.pledges[1:]),
        _with(example, name=d.name + " (copy)"),
        _with(example, requirements=[d.requirements[0].model_copy(update={"priority": 9}),
                                     *d.requirements[1:]]),
    ]
    digests = [scenario_digest(s) for s in changed]
    assert base not in digests
    assert len(set(digests)) == len(digests)


def test_a_capability_type_used_is_part_of_the_digest(example: Scenario) -> None:
    code = example.data.pledges[0].capability
    catalog = dict(example.catalog)
    catalog[code] = catalog[code].model_copy(update={"name": "renamed"})
    other = type(example)(data=example.data, catalog=catalog, source=example.source)
    assert scenario_digest(other) != scenario_digest(example)


def test_input_hash_follows_the_options_and_reuses_a_digest(example: Scenario) -> None:
    base = input_hash(example, SourcingOptions())
    assert input_hash(example, SourcingOptions(), scenario_digest(example)) == base
    assert input_hash(example, SourcingOptions(withdraw=("NZL",))) != base
    assert len(base) == 64 and int(base, 16) >= 0


def test_shuffled_records_give_the_same_plan_input_hash(example: Scenario) -> None:
    from forcegen.sourcing import Sourcer

    rng = random.Random(7)
    shuffled = {}
    for section in SECTIONS:
        records = list(getattr(example.data, section))
        rng.shuffle(records)
        shuffled[section] = records
    other = _with(example, **shuffled)
    base, again = Sourcer(example).solve(), Sourcer(other).solve()
    assert again.input_hash == base.input_hash == input_hash(example, SourcingOptions())
