"""The pledge list's fast path (``list_page_json``) against an independent oracle.

The API serves the list from plain rows serialized in one call; these tests compute the
expected page from ORM objects validated through ``PledgeRead`` and filtered, sorted and sliced
in Python, for every role, so a difference in access scope, filtering, ordering, paging or the
JSON of any field (timestamps, JSON columns, NULLs) fails.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from forcegen.workspace.database import make_session_factory, session_scope
from forcegen.workspace.listing import Page, PageParams
from forcegen.workspace.models import Pledge, User
from forcegen.workspace.pledges import service
from forcegen.workspace.pledges.schemas import PledgeRead

from .conftest import ROLE_USERS, Workspace, reset, seed
from .sample import NATIONS, sample_scenario

API = "/api/v1"
ROLES = tuple(ROLE_USERS)


def _scenario() -> dict[str, Any]:
    """The sample plus 60 pledges over every nation, two capabilities and every JSON shape."""
    data = sample_scenario()
    data["catalog"].append(
        {"code": "X-INF", "name": "Infantry", "category": "land", "role": "combat"}
    )
    rng = random.Random(4)
    homes: list[Any] = [None, [2.5, 48.1], "node-7"]
    for i in range(60):
        pledge: dict[str, Any] = {
            "id": f"Q-{rng.randint(0, 99_999):05d}-{i}",
            "nation": NATIONS[i % len(NATIONS)],
            "capability": ("X-ROLE2", "X-INF")[i % 2],
            "quantity": 1 + i % 3,
            "personnel": rng.randint(10, 900),
            "notice_days": rng.choice([5, 10.5, 30]),
            "status": ("offered", "provisional", "approved", "withdrawn")[i % 4],
            "cost": rng.randint(0, 9) * 1e5,
        }
        home = homes[i % 3]
        if home is not None:
            pledge["home"] = home
        if i % 5 == 0:
            pledge["caveats"] = {"sectors": ["north"], "max_months": 6}
        if i % 7 == 0:
            pledge["name"] = f"Battle group {i}"
        data["pledges"].append(pledge)
    data["nodes"] = "nodes.csv"  # a home given as a node id must name a network node
    return data


NODES = {"nodes.csv": "id,lon,lat\nnode-7,2.5,48.1\n"}


@pytest.fixture
def big(engine: Engine, shared_app: Any) -> Workspace:
    """A workspace seeded with :func:`_scenario`, with a few status changes recorded."""
    reset(engine)
    ws = Workspace(app=shared_app, engine=engine)
    ws.tokens = seed(make_session_factory(engine), _scenario(), NODES)
    for name, token in ws.tokens.items():
        ws.clients[name] = ws.new_client()
        ws.clients[name].headers["Authorization"] = f"Bearer {token}"
    ws.clients["anon"] = ws.new_client()
    lead = ws.client("lead")
    for pid in ("P-FRA-2", "P-DEU-2"):
        version = lead.get(f"{API}/pledges/{pid}").json()["version"]
        r = lead.post(
            f"{API}/pledges/{pid}/status", json={"status": "withdrawn", "version": version}
        )
        assert r.status_code == 200, r.text
    return ws


def _expected(ws: Workspace, who: str, query: dict[str, Any]) -> dict[str, Any]:
    """The page computed without the code under test."""
    role, nation = ROLE_USERS[who]
    with session_scope(ws.factory) as db:
        rows = [
            PledgeRead.model_validate(p).model_dump(mode="json") for p in db.scalars(select(Pledge))
        ]
    if role not in ("admin", "lead_planner"):
        rows = [r for r in rows if r["nation"] == nation]
    for key in ("nation", "capability", "status"):
        if query.get(key):
            rows = [r for r in rows if r[key] == query[key]]
    rows.sort(key=lambda r: r["id"])  # the tie-breaker, applied first (sorts are stable)
    for item in reversed([s for s in query.get("sort", "").split(",") if s]):
        name = item.lstrip("+-")
        rows.sort(key=lambda r: r[name], reverse=item.startswith("-"))
    limit, offset = query.get("limit", 100), query.get("offset", 0)
    return {
        "items": rows[offset : offset + limit],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
    }


QUERIES: list[dict[str, Any]] = [
    {},
    {"limit": 7, "offset": 0},
    {"limit": 7, "offset": 14},
    {"limit": 5, "offset": 1000},
    {"nation": "FRA"},
    {"nation": "DEU", "limit": 3, "offset": 3},
    {"status": "approved", "sort": "-personnel"},
    {"capability": "X-INF", "sort": "nation,-cost", "limit": 10, "offset": 5},
    {"status": "withdrawn", "capability": "X-ROLE2"},
    {"sort": "-updated_at", "limit": 4},
    {"sort": "notice_days,quantity", "limit": 20, "offset": 10},
]


@pytest.mark.parametrize("who", ROLES)
def test_list_matches_oracle_for_every_role(big: Workspace, who: str) -> None:
    c = big.client(who)
    for query in QUERIES:
        r = c.get(f"{API}/pledges", params=query)
        assert r.status_code == 200, (query, r.text)
        assert r.headers["content-type"] == "application/json"
        assert r.json() == _expected(big, who, query), query


def test_other_nations_pledges_never_listed(big: Workspace) -> None:
    for who in ("liaison_fra", "observer_deu"):
        own = ROLE_USERS[who][1]
        c = big.client(who)
        for query in ({}, {"nation": "POL"}, {"status": "approved"}, {"capability": "X-INF"}):
            body = c.get(f"{API}/pledges", params={**query, "limit": 1000}).json()
            assert {p["nation"] for p in body["items"]} <= {own}
            assert body["total"] == len(body["items"])
        assert c.get(f"{API}/pledges", params={"nation": "POL"}).json()["total"] == 0


def test_json_columns_and_timestamps_round_trip(big: Workspace) -> None:
    items = big.client("admin").get(f"{API}/pledges", params={"limit": 1000}).json()["items"]
    by_id = {p["id"]: p for p in items}
    assert by_id["P-FRA-1"]["home"] == [2.35, 48.85]
    assert by_id["P-FRA-2"]["caveats"] == {"sectors": ["south"]}
    assert {type(p["home"]).__name__ for p in items} == {"NoneType", "list", "str"}
    assert "node-7" in {p["home"] for p in items if isinstance(p["home"], str)}
    assert any(p["name"] for p in items) and any(p["name"] is None for p in items)
    withdrawn = by_id["P-DEU-2"]
    assert withdrawn["status"] == "withdrawn" and withdrawn["status_changed_by"] == "lead"
    for p in items:
        for key in ("created_at", "updated_at", "status_changed_at"):
            if p[key] is None:
                assert key == "status_changed_at"
                continue
            stamp = dt.datetime.fromisoformat(p[key])
            assert stamp.utcoffset() == dt.timedelta(0) and p[key].endswith("Z")
    changed = dt.datetime.fromisoformat(withdrawn["status_changed_at"])
    assert abs(dt.datetime.now(dt.UTC) - changed) < dt.timedelta(minutes=10)


def test_fast_path_equals_model_path_in_any_session_time_zone(big: Workspace) -> None:
    """PostgreSQL hands back timestamps in the session's zone: the page must still be UTC."""
    factory = big.factory
    with session_scope(factory) as db:
        if db.get_bind().dialect.name == "postgresql":
            # SET LOCAL: the pooled connection gets its zone back at the end of the transaction.
            db.execute(text("SET LOCAL TIME ZONE 'Asia/Kolkata'"))
        user = db.scalars(select(User).where(User.username == "liaison_fra")).one()
        admin = db.scalars(select(User).where(User.username == "admin")).one()
        for who, params, filters in (
            (admin, PageParams(limit=50, offset=3, sort="-updated_at"), {}),
            (user, PageParams(limit=1000), {"status": "withdrawn"}),
            (user, PageParams(limit=1000), {}),
        ):
            fast = service.list_page_json(db, who, params, **filters)
            rows, total = service.list_page(db, who, params, **filters)
            slow = Page[PledgeRead](
                items=rows, total=total, limit=params.limit, offset=params.offset
            ).model_dump_json()
            assert fast.decode() == slow


