"""First-start helpers for ``forcegen serve``: an initial admin and the bundled example."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from forcegen.workspace.access import ADMIN
from forcegen.workspace.accounts import User
from forcegen.workspace.database import session_scope
from forcegen.workspace.labels import TOP
from forcegen.workspace.reference import WorkspaceMeta
from forcegen.workspace.requirements.models import Requirement
from forcegen.workspace.users.schemas import UserCreate
from forcegen.workspace.users.service import create, get_by_username

__all__ = ["ensure_admin", "load_example_if_empty"]


def ensure_admin(
    factory: sessionmaker[Session], username: str = "admin", password: str | None = None
) -> str | None:
    """Create the first admin if there is no user yet.

    Returns the password to show the operator: ``password`` if given, else a generated one
    that must be changed at first sign-in. Returns ``None`` if users already exist.
    """
    with session_scope(factory) as db:
        if db.scalar(select(func.count()).select_from(User)) or get_by_username(db, username):
            return None
        generated = password is None
        pw = password or secrets.token_urlsafe(12)
        # A transient (never saved) admin, so the audit trail names who made the account.
        system = User(username="forcegen serve", role=ADMIN, password_hash="!")
        # Built without validation: an operator may choose a password shorter than the API's
        # minimum for the first admin (and is asked to change a generated one).
        data = UserCreate.model_construct(
            username=username, password=pw, role=ADMIN, nation=None,
            full_name="Administrator", clearance="UNCLASSIFIED",
        )
        create(db, system, data, must_change_password=generated)
        return pw


def load_example_if_empty(
    factory: sessionmaker[Session], folder: Path, actor: str = "admin"
) -> bool:
    """Import the scenario at ``folder`` if the workspace has no planning data yet."""
    from forcegen.scenario import load_scenario
    from forcegen.workspace.scenarios.service import FILE_KEYS, import_scenario

    with session_scope(factory) as db:
        if db.scalar(select(func.count()).select_from(Requirement)) or db.get(
            WorkspaceMeta, "name"
        ):
            return False
        scenario = load_scenario(folder)
        files = {}
        for key in FILE_KEYS:
            ref = getattr(scenario.data, key)
            path = scenario.path_of(ref)
            if ref and path is not None and path.is_file():
                files[ref] = path.read_text(encoding="utf-8")
        # A transient (never saved) admin, so the audit trail names who loaded it.
        # It loads into an empty workspace, so it may set any label the file carries.
        system = User(username=actor, role=ADMIN, password_hash="!", clearance=TOP)
        import_scenario(db, system, scenario, files)
        return True
