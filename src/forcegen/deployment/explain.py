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

__all__ = ["critical_chain"]


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
