"""A workspace scenario with deployment sections, and finished deployment runs for the tests."""

from __future__ import annotations

from typing import Any

from .sample import sample_scenario

__all__ = ["add_deployment_run", "deployment_doc", "deployment_scenario"]

#: Unit line -> nation: FRA's lines and the others', so that scoping shows.
LINES = {
    "ULN-FRA-1": "FRA",
    "ULN-DEU-1": "DEU",
    "ULN-FRA-2": "FRA",
    "ULN-POL-1": "POL",
    "ULN-DEU-2": "DEU",
}


def deployment_scenario() -> dict[str, Any]:
    """The sample scenario with illustrative lift, ports and five explicit unit lines."""
    data = sample_scenario()
    data.update(
        {
            "c_day": "2027-03-01",
            "lift": [
                {"id": "C17", "mode": "air", "capacity": 4},
                {"id": "RORO", "mode": "sea", "capacity": 1},
            ],
            "ports": [
                {"id": "rzeszow", "kind": "airport", "at": [22.02, 50.11], "throughput": 5},
                {"id": "constanta", "kind": "seaport", "at": [28.65, 44.17]},
            ],
            "movements": [
                {
                    "id": "ULN-FRA-1",
                    "nation": "FRA",
                    "sector": "north",
                    "pod": "rzeszow",
                    "days": 1,
                    "lift": {"C17": 3},
                },
                {
                    "id": "ULN-DEU-1",
                    "nation": "DEU",
                    "sector": "south",
                    "pod": "constanta",
                    "days": 6,
                    "lift": {"RORO": 1},
                    "after": ["ULN-FRA-1"],
                    "required": 8,
                },
                {
                    "id": "ULN-FRA-2",
                    "nation": "FRA",
                    "sector": "south",
                    "pod": "constanta",
                    "days": 4,
                    "lift": {"RORO": 1},
                    "required": 5,
                },
                {
                    "id": "ULN-POL-1",
                    "nation": "POL",
                    "sector": "north",
                    "pod": "rzeszow",
                    "days": 1,
                    "lift": {"C17": 3},
                    "required": 1,
                },
                {
                    "id": "ULN-DEU-2",
                    "nation": "DEU",
                    "sector": "north",
                    "days": 2,
                    "lift": {"C17": 1},
                    "after": ["ULN-POL-1"],
                },
            ],
        }
    )
    return data


def deployment_doc() -> dict[str, Any]:
    """The stored plan document of :func:`deployment_scenario` (planned by the core)."""
    from forcegen.scenario import scenario_from_dict
    from forcegen.workspace.runs.deploy_options import DeployOptions
    from forcegen.workspace.runs.deploy_service import _plan

    return _plan(scenario_from_dict(deployment_scenario()), DeployOptions(), 10.0)


def add_deployment_run(
    factory: Any,
    doc: dict[str, Any] | None = None,
    *,
    level: int = 0,
    rel: str | None = None,
    state: str = "done",
) -> int:
    """A deployment run row with ``doc`` as its result, labelled ``(level, rel)``."""
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.runs.deploy_models import DeploymentRun

    from .conftest import stored_label

    with session_scope(factory) as db:
        run = DeploymentRun(
            state=state, started_by="admin", result=doc, **stored_label(level, rel, None)
        )
        db.add(run)
        db.flush()
        return int(run.id)
