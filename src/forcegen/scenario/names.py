"""Names beside ids: what a report shows next to ``INF-MECH-BN`` or ``FRA``."""

from __future__ import annotations

from forcegen.scenario._scenario import Scenario

__all__ = ["scenario_names"]


def scenario_names(scenario: Scenario) -> dict[str, str]:
    """Ids of requirements, pledges, nations and sectors mapped to their names (where given).

    Nation codes without a name in the scenario get the ISO 3166 short name.
    """
    import pycountry

    out: dict[str, str] = {}
    for n in scenario.data.nations:
        country = None if n.name else pycountry.countries.get(alpha_3=n.code)
        name = n.name or (getattr(country, "common_name", None) or getattr(country, "name", ""))
        if name:
            out[n.code] = name
    for group in (scenario.data.sectors, scenario.data.requirements, scenario.data.pledges):
        for item in group:
            if item.name:
                out[item.id] = item.name
    return out
