"""Input helpers of :mod:`forcegen.deployment.model`.

The optional ``deployment.yaml`` beside ``scenario.yaml``, the what-ifs applied while reading,
and cycles in ``after``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem
from forcegen.scenario._sources import Origin, read_yaml

__all__ = ["explicit_what_ifs", "find_cycle", "lose_ports", "side_file"]


#: Keys a ``deployment.yaml`` beside ``scenario.yaml`` may hold.
_SIDE_KEYS = ("c_day", "lift", "ports", "movements", "enablers", "command")


def side_file(file: Path, data: dict[str, Any], lines: dict[str, int],
               problems: list[Problem]) -> tuple[Path, dict[str, Any], dict[str, int]]:
    """The optional ``deployment.yaml`` beside ``scenario.yaml``.

    It holds the deployment sections apart from the force (so that the scenario exports and
    imports as before). A section may be in one file or the other, not both.
    """
    side = file.parent / "deployment.yaml"
    if not side.is_file() or side == file:
        return side, {}, {}
    extra, extra_lines = read_yaml(side)
    if extra is None:
        return side, {}, {}
    if not isinstance(extra, dict):
        problems.append(Problem(str(side), "expected a mapping (key: value) at the top", 1))
        return side, {}, {}
    for key in list(extra):
        if key not in _SIDE_KEYS:
            problems.append(Problem(str(side), f"unknown key {key!r}; expected one of: "
                                    f"{', '.join(_SIDE_KEYS)}", extra_lines.get(str(key)),
                                    str(key)))
            del extra[key]
        elif key in data:
            problems.append(Problem(str(side), f"{key!r} is given here and in {file.name} "
                                    f"(line {lines.get(key)}): keep one", extra_lines.get(key),
                                    key))
    tiers = extra.get("enablers")
    if tiers is not None and not (isinstance(tiers, dict) and all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            and 0 <= v <= 9 for k, v in tiers.items())):
        problems.append(Problem(str(side), "expected a mapping of capability code to a tier "
                                "0-9", extra_lines.get("enablers"), "enablers"))
        extra.pop("enablers")
    return side, extra, extra_lines


def lose_ports(parsed: dict[str, list[tuple[Any, Origin]]], without: tuple[str, ...]) -> None:
    from forcegen.exceptions import OptionError, one_of

    known = [p.id for p, _ in parsed["ports"]]
    for pid in without:
        if pid not in known:
            raise OptionError(f"{{without}} {pid}: unknown port; expected {one_of(known)}",
                              "without")
    parsed["ports"] = [(p, o) for p, o in parsed["ports"] if p.id not in without]


def explicit_what_ifs(parsed: dict[str, list[tuple[Any, Origin]]], withdraw: tuple[str, ...],
                       without: tuple[str, ...], prepositioned: tuple[str, ...]) -> None:
    """What-ifs on explicit movements.

    Lines through a lost port cannot be re-routed (refused, named); a withdrawn nation's lines
    are dropped, with the ``after`` references to them.
    """
    from forcegen.exceptions import OptionError

    if prepositioned:
        raise OptionError("{prepositioned}: only for unit lines derived from the sourced plan "
                          "(this scenario gives explicit movements)", "prepositioned")
    through = [m.id for m, _ in parsed["movements"] if {m.poe, m.pod} & set(without)]
    if through:
        raise OptionError(f"{{without}} {', '.join(without)}: explicit movements go through it "
                          f"and are not re-routed: {', '.join(through[:10])}", "without")
    gone = {m.id for m, _ in parsed["movements"] if m.nation in withdraw}
    if withdraw and not gone:
        raise OptionError(f"{{withdraw}} {', '.join(withdraw)}: no movement has that `nation`",
                          "withdraw")
    kept = [(m, o) for m, o in parsed["movements"] if m.id not in gone]
    for m, _ in kept:
        if set(m.after) & gone:
            m.after = [a for a in m.after if a not in gone]
    parsed["movements"] = kept


def find_cycle(after: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the ``after`` graph as ``[a, b, ..., a]``, or ``None`` (iterative DFS)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in after:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            nxt = after[node]
            if i < len(nxt):
                stack[-1] = (node, i + 1)
                child = nxt[i]
                if state.get(child) == 1:
                    return [*path[path.index(child):], child]
                if not state.get(child):
                    state[child] = 1
                    stack.append((child, 0))
                    path.append(child)
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return None
