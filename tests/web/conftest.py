"""Fixtures for the HTML views: the bundled example in a fresh SQLite file per test, users of
every role, and browser-like clients that sign in through the sign-in form.

The example is imported once per session into a template database; each test gets a copy, so
tests may change data freely. The views are database-agnostic (the workspace tests cover
PostgreSQL), so these run on SQLite only.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from forcegen.scenario import load_scenario
from forcegen.web import create_web_app
from forcegen.workspace.auth.security import hash_password, set_password_cost
from forcegen.workspace.config import Settings
from forcegen.workspace.database import make_engine, make_session_factory, session_scope, upgrade
from forcegen.workspace.models import User
from forcegen.workspace.scenarios.service import import_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"
PASSWORD = "correct horse battery staple"
set_password_cost(time_cost=1, memory_kib=1024, parallelism=1)

#: user name -> (role, nation)
USERS: dict[str, tuple[str, str | None]] = {
    "admin": ("admin", None),
    "lead": ("lead_planner", None),
    "liaison_fra": ("liaison", "FRA"),
    "liaison_deu": ("liaison", "DEU"),
    "observer_fra": ("observer", "FRA"),
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the example scenario and one user per role."""
    path = tmp_path_factory.mktemp("webdb") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    factory = make_session_factory(engine)
    hashed = hash_password(PASSWORD)
    with session_scope(factory) as db:
        admin = User(username="loader", role="admin", password_hash="!")
        import_scenario(db, admin, load_scenario(EXAMPLE), {})
    with session_scope(factory) as db:
        for name, (role, nation) in USERS.items():
            db.add(User(username=name, password_hash=hashed, role=role, nation=nation))
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@dataclass
class Web:
    """A web app over a private copy of the template database."""

    app: Any
    clients: list[TestClient]

    @property
    def factory(self) -> Any:
        return self.app.state.session_factory

    def client(self) -> TestClient:
        c = TestClient(self.app, base_url="https://testserver", follow_redirects=False)
        c.__enter__()
        self.clients.append(c)
        return c

    def signed_in(self, username: str) -> TestClient:
        """A client that signed in through the form (session and CSRF cookies set)."""
        c = self.client()
        r = post_login(c, {"username": username, "password": PASSWORD, "next": "/"})
        assert r.status_code == 303, r.text
        return c


def post_login(client: TestClient, data: dict[str, str]) -> Any:
    """Post the sign-in form as a browser does: load it first (pre-session CSRF cookie), then
    send its hidden token with ``data``."""
    r = client.get("/login")
    assert r.status_code == 200, r.text
    m = _CSRF.search(r.text)
    assert m, "sign-in form has no CSRF field"
    return client.post("/login", data={**data, "csrf_token": m.group(1)})


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token a page embeds in its forms."""
    r = client.get(path)
    assert r.status_code == 200, r.text
    m = _CSRF.search(r.text)
    assert m, "page has no CSRF field"
    return m.group(1)


@pytest.fixture
def web(template_db: Path, tmp_path: Path) -> Iterator[Web]:
    """A fresh copy of the seeded workspace with the web UI mounted."""
    path = tmp_path / "web.sqlite"
    shutil.copy(template_db, path)
    settings = Settings(database_url=f"sqlite:///{path}", migrate_on_start=False, run_workers=1)
    app = create_web_app(settings)
    w = Web(app=app, clients=[])
    yield w
    for c in w.clients:
        c.__exit__(None, None, None)
    app.state.run_executor.shutdown(wait=True)
    app.state.engine.dispose()


def pledge_form(web: Web, pledge_id: str, **changes: str) -> dict[str, str]:
    """The edit form of a stored pledge as the browser posts it, with ``changes`` applied."""
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.models import Pledge

    with session_scope(web.factory) as db:
        p = db.get(Pledge, pledge_id)
        assert p is not None
        data = {
            "version": str(p.version),
            "capability": p.capability,
            "quantity": str(p.quantity),
            "personnel": str(p.personnel),
            "notice_days": f"{p.notice_days:g}",
            "cost": f"{p.cost:.0f}",
            "home": f"{p.home[0]}; {p.home[1]}",
            "name": p.name or "",
        }
    data.update(changes)
    return data
