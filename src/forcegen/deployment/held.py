"""A deployment from a scenario held in memory (a workspace's), not read from a file.

The sections are the scenario's own ``c_day``, ``lift``, ``ports``, ``movements`` and
``enablers`` (:class:`forcegen.scenario.models.ScenarioData` keeps them as given); they are
checked exactly as :func:`forcegen.deployment.load_deployment` checks a file's, each problem
naming the section and the record's position in it (``<workspace>[movements]:3``).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from forcegen.deployment.model import Deployment, _parse_sections, _WhatIfs, assemble
from forcegen.exceptions import Problem
from forcegen.scenario._sources import Origin, read_csv_table

if TYPE_CHECKING:
    from pathlib import Path

    from forcegen.scenario import Scenario

__all__ = ["SECTION_KEYS", "deployment_from_scenario", "section_rows"]

#: The scenario keys a deployment is read from.
SECTION_KEYS = ("c_day", "lift", "ports", "movements", "enablers", "command")


def section_rows(
    scenario: Scenario, section: str, problems: list[Problem]
) -> list[tuple[dict[str, Any], Origin]]:
    """The records of one section (``lift``, ``ports``, ``movements``), each with its origin.

    A section named as a CSV table is read from the scenario's side tables (memory or file).
    """
    value = getattr(scenario.data, section)
    where = f"{scenario.source}[{section}]"
    if value is None:
        return []
    if isinstance(value, str):
        path: Path | None = None
        if scenario.table_text(value) is not None:
            path = scenario.path_of(value)
        if path is None:
            problems.append(Problem(where, f"table {value!r} not found", None, section))
            return []
        rows = [(rec, Origin(where, o.line)) for rec, o in read_csv_table(path)]
        for rec, _ in rows:
            for key in ("after", "sectors"):  # list cells separate items with ";"
                if isinstance(rec.get(key), str):
                    rec[key] = [t.strip() for t in rec[key].split(";") if t.strip()]
        return rows
    # Copies: validation must not change the scenario's own records.
    return [(copy.deepcopy(rec), Origin(where, i)) for i, rec in enumerate(value, start=1)]


def deployment_from_scenario(
    scenario: Scenario,
    *,
    withdraw: tuple[str, ...] = (),
    without: tuple[str, ...] = (),
    prepositioned: tuple[str, ...] = (),
) -> Deployment:
    """The deployment of ``scenario``: its sections checked, unit lines derived when absent.

    Parameters
    ----------
    scenario
        A scenario with deployment sections (``lift`` at least, or ``movements``).
    withdraw, without, prepositioned
        What-ifs, as for :func:`forcegen.deployment.load_deployment`.

    Returns
    -------
    Deployment
        Lift, ports and unit lines (derived from the scenario's sourced plan when it gives no
        ``movements``).

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found, each naming the section and the record's position.
    forcegen.exceptions.OptionError
        For an unknown nation, port or code in the what-ifs.
    """
    problems: list[Problem] = []
    given = {s: section_rows(scenario, s, problems)
             for s in ("lift", "ports", "movements", "command")}
    parsed = _parse_sections(lambda _key: (None, {}, {}), problems, given)  # type: ignore[arg-type,return-value]
    derived = scenario.data.movements is None
    return assemble(
        parsed,
        problems,
        _WhatIfs(withdraw, without, prepositioned),
        (scenario.source, scenario.data.c_day, derived),
        (scenario, Origin(scenario.source, None), None),
    )
