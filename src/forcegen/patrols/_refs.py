"""Reference checks of a patrol file: unique ids, what-if names, vessels that can sail."""

from __future__ import annotations

from collections.abc import Callable

from forcegen.patrols.models import PatrolData, Port, Vessel

__all__ = ["Bad", "check_ids", "check_what_ifs", "sailing"]

#: Reports a problem on a field of the patrol file.
Bad = Callable[[str, str], None]


def check_ids(pd: PatrolData, bad: Bad) -> None:
    """No two ports, areas or vessels share an id."""
    for kind, ids in (("port", [x.id for x in pd.ports]), ("area", [x.id for x in pd.areas]),
                      ("vessel", [x.id for x in pd.vessels])):
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                bad(f"{kind}s.{i}.id", f"duplicate {kind} id {ident!r}")
            seen.add(ident)


def check_what_ifs(pd: PatrolData, ports: dict[str, Port], withdraw: tuple[str, ...],
                    close_ports: tuple[str, ...]) -> None:
    """The vessels withdrawn and the ports closed exist (an option error names the argument)."""
    from forcegen.exceptions import OptionError

    vessel_ids = {v.id for v in pd.vessels}
    for w in withdraw:
        if w not in vessel_ids:
            raise OptionError(f"{{withdraw_vessel}}: unknown vessel {w!r}; the file has "
                              f"{', '.join(sorted(vessel_ids))}", "withdraw_vessel")
    for c in close_ports:
        used = {x for v in pd.vessels for x in (v.start, v.end) if isinstance(x, str)}
        if c not in ports and c not in used:
            raise OptionError(f"{{close_port}}: unknown port {c!r}; the file has "
                              f"{', '.join(sorted(set(ports) | used))}", "close_port")


def sailing(pd: PatrolData, known: tuple[set[str], set[str]], withdraw: tuple[str, ...],
             close_ports: tuple[str, ...], bad: Bad, notes: list[str]) -> list[Vessel]:
    """The vessels that sail (not withdrawn, ports open); their ports and zones checked.

    ``known``: the ids a vessel may start or end at, and the areas' zones.
    """
    places, zones = known
    vessels: list[Vessel] = []
    for i, v in enumerate(pd.vessels):
        for end in ("start", "end"):
            ref = getattr(v, end)
            if isinstance(ref, str) and ref not in places:
                bad(f"vessels.{i}.{end}", f"unknown port {ref!r}; expected a port id, a point "
                    "of the legs table or [lon, lat]")
        for z in v.zones or []:
            if z not in zones:
                bad(f"vessels.{i}.zones", f"caveat names unknown zone {z!r}; the areas' zones "
                    f"are {', '.join(sorted(zones)) or 'none'}")
        if v.id in withdraw:
            notes.append(f"vessel {v.id} withdrawn")
        elif v.start in close_ports or v.end in close_ports:
            notes.append(f"vessel {v.id} cannot sail: port "
                         f"{v.start if v.start in close_ports else v.end} is closed")
        else:
            vessels.append(v)
    return vessels
