"""Fixtures: a migrated database per backend (SQLite file, PostgreSQL schema) and a seeded
workspace app per test, with one API client per role.

Every database test runs on SQLite and on PostgreSQL at 127.0.0.1:5432 (database ``test``; a
fresh schema per test session). PostgreSQL tests are skipped if the server is unreachable,
unless ``FORCEGEN_REQUIRE_POSTGRES=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from forcegen.labels.legacy import legacy_to_label
from forcegen.scenario import scenario_from_dict
from forcegen.workspace.api.app import create_app
from forcegen.workspace.auth.security import hash_password, set_password_cost
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.config import Settings
from forcegen.workspace.database import (
    Base,
    make_engine,
    make_session_factory,
    session_scope,
    upgrade,
)
from forcegen.workspace.label_store import LABEL_COLUMNS, label_columns
from forcegen.workspace.models import AuditHead, User
from forcegen.workspace.scenarios.service import import_scenario

from .sample import sample_scenario

PG_BASE = os.environ.get(
    "FORCEGEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Cheap argon2 parameters: the tests check behaviour, not hashing cost (bench measures that).
set_password_cost(time_cost=1, memory_kib=1024, parallelism=1)
PASSWORD = "correct horse battery staple"
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once, reuse for every user

#: name -> (role, nation)
ROLE_USERS: dict[str, tuple[str, str | None]] = {
    "admin": ("admin", None),
    "lead": ("lead_planner", None),
    "liaison_fra": ("liaison", "FRA"),
    "liaison_deu": ("liaison", "DEU"),
    "observer_fra": ("observer", "FRA"),
    "observer_deu": ("observer", "DEU"),
}


def _postgres_or_skip() -> None:
    import psycopg

    try:
        psycopg.connect(
            PG_BASE.replace("postgresql+psycopg", "postgresql"), connect_timeout=3
        ).close()
    except Exception as exc:
        if os.environ.get("FORCEGEN_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database for this test session (per xdist worker)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "workspace.sqlite"
        eng = make_engine(f"sqlite:///{path}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    _postgres_or_skip()
    schema = f"fgtest_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(PG_BASE, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def reset(engine: Engine) -> None:
    """Empty every table and restart the audit chain."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        conn.execute(AuditHead.__table__.insert().values(id=1, seq=0, last_hash="0" * 64))


@dataclass
class Workspace:
    """A seeded app plus one bearer-token client per role (``clients["anon"]`` has none)."""

    app: Any
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)
    clients: dict[str, TestClient] = field(default_factory=dict)

    @property
    def factory(self) -> Any:
        return self.app.state.session_factory

    def client(self, who: str) -> TestClient:
        return self.clients[who]

    def new_client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver", raise_server_exceptions=False)


def seed(
    factory: Any, scenario: dict[str, Any] | None = None, files: dict[str, str] | None = None
) -> dict[str, str]:
    """Import the sample scenario and create one user per role; returns API tokens."""
    tokens: dict[str, str] = {}
    with session_scope(factory) as db:
        admin = None
        for name, (role, nation) in ROLE_USERS.items():
            if nation:
                from forcegen.workspace.reference import Nation

                if db.get(Nation, nation) is None:
                    db.add(Nation(code=nation, groups=[], extra={}))
                    db.flush()
            user = User(username=name, password_hash=_HASH, role=role, nation=nation)
            db.add(user)
            db.flush()
            admin = admin or user
            _, tokens[name] = create_api_token(db, user, "tests")
        assert admin is not None
        import_scenario(
            db, admin, scenario_from_dict(scenario or sample_scenario()), files or {}
        )
    return tokens


def build_app(engine: Engine, **settings: Any) -> Any:
    """The workspace app over ``engine`` (building it takes ~0.5 s: share it)."""
    cfg = Settings(database_url=str(engine.url), migrate_on_start=False, **settings)
    return create_app(cfg, engine=engine)


def make_workspace(engine: Engine, app: Any = None, **settings: Any) -> Workspace:
    """Empty the database, seed it and return the app with a client per role."""
    reset(engine)
    app = app or build_app(engine, **settings)
    ws = Workspace(app=app, engine=engine)
    ws.tokens = seed(make_session_factory(engine))
    for name, token in ws.tokens.items():
        c = ws.new_client()
        c.headers["Authorization"] = f"Bearer {token}"
        ws.clients[name] = c
    ws.clients["anon"] = ws.new_client()
    return ws


@pytest.fixture(scope="session")
def shared_app(engine: Engine) -> Iterator[Any]:
    """One app per backend for the whole session; tests reset the data, not the app."""
    app = build_app(engine)
    yield app
    app.state.run_executor.shutdown(wait=True)


@pytest.fixture
def ws(engine: Engine, shared_app: Any) -> Workspace:
    """A fresh, seeded workspace on this backend."""
    return make_workspace(engine, shared_app)


@pytest.fixture
def sample_yaml() -> bytes:
    return yaml.safe_dump(sample_scenario(), sort_keys=False).encode()


#: SQL assignments that return a row to the legacy form (``label_store``): its label is then
#: read from ``classification`` and ``releasable_to``, as raw-SQL tests write them.
LEGACY_FORM = ", ".join(f"{c} = NULL" for c in LABEL_COLUMNS)


def stored_label(level: int, rel: str | None, owner: str | None) -> dict[str, Any]:
    """The stored label columns of the legacy label ``(level, rel)`` of an item of ``owner``."""
    return label_columns(legacy_to_label(level, rel, owner), rel, legacy=True)


def set_label(ws: Workspace, table: str, item: str, level: int, rel: str | None) -> None:
    """Set an item's label (as the legacy pair) directly in the database, in the stored form."""
    with ws.engine.begin() as conn:
        owner = (conn.execute(text("SELECT nation FROM pledges WHERE id = :i"), {"i": item})
                 .scalar() if table == "pledges" else None)
        cols = stored_label(level, rel, owner)
        conn.execute(
            text(f"UPDATE {table} SET {', '.join(f'{k} = :{k}' for k in cols)} WHERE id = :i"),
            {**cols, "i": item},
        )
