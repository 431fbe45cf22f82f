"""Issue 8 (Low): a liaison's totals must not reveal another nation's single pledge.

Grouped by nation, capability and status, a liaison read 254 single-pledge groups of other
nations. Now other nations are one bucket, built from (capability, status) cells of at least
three pledges; every figure of every grouping is a sum of those cells (checked below), so no
figure, nor any difference of two figures, isolates one pledge.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from typing import Any

from sqlalchemy import text

from .conftest import Workspace, seed
from .sample import NATIONS, sample_scenario

API = "/api/v1"
STATUSES = ("offered", "provisional", "approved", "withdrawn")


def _scenario() -> dict[str, Any]:
    data = sample_scenario()
    for code in ("X-A", "X-B", "X-C"):
        data["catalog"].append({"code": code, "name": code, "category": "land",
                                "role": "combat"})
    rng = random.Random(8)
    for i in range(80):
        nation = NATIONS[rng.randrange(len(NATIONS))]
        data["pledges"].append({
            "id": f"P-{nation}-G{i}", "nation": nation,
            "capability": rng.choice(["X-A", "X-B", "X-C", "X-ROLE2"]),
            "quantity": rng.randint(1, 4), "personnel": rng.randint(10, 900),
            "notice_days": 10, "status": rng.choice(STATUSES),
        })
    return data


def _reseed(ws: Workspace) -> None:
    from sqlalchemy.orm import sessionmaker

    from .conftest import reset

    reset(ws.engine)
    tokens = seed(sessionmaker(ws.engine), _scenario())
    for name, token in tokens.items():
        ws.clients[name].headers["Authorization"] = f"Bearer {token}"


def _key(row: dict[str, Any], by: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(row[g] for g in by)


def test_liaison_totals_never_isolate_another_nations_pledge(ws: Workspace) -> None:
    _reseed(ws)
    c = ws.client("liaison_fra")
    fields = ("nation", "capability", "status")
    tables: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for n in range(1, len(fields) + 1):  # (no grouping: the API defaults to nation, status)
        for by in itertools.combinations(fields, n):
            r = c.get(f"{API}/pledges/totals", params=[("group_by", g) for g in by])
            assert r.status_code == 200, r.text
            tables[by] = r.json()
    finest = tables[fields]
    # No other nation is named; the bucket's cells hold 3+ pledges each.
    assert {t["nation"] for t in finest} <= {"FRA", "other nations"}
    assert all(t["pledges"] >= 3 for t in finest if t["nation"] == "other nations")
    # Every figure of every grouping is a sum of rows of the finest table: nothing published
    # holds a part of a cell, so no difference of figures isolates a pledge.
    for by, rows in tables.items():
        want: dict[tuple[Any, ...], list[int]] = {}
        for t in finest:
            acc = want.setdefault(_key(t, by), [0, 0, 0])
            for i, k in enumerate(("pledges", "units", "personnel")):
                acc[i] += t[k]
        got = {_key(t, by): [t["pledges"], t["units"], t["personnel"]] for t in rows}
        assert got == want, by
    # Independently from the database: FRA's own rows in full, others' cells of 3+.
    with ws.engine.connect() as conn:
        stored = list(conn.execute(text("SELECT nation, capability, status FROM pledges")))
    cells = Counter((p.capability, p.status) for p in stored if p.nation != "FRA")
    assert sum(t["pledges"] for t in finest) == sum(p.nation == "FRA" for p in stored) + sum(
        n for n in cells.values() if n >= 3)
    assert any(n < 3 for n in cells.values())  # the data does have small cells to hide
    # Planners still see every nation.
    lead = ws.client("lead").get(f"{API}/pledges/totals", params={"group_by": "nation"}).json()
    assert {t["nation"] for t in lead} == set(NATIONS)
