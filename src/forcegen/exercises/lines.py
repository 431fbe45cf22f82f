"""The second objective: requirement lines whose certification is earned in time.

A line asking ``certified: [C, ...]`` with ``quantity`` q counts when at least q units of its
capability each hold every C in time: already (pledge ``x-certified``), or through a held
exercise certifying C that the unit takes part in and that ends by the line's start. Expressed
as CP-SAT literals on the scheduling model of :mod:`.cpsat` (one implication per unit,
certification and certifying exercise: lines are few, their units a small share).
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from forcegen.exercises.problem import ExerciseProblem

__all__ = ["line_literals"]


def _cert_literals(m: cp_model.CpModel, p: ExerciseProblem, v: dict[str, Any],
                   by_cert: dict[int, list[int]], k: int, u: int
                   ) -> list[cp_model.IntVar] | None:
    """Literals, one per certification of line ``k`` that unit ``u`` must still earn in time.

    None when some certification cannot be earned in time by any schedule; an empty list when
    the unit already holds them all.
    """
    part: dict[tuple[int, int], cp_model.IntVar] = v["part"]
    start = v["start"]
    _, last, certs, _ = p.lines[k]
    c_lits = []
    for c in certs:
        if (u, c, k) in p.preheld:
            continue
        opts = []
        for e in by_cert.get(c, []):
            if (e, u) not in part or p.lo[e] + p.dur[e] > last:
                continue  # never in it, or it cannot end in time
            a = m.new_bool_var(f"c{k}_{u}_{c}_{e}")
            m.add_implication(a, part[(e, u)])
            m.add(start[e] + int(p.dur[e]) <= last).only_enforce_if(a)
            opts.append(a)
        if not opts:
            return None
        lit = m.new_bool_var(f"c{k}_{u}_{c}")
        m.add_bool_or(opts).only_enforce_if(lit)
        c_lits.append(lit)
    return c_lits


def line_literals(m: cp_model.CpModel, p: ExerciseProblem,
                  v: dict[str, Any]) -> list[cp_model.IntVar]:
    """One literal per line that can be certified in time, true only when it is."""
    by_cert: dict[int, list[int]] = {}
    for e, cs in enumerate(p.certifies):
        for c in cs:
            by_cert.setdefault(c, []).append(e)
    out = []
    for k, (q, _, _, units) in enumerate(p.lines):
        const, unit_ok = 0, []
        for u in units:
            c_lits = _cert_literals(m, p, v, by_cert, k, u)
            if c_lits is None:
                continue
            if not c_lits:
                const += 1
                continue
            ok = m.new_bool_var(f"ok{k}_{u}")
            for lit in c_lits:
                m.add_implication(ok, lit)
            unit_ok.append(ok)
        if const + len(unit_ok) < q:
            continue  # no schedule certifies this line in time
        line = m.new_bool_var(f"line{k}")
        m.add(sum(unit_ok) + const >= q).only_enforce_if(line)
        out.append(line)
    return out
