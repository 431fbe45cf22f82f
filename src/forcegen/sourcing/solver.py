"""Source the force: lexicographic MILP on HiGHS, greedy warm start, what-if re-solves.

``Sourcer`` compiles a scenario once and keeps the HiGHS model between calls, so a what-if
("if this nation withdraws", "if provisional pledges are approved") only changes bounds and
re-runs the solver from the last solution.

Same data, same plan: the compiled index spaces are in id order (never file order), and among the
plans with the best fill at every priority and the lowest cost, a last "tie-break" stage picks
the one minimizing units x ``tie_weights`` (lower line ids filled first, then lower pledge ids
used; a hash of the two ids separates pure swaps). The earlier stages stay fixed as rows, so the
tie-break cannot change a fill or the cost. It runs up to ``TIE_PAIR_LIMIT`` candidate pairs.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from functools import cache
from importlib.metadata import version

import numpy as np
from numpy.typing import NDArray

from forcegen._highs import new_highs
from forcegen.scenario import Scenario
from forcegen.sourcing._compile import Compiled, compile_scenario
from forcegen.sourcing._flow import FLOW_PAIR_MIN, lex_max_flow
from forcegen.sourcing._lexmodel import (
    LexModel,
    LexResult,
    StageResult,
    cost_unit,
    proven_value,
    whole_bound,
)
from forcegen.sourcing.digest import input_hash, scenario_digest
from forcegen.sourcing.greedy import greedy_units
from forcegen.sourcing.options import SourcingOptions
from forcegen.sourcing.plan import TIE_BREAK, Assignment, LineFill, NationBurden, Plan
from forcegen.sourcing.progress import Progress, ProgressTracker, Stage
from forcegen.sourcing.reasons import explain_shortfalls

__all__ = ["Sourcer", "solve"]

FloatArray = NDArray[np.float64]

#: Above this many candidate pairs ``auto`` switches from the plain MILP to the LP-based method.
EXACT_PAIR_LIMIT = 400_000

#: Up to this many candidate pairs every proven plan gets the tie-break stage (see the module
#: docstring); above, the plan is still a function of the data (the model is built in id order)
#: but a tie between equally good plans is settled by the solver's path, not by the rule.
#: 20,000 keeps it well below a second; at 48,000 pairs (1,000 lines, 80 pledges per capability)
#: the stage's MILP took 3.9 s where every stage before it took 0.3 s.
TIE_PAIR_LIMIT = 20_000


def _id_hash(ids: list[str]) -> NDArray[np.uint64]:
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(i.encode(), digest_size=8).digest(), "little")
         for i in ids), np.uint64, len(ids))


def tie_weights(pledge_ids: list[str], line_ids: list[str], e_p: NDArray[np.int64],
                e_r: NDArray[np.int64]) -> FloatArray:
    """Give the tie-break weight of each (pledge, line) pair, from the ids alone.

    Never from their order:

        w = 64 * ((P + 1) * rank(line) + rank(pledge)) + h(pledge, line)

    with ranks counted from 0 in sorted id order, P the number of pledges, and h in 0..63 the
    top six bits of a BLAKE2b hash of the two ids mixed by splitmix64. Minimizing the units
    times w fills lines with lower ids first, then uses pledges with lower ids; h breaks the
    ties left by pure swaps (a pledge part plus a line part would give swapped plans equal
    weight).
    """
    rank_p = np.empty(len(pledge_ids), np.int64)
    rank_p[np.argsort(np.array(pledge_ids, dtype=object), kind="stable")] = np.arange(
        len(pledge_ids))
    rank_r = np.empty(len(line_ids), np.int64)
    rank_r[np.argsort(np.array(line_ids, dtype=object), kind="stable")] = np.arange(
        len(line_ids))
    with np.errstate(over="ignore"):
        z = _id_hash(pledge_ids)[e_p] ^ (_id_hash(line_ids)[e_r] * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    h = (z >> np.uint64(58)).astype(np.float64)
    base = (len(pledge_ids) + 1) * rank_r[e_r].astype(np.float64) + rank_p[e_p]
    return 64.0 * base + h


def _distinct(values: NDArray[np.int64]) -> list[int]:
    """Sorted distinct values (``np.unique`` imports numpy.ma: 0.05 s of every command)."""
    return sorted(set(values.tolist()))


@cache
def solver_version() -> str:
    """``"HiGHS 1.x.y (highspy 1.x.y)"``, read once: it needs a HiGHS instance."""
    return f"HiGHS {new_highs().version()} (highspy {version('highspy')})"


class Sourcer:
    """Compile once, solve many times.

    Examples
    --------
    >>> from forcegen.scenario import load_scenario
    >>> s = Sourcer(load_scenario("examples/reassurance-force"))  # doctest: +SKIP
    >>> base = s.solve()  # doctest: +SKIP
    >>> without = s.solve(SourcingOptions(withdraw=("NZL",)))  # doctest: +SKIP
    """

    def __init__(self, scenario: Scenario, *, progress: Progress | None = None) -> None:
        self.scenario = scenario
        self._progress = ProgressTracker(progress)
        self._progress.emit(Stage.COMPILE)
        t0 = time.perf_counter()
        self.comp: Compiled = compile_scenario(scenario)
        self.compile_seconds = time.perf_counter() - t0
        # Model columns: pairs that pass the notice rule; every what-if toggles bounds only.
        self._cols = np.flatnonzero(self.comp.e_notice_ok)
        self._model: LexModel | None = None
        self._scenario_digest: str | None = None
        self._digest_thread: threading.Thread | None = None
        self._last_x: FloatArray | None = None
        self._tie: FloatArray | None = None

    # ------------------------------------------------------------------ helpers
    def _model_for(self, cols: NDArray[np.int64], integer: bool) -> LexModel:
        c = self.comp
        return LexModel(
            c.e_p[cols], c.e_r[cols], c.p_pers, c.p_nation,
            c.p_qty.size, c.r_qty.size, len(c.nations), integer=integer,
        )

    def _levels(self, cols: NDArray[np.int64], upper: FloatArray) -> list[tuple[str, FloatArray]]:
        """One (name, line mask) per priority that any usable pair can serve, most urgent first."""
        prio = self.comp.r_prio
        served = np.zeros(prio.size, bool)
        served[self.comp.e_r[cols[upper > 0]]] = True
        live = _distinct(prio[served])
        return [(f"priority {int(k)}", (prio == k).astype(np.float64)) for k in live]

    # ------------------------------------------------------------------ methods
    def _exact(self, options: SourcingOptions, upper: FloatArray, ceilings: FloatArray,
               warm: FloatArray, proven: int = 0, time_limit: float | None = None,
               tie: bool = False, tie_vec: FloatArray | None = None,
               stage: Stage = Stage.MILP) -> LexResult:
        if self._model is None:
            self._model = self._model_for(self._cols, integer=True)
        cols = self._cols
        start = warm
        if self._last_x is not None and not proven:
            # The last plan, cut to today's bounds, stays feasible (every row is a packing
            # row): start from whichever known plan is better in the lexicographic order.
            prev = np.minimum(self._last_x, upper)
            start = prev if self._lex_key(prev) > self._lex_key(warm) else warm
        start = start[cols]
        self._progress.emit(stage, f"{cols.size:,} pairs")
        c = self.comp
        return self._model.solve(
            upper[cols], c.p_qty, c.r_qty, ceilings, self._levels(cols, upper[cols]),
            c.p_cost[c.e_p[cols]], time_limit=time_limit,
            mip_gap=options.mip_gap, warm=start, proven=proven,
            tie=tie_vec[cols] if tie_vec is not None else (
                self._tie_weights()[cols] if tie else None),
        )

    def _tie_weights(self) -> FloatArray:
        if self._tie is None:
            c = self.comp
            self._tie = tie_weights(c.pledge_ids, c.line_ids, c.e_p, c.e_r)
        return self._tie

    def _decompose(self, options: SourcingOptions, upper: FloatArray,
                   ceilings: FloatArray, g: FloatArray) -> LexResult:
        """Solve the LP relaxation, then an exact MILP on its fractional remainder.

        The LP is nearly integral (transportation rows plus a few ceiling rows); the MILP runs
        with the rest fixed at its rounded-down value.

        ``g`` is the greedy plan: the leading priority levels it fills completely are proven
        by it and get no LP stage.
        """
        c = self.comp
        t0 = time.perf_counter()
        # The LP is rebuilt over the usable pairs only: building it from the compiled arrays
        # takes ~0.05 s, and simplex then prices fewer columns. Keeping one LP over every
        # what-if column and changing bounds was slower (1.4-2.3 s vs 1.1-1.6 s per what-if
        # at 1,000 lines), and starting from the old basis far slower (36 s vs 1.3 s).
        cols = np.flatnonzero(upper > 0)
        lp = self._model_for(cols, integer=False)
        self._progress.emit(Stage.RELAX, f"{int(np.count_nonzero(upper[cols])):,} pairs")
        cost = c.p_cost[c.e_p[cols]]
        levels = self._levels(cols, upper[cols])
        # A level the greedy plan fills completely (with every level before it) needs no LP
        # stage: its fill is proven at its whole need. Dense pools fill every level, and the
        # first stage, solved from scratch, is the slowest (ppc400: 4 LP fill stages skipped).
        full = self._proven_levels(g, [float(mask @ c.r_qty) for _, mask in levels], levels)
        if full < len(levels) and cols.size >= FLOW_PAIR_MIN:
            # Tighter bounds than the whole need: a lexicographic maximum flow without the
            # ceilings. Its plan, when it keeps them, reaches every bound: no LP fill stage.
            flow = lex_max_flow(c, upper, [mask for _, mask in levels])
            if flow is not None:
                if flow.keeps_ceilings(c, ceilings):
                    g = flow.x
                full = self._proven_levels(g, flow.bounds, levels)
        lp_res = lp.solve(upper[cols], c.p_qty, c.r_qty, ceilings, levels, cost,
                          time_limit=options.time_limit, warm=g[cols], proven=full)
        x_cols = np.floor(lp_res.x + 1e-7)
        frac = lp_res.x - x_cols > 1e-7
        # Release every pair that shares a pledge or a line with a fractional pair: the MILP on
        # that neighbourhood can move units between lines, not only round them.
        touched_p = np.zeros(c.p_qty.size, bool)
        touched_r = np.zeros(c.r_qty.size, bool)
        touched_p[c.e_p[cols[frac]]] = True
        touched_r[c.e_r[cols[frac]]] = True
        free = (touched_p[c.e_p[cols]] | touched_r[c.e_r[cols]]) & (upper[cols] > 0)
        self._progress.emit(Stage.ROUND, f"{int(frac.sum())} fractional pairs, "
                            f"{int(free.sum())} re-optimized exactly")
        x_cols[free] = 0.0
        used_p = np.bincount(c.e_p[cols], weights=x_cols, minlength=c.p_qty.size)
        used_r = np.bincount(c.e_r[cols], weights=x_cols, minlength=c.r_qty.size)
        used_n = np.bincount(c.p_nation, weights=used_p * c.p_pers, minlength=len(c.nations))
        remaining = None if options.time_limit is None else max(
            0.5, options.time_limit - (time.perf_counter() - t0))
        if free.any():
            sub = np.flatnonzero(free)
            res_model = self._model_for(cols[sub], integer=True)
            warm = np.floor(lp_res.x[sub] + 1e-7)
            res = res_model.solve(
                upper[cols[sub]], np.maximum(c.p_qty - used_p, 0),
                np.maximum(c.r_qty - used_r, 0), np.maximum(ceilings - used_n, 0), levels,
                cost[sub], time_limit=remaining, mip_gap=options.mip_gap, warm=warm,
            )
            x_cols[sub] = res.x
        stages = []
        filled = np.bincount(c.e_r[cols], weights=x_cols, minlength=c.r_qty.size)
        # An LP stage's bound holds only while every earlier stage's whole-unit value equals
        # the whole-unit bound that the LP fixed for the later stages.
        valid = True
        for st, (_, mask) in zip(lp_res.stages, [*levels, ("cost", cost)], strict=True):
            is_fill = st.sense == "max"
            value = float(mask @ (filled if is_fill else x_cols))
            if valid and st.status != "not-run":
                bound = float(np.floor(st.bound + 1e-6)) if is_fill else whole_bound(
                    st.bound, cost_unit(cost), value)
            else:
                bound = float(mask @ c.r_qty) if is_fill else 0.0
            # Both bounds are valid here: the LP's while every earlier stage is exact, the
            # level's whole need (or a zero cost) always.
            exact = proven_value(
                st.sense, value, bound, mip_gap=0.0 if is_fill else options.mip_gap,
                unit=1.0 if is_fill else cost_unit(cost))
            stages.append(StageResult(st.name, st.sense, value, bound,
                                      "optimal" if exact else "feasible", st.seconds))
            # The LP fixed each level at floor(LP value); a plan that reaches it keeps the
            # later bounds valid.
            valid = valid and is_fill and exact
        if (all(st.status == "optimal" for st in stages[:-1]) and stages[-1].gap > options.mip_gap
                and lp.last_reduced_costs is not None and not lp_res.time_limit_hit):
            x_cols, stages[-1] = self._close_cost_gap(
                options, cols, upper, ceilings, levels, cost, lp.last_reduced_costs,
                lp_res.x, x_cols, stages[-1], t0,
            )
        x = np.zeros(c.n_pairs)
        x[cols] = x_cols
        return LexResult(x, stages,
                         time.perf_counter() - t0, lp_res.time_limit_hit)

    def _proven_levels(self, x: FloatArray, bounds: list[float],
                       levels: list[tuple[str, FloatArray]]) -> int:
        """How many leading levels plan ``x`` fills up to their bound (so proven optimal).

        A level's bound must hold while the levels before it keep the fills ``x`` gives them
        (the whole need does; so does a bound of :func:`lex_max_flow` once those reach theirs).
        """
        filled = np.bincount(self.comp.e_r, weights=x, minlength=self.comp.r_qty.size)
        full = 0
        for bound, (_, mask) in zip(bounds, levels, strict=True):
            if mask @ filled < bound - 1e-6:
                break
            full += 1
        return full

    def _close_cost_gap(
        self, options: SourcingOptions, cols: NDArray[np.int64], upper: FloatArray,
        ceilings: FloatArray, levels: list[tuple[str, FloatArray]], cost: FloatArray,
        reduced: FloatArray, x_lp: FloatArray, x_cols: FloatArray, stage: StageResult,
        t0: float,
    ) -> tuple[FloatArray, StageResult]:
        """Exact cost stage on the pairs that reduced costs cannot rule out.

        With the fills proven, any plan costs at least the LP bound plus the reduced cost of
        every pair it uses that the LP left at zero; a pair whose reduced cost exceeds the gap
        (plan cost - bound) is therefore unused in every better plan, so fixing it at zero keeps
        the optimum (reduced-cost fixing). The MILP left is small and its answer exact.
        """
        c = self.comp
        live = upper[cols] > 0
        keep = ((reduced <= (stage.value - stage.bound) * (1 + 1e-9) + 1e-6) | (x_lp > 1e-9)) & live
        if keep.sum() > min(EXACT_PAIR_LIMIT // 4, live.sum() // 2):
            # A degenerate LP leaves most reduced costs at zero: fixing would not shrink the
            # model enough to beat the full MILP, which the caller runs instead.
            return x_cols, stage
        self._progress.emit(Stage.COST, f"MILP on {int(keep.sum()):,} pairs")
        sub = np.flatnonzero(keep)
        model = self._model_for(cols[sub], integer=True)
        left = None if options.time_limit is None else max(
            0.1, options.time_limit - (time.perf_counter() - t0))
        res = model.solve(
            upper[cols[sub]], c.p_qty, c.r_qty, ceilings, levels, cost[sub],
            time_limit=left, mip_gap=options.mip_gap, warm=x_cols[sub], proven=len(levels),
        )
        last = res.stages[-1]
        bound = max(stage.bound, last.bound)
        if last.value <= stage.value:
            x_cols = np.zeros_like(x_cols)
            x_cols[sub] = res.x
            stage = StageResult(stage.name, stage.sense, last.value, bound, last.status)
        else:  # time ran out before anything better: keep ours
            stage = StageResult(stage.name, stage.sense, stage.value, bound, "feasible")
        return x_cols, stage

    def _start_digest(self) -> None:
        """Hash the scenario in a thread while HiGHS solves (it releases the GIL).

        That is 0.5 s of a 10,000-line run that a second core hides. The result is the same as
        in line.
        """
        if self._scenario_digest is not None or self._digest_thread is not None:
            return

        def work() -> None:
            # An exception leaves the digest unset; _digest then computes it again in line,
            # where the error surfaces as it would have.
            with contextlib.suppress(Exception):
                self._scenario_digest = scenario_digest(self.scenario)

        self._digest_thread = threading.Thread(target=work, name="forcegen-digest", daemon=True)
        self._digest_thread.start()

    def _digest(self) -> str:
        # The scenario does not change between what-ifs: hash it once.
        if self._digest_thread is not None:
            self._digest_thread.join()
            self._digest_thread = None
        if self._scenario_digest is None:
            self._scenario_digest = scenario_digest(self.scenario)
        return self._scenario_digest

    def _may_fill_more(self, upper: FloatArray, x: FloatArray) -> bool:
        """Tell whether plan ``x`` leaves short a level that the offers could fill.

        That is: the first level it does not fill completely, if any, has usable units enough
        for each of its lines (pledges shared between lines and ceilings aside).
        """
        c = self.comp
        live = upper > 0
        offered = np.bincount(c.e_r[live], weights=c.p_qty[c.e_p[live]], minlength=c.r_qty.size)
        filled = np.bincount(c.e_r, weights=x, minlength=c.r_qty.size)
        for k in _distinct(c.r_prio):
            level = c.r_prio == k
            need = float(c.r_qty[level].sum())
            if float(filled[level].sum()) < need - 1e-6:
                return float(np.minimum(c.r_qty[level], offered[level]).sum()) >= need - 1e-6
        return False

    def _lex_key(self, x: FloatArray) -> tuple[float, ...]:
        """(fill at priority 1, 2, ..., -cost): larger is better."""
        c = self.comp
        filled = np.bincount(c.e_r, weights=x, minlength=c.r_qty.size)
        levels = _distinct(c.r_prio)
        fills = tuple(float(filled[c.r_prio == k].sum()) for k in levels)
        return (*fills, -float(x @ c.p_cost[c.e_p]))

    # ------------------------------------------------------------------ public
    def line_supply(self, options: SourcingOptions, line_id: str) -> float:
        """Units the usable pledges could give ``line_id`` if every other line were empty.

        Pledges usable under ``options``, pledge quantity and line need only: an upper bound
        on the line's fill.
        """
        c = self.comp
        on_line = c.e_r == c.line_ids.index(line_id)
        return float(np.minimum(c.pair_upper(options)[on_line], c.p_qty[c.e_p[on_line]]).sum())

    def best_line_fill(self, options: SourcingOptions, plan: Plan,
                       line_id: str) -> int | None:
        """Most units ``line_id`` can get in any plan as good as ``plan``, or ``None``.

        As good: same fill at every priority, cost no higher. ``None`` when that is not proven.

        ``plan`` must be the last plan this Sourcer solved, with ``options``, and proven. One
        more MILP stage on the fixed fills and cost minimizes the units on every other line
        (the total fill is fixed, so that maximizes this line's units).
        """
        c = self.comp
        if (plan.status != "optimal" or self._last_x is None or line_id not in c.line_ids
                or self._cols.size > TIE_PAIR_LIMIT):  # too large to check line by line
            return None
        stages = [s for s in plan.stages if s["name"] != TIE_BREAK]
        r = c.line_ids.index(line_id)
        upper = c.pair_upper(options)
        on_line = c.e_r == r
        others = (~on_line).astype(np.float64)
        x = self._last_x
        res = self._exact(options, upper, c.ceilings(options), x,
                          proven=len(stages), time_limit=options.time_limit, tie_vec=others)
        if res.tie is None or res.tie.status != "optimal":
            return None
        return round(float(x.sum()) - res.tie.value)

    def solve(self, options: SourcingOptions | None = None) -> Plan:
        """Source the force under ``options`` (what-ifs included) and explain every shortfall."""
        options = options or SourcingOptions()
        c = self.comp
        self._progress.reset()  # each solve (a what-if too) is reported from its start
        t0 = time.perf_counter()
        upper = c.pair_upper(options)
        ceilings = c.ceilings(options)
        t_greedy = 0.0

        def greedy() -> FloatArray:
            # The greedy method itself and the exact method's warm start (the LP route
            # computes it up front, below).
            nonlocal t_greedy
            self._progress.emit(Stage.GREEDY)
            tg = time.perf_counter()
            out = greedy_units(c, upper, ceilings)
            t_greedy = time.perf_counter() - tg
            return out

        method = options.method
        stages: list[StageResult] = []
        if method in ("auto", "decompose"):
            # Proves the levels it fills (see _decompose), and is the fallback when the LP runs
            # out of time. Part of the LP route, so not reported as a stage of its own.
            tg = time.perf_counter()
            warm = greedy_units(c, upper, ceilings)
            if self._may_fill_more(upper, warm):
                # A level the greedy plan leaves short might still fill completely: the
                # greedy plan that spends the least flexible pledges first often fills it
                # (a withdrawal at 400 pledges per capability), and a full level needs no LP
                # stage. Both plans come from the data alone, so the plan still does too.
                alt = greedy_units(c, upper, ceilings, flexible_last=True)
                if self._lex_key(alt) > self._lex_key(warm):
                    warm = alt
            t_greedy = time.perf_counter() - tg
            self._start_digest()
            res = self._decompose(options, upper, ceilings, warm)
            x, stages = res.x, res.stages
            method = "decompose"
            if res.time_limit_hit and self._lex_key(warm) > self._lex_key(x):
                x = warm
        else:
            x = greedy()
        open_stage = next((i for i, s in enumerate(stages) if s.status != "optimal"), None)
        small = self._cols.size <= EXACT_PAIR_LIMIT
        tie_ok = self._cols.size <= TIE_PAIR_LIMIT
        tie_stage: StageResult | None = None
        if method == "exact" or (options.method == "auto" and open_stage is not None and small):
            # Close the remaining gap with the full MILP, keeping the stages already proven
            # and starting from the best plan known.
            left = None if options.time_limit is None else max(
                0.1, options.time_limit - (time.perf_counter() - t0))
            proven = open_stage if open_stage is not None and method != "exact" else 0
            res = self._exact(options, upper, ceilings, x, proven=proven, time_limit=left,
                              tie=tie_ok)
            x = np.zeros(c.n_pairs)
            x[self._cols] = res.x
            stages, tie_stage = res.stages, res.tie
            method = "exact" if not proven else "decompose+exact"
        elif tie_ok and stages and open_stage is None:
            # Every stage proven by the LP route: only the tie-break is left to run, on the
            # MILP with every fill and the cost fixed at the values found.
            left = None if options.time_limit is None else max(
                0.1, options.time_limit - (time.perf_counter() - t0))
            res = self._exact(options, upper, ceilings, x, proven=len(stages), time_limit=left,
                              tie=True, stage=Stage.TIE_BREAK)
            x = np.zeros(c.n_pairs)
            x[self._cols] = res.x
            tie_stage = res.tie
        x = np.round(x)
        self._last_x = x
        t_solve = time.perf_counter() - t0
        # "optimal" only when every stage is proven (see ``proven_value``): HiGHS's own status
        # is never taken on trust.
        status = "optimal" if stages and all(s.status == "optimal" for s in stages) else "feasible"
        self._progress.emit(Stage.EXPLAIN)
        plan = self._plan(options, x, stages, status, method, tie_stage)
        plan.seconds = {
            "compile": round(self.compile_seconds, 4),
            "greedy": round(t_greedy, 4),
            "solve": round(t_solve, 4),
            "total": round(time.perf_counter() - t0, 4),
        }
        self._progress.emit(Stage.DONE, status)
        return plan

    def _plan(self, options: SourcingOptions, x: FloatArray, stages: list[StageResult],
              status: str, method: str, tie: StageResult | None = None) -> Plan:
        c, sc = self.comp, self.scenario
        used = np.flatnonzero(x > 0)
        # Columns as Python lists first, not numpy scalars fetched one element at a time
        # (a 10,000-line plan has about 20,000 assignments).
        u_p, units = c.e_p[used], x[used]
        assignments = [
            Assignment(pledge=c.pledge_ids[p], requirement=c.line_ids[r], units=int(k),
                       nation=c.nations[n], personnel=int(pers), cost=float(cost))
            for p, r, k, n, pers, cost in zip(
                u_p.tolist(), c.e_r[used].tolist(), units.tolist(),
                c.p_nation[u_p].tolist(), (units * c.p_pers[u_p]).tolist(),
                (units * c.p_cost[u_p]).tolist(), strict=True)
        ]
        filled = np.bincount(c.e_r, weights=x, minlength=c.r_qty.size)
        # In id order, as compiled (the plan does not depend on the order of the input rows).
        lines = [
            LineFill(r.id, r.capability, sc.catalog[r.capability].category, r.sector,
                     r.priority, r.quantity, int(filled[i]))
            for i, r in enumerate(sorted(sc.requirements, key=lambda r: r.id))
        ]
        fill_by_priority: dict[int, int] = {}
        for line in lines:
            fill_by_priority[line.priority] = fill_by_priority.get(line.priority, 0) + line.filled
        burden_units = np.bincount(c.p_nation[c.e_p], weights=x, minlength=len(c.nations))
        burden_pers = np.bincount(c.p_nation[c.e_p], weights=x * c.p_pers[c.e_p],
                                  minlength=len(c.nations))
        burden_cost = np.bincount(c.p_nation[c.e_p], weights=x * c.p_cost[c.e_p],
                                  minlength=len(c.nations))
        total_pers = float(burden_pers.sum()) or 1.0
        burden = [
            NationBurden(n, int(burden_units[i]), int(burden_pers[i]), float(burden_cost[i]),
                         float(burden_pers[i] / total_pers))
            for i, n in enumerate(c.nations)
            if burden_units[i] > 0
        ]
        burden.sort(key=lambda b: (-b.personnel, b.nation))
        gap = next((s.gap for s in stages if s.gap > 0), 0.0) if stages else 1.0
        shortfalls = explain_shortfalls(c, options, x, proven=status == "optimal")
        return Plan(
            scenario=sc.name, input_hash=input_hash(sc, options, self._digest()), status=status,
            method=method,
            fill=int(filled.sum()), fill_by_priority=fill_by_priority,
            cost=float(np.dot(x, c.p_cost[c.e_p])), currency=sc.data.currency, gap=float(gap),
            stages=[
                {"name": s.name, "sense": s.sense, "value": s.value,
                 "bound": s.bound if np.isfinite(s.bound) else None,
                 "status": s.status, "gap": s.gap, "seconds": round(s.seconds, 4)}
                # The tie-break stage is listed last; it picks among equally good plans and
                # is no part of the status or the gap.
                for s in ([*stages, tie] if tie is not None else stages)
            ],
            assignments=assignments, shortfalls=shortfalls, lines=lines, burden=burden,
            options=options.describe(), seconds={},
            solver=solver_version(),
        )


def solve(scenario: Scenario, options: SourcingOptions | None = None, *,
          progress: Progress | None = None) -> Plan:
    """One-shot :class:`Sourcer` solve (see there)."""
    return Sourcer(scenario, progress=progress).solve(options)
