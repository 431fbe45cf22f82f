"""Scenario files: read, validate, write (``docs/scenario.md`` is the contract)."""

from forcegen.scenario._scenario import Scenario
from forcegen.scenario.catalog import builtin_catalog
from forcegen.scenario.reader import (
    load_scenario,
    load_scenario_bytes,
    scenario_from_dict,
    scenario_from_models,
)
from forcegen.scenario.writer import (
    scenario_to_bytes,
    scenario_to_dict,
    write_scenario,
    write_workbook,
)

__all__ = [
    "Scenario",
    "builtin_catalog",
    "load_scenario",
    "load_scenario_bytes",
    "scenario_from_dict",
    "scenario_from_models",
    "scenario_to_bytes",
    "scenario_to_dict",
    "write_scenario",
    "write_workbook",
]