def test_list_requires_a_valid_credential(big: Workspace) -> None:
    r = big.client("anon").get(f"{API}/pledges", params={"limit": 5})
    assert r.status_code == 401 and set(r.json()) == {"error"}
    c = big.new_client()
    c.headers["Authorization"] = "Bearer not-a-token"
    r = c.get(f"{API}/pledges")
    assert r.status_code == 401 and "items" not in r.text
    # anonymous callers learn nothing, not even which parameters are wrong
    assert big.client("anon").get(f"{API}/pledges", params={"limit": 0}).status_code == 401
    assert big.client("admin").get(f"{API}/pledges", params={"limit": 0}).status_code == 422


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 2, 3, 4, 5, 120, tzinfo=dt.UTC),
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
    ],
)
def test_stamp_writes_what_the_read_model_writes(value: dt.datetime) -> None:
    """SQLite's stored text is rewritten to the model's JSON without parsing; compare them."""
    from pydantic_core import to_json

    from forcegen.workspace.database import UTCDateTime
    from forcegen.workspace.pledges.rows import stamp

    sqlite = type("Dialect", (), {"name": "sqlite"})()
    stored = UTCDateTime().process_bind_param(value, sqlite)
    model_json = to_json(value.astimezone(dt.UTC))
    assert to_json(stamp(stored)) == model_json
    assert to_json(stamp(value)) == model_json  # PostgreSQL hands back datetimes
    assert to_json(stamp(value.replace(tzinfo=None) - (value.utcoffset() or dt.timedelta()))) == (
        model_json
    )
