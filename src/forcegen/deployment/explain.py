"""Why the force closes on day N: the chain of movements and the lift or port that binds.

Walks back from the last arrival. A movement starts when it does for one of three reasons, tried
in this order: it waits for an ``after`` movement that arrives that day (precedence), it was
not available earlier, or on the day before it some lift type or port it needs had too little
left for it (the binding resource; the chain continues with the movement holding most of it
that day). In a plan that is not left-packed a movement may have none of these reasons
("could start earlier"), which ends the chain.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forcegen.deployment.problem import IntArray, Problem

__all__ = ["closure_by", "critical_chain", "late_reasons"]


def critical_chain(p: Problem, start: IntArray) -> list[dict[str, Any]]:
    """Links from the last arrival back to day 0 (or to an unexplained start), last first."""
    if p.n == 0:
        return []
    arrive = start + p.dur
    j = int(np.argmax(arrive))
    chain: list[dict[str, Any]] = []
    seen: set[int] = set()
    while j not in seen:
        seen.add(j)
        link: dict[str, Any] = {"id": p.ids[j], "start": int(start[j]), "arrive": int(arrive[j])}
        chain.append(link)
        s = int(start[j])
        blocking = [i for i in p.preds[j] if arrive[i] == s]
        if blocking:
            link["waits_for"] = p.ids[blocking[0]]
            j = blocking[0]
            continue
        if s == p.release[j]:
            link["reason"] = "available" if s > 0 else "starts on day 0"
            break
        day = s - 1
        running = np.flatnonzero((start <= day) & (day < arrive))
        for r in np.flatnonzero(p.demand[j]):
            used = int(p.demand[running, r].sum())
            if used + p.demand[j, r] > p.capacity[r]:
                link["binding"] = p.resources[r]
                link["day"] = day
                holder = int(running[np.argmax(p.demand[running, r])])
                link["behind"] = p.ids[holder]
                j = holder
                break
        else:
            link["reason"] = "could start earlier"
            break
    return chain


def late_reasons(p: Problem, start: IntArray) -> list[dict[str, Any]]:
    """Why each line arriving after its ``required`` day is late, and what would help.

    Its days late are split into ``parts``: ``distance`` (even leaving on its ready-to-load
    day it arrives late: ``available`` + ``days`` > ``required``), ``precedence`` (days its
    ``after`` lines kept it from starting) and ``lift`` / ``port`` / ``deferred`` (days between
    its earliest possible start and its planned start: on some day a lift type or port it
    needs had too little left, named with the lines holding it; or nothing stopped it and the
    plan delayed it to favour the closure, lateness being the second objective). ``reason`` is
    the largest part: ``distance``, ``precedence-bound``, ``lift-bound``,
    ``port-throughput-bound`` or ``deferred``.
    """
    arrive = start + p.dur
    out: list[dict[str, Any]] = []
    for jj in np.flatnonzero((p.required >= 0) & (arrive > p.required)):
        j = int(jj)
        late = int(arrive[j] - p.required[j])
        rel = int(p.release[j])
        pred = max(((int(arrive[i]), i) for i in p.preds[j]), default=(0, -1))
        es = max(rel, pred[0])
        dist = max(0, rel + int(p.dur[j]) - int(p.required[j]))
        prec = min(late - dist, es - rel)
        wait = late - dist - prec
        item: dict[str, Any] = {"id": p.ids[j], "days": late}
        found = _blocked(p, start, arrive, j, es) if wait > 0 else None
        wait_kind = ("deferred" if found is None else
                     "port" if p.resources[found[0]].startswith("port:") else "lift")
        parts = {"distance": dist, "precedence": prec, wait_kind: wait}
        item["parts"] = {k: v for k, v in parts.items() if v > 0}
        top = max(parts, key=lambda k: parts[k])  # first of equals: the order above
        fixes = []
        if dist:
            fixes.append(f"ready to load {dist} day(s) earlier, or a faster mode or nearer "
                         "ports")
        if prec:
            item["waits_for"] = p.ids[pred[1]]
            fixes.append(f"{p.ids[pred[1]]} arriving {prec} day(s) earlier (or that `after` "
                         "rule dropped)")
        if found is not None:
            r, day, holders = found
            item.update(binding=p.resources[r], day=day, behind=holders)
            fixes.append(f"{int(p.demand[j, r])} more {p.resources[r]} a day from day {day} "
                         f"to day {int(start[j])}")
        elif wait:
            item["could_start"] = es
            fixes.append(f"started on day {es}: fits with the lift there is, at the cost of "
                         "other lines")
        item["reason"] = {"distance": "distance", "precedence": "precedence-bound",
                          "lift": "lift-bound", "port": "port-throughput-bound",
                          "deferred": "deferred"}[top]
        item["fix"] = "; ".join(fixes)
        out.append(item)
    return out


def _blocked(p: Problem, start: IntArray, arrive: IntArray, j: int,
             es: int) -> tuple[int, int, list[str]] | None:
    """The first day from ``es`` on which a resource ``j`` needs is too full to let it run."""
    d = int(p.dur[j])
    for t in range(es, int(start[j])):
        for day in range(t, t + max(d, 1)):
            running = np.flatnonzero((start <= day) & (day < arrive))
            running = running[running != j]
            for r in np.flatnonzero(p.demand[j]):
                if int(p.demand[running, r].sum()) + p.demand[j, r] > p.capacity[r]:
                    top = running[np.argsort(-p.demand[running, r], kind="stable")[:3]]
                    return int(r), day, [p.ids[int(i)] for i in top if p.demand[i, r] > 0]
    return None


def closure_by(rows: list[dict[str, Any]], key: str) -> dict[str, int]:
    """The day the last line of each group (``sector``, ``priority``, ``nation``) arrives."""
    out: dict[str, int] = {}
    for r in rows:
        k = r.get(key)
        if k is None or r.get("arrive") is None:
            continue
        out[str(k)] = max(out.get(str(k), 0), int(r["arrive"]))
    return dict(sorted(out.items()))
