"""First-start helpers for ``forcegen serve``: an initial admin and the bundled example."""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from forcegen.scenario import Scenario

__all__ = ["ensure_admin", "load_example_if_empty", "with_deployment_file"]


def with_deployment_file(scenario: Scenario, folder: Path) -> Scenario:
    """``scenario`` with the sections of a ``deployment.yaml`` beside it.

    As ``forcegen deploy`` reads them, so that the workspace can plan the deployment too.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        When the file is not a mapping of deployment keys, or repeats one of ``scenario``'s.
    """
    from forcegen.deployment._inputs import side_file
    from forcegen.exceptions import Problem, ScenarioError
    from forcegen.scenario._sources import read_yaml

    main = folder / "scenario.yaml" if folder.is_dir() else folder
    if not (main.parent / "deployment.yaml").is_file():
        return scenario
    data, lines = read_yaml(main)
    problems: list[Problem] = []
    _, extra, _ = side_file(main, data if isinstance(data, dict) else {}, lines, problems)
    if problems:
        raise ScenarioError(problems)
    # Kept as given, as the scenario reader keeps them: a deployment run checks them.
    return dataclasses.replace(scenario, data=scenario.data.model_copy(update=extra))


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
        scenario = with_deployment_file(load_scenario(folder), folder)
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
