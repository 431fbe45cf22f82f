"""User accounts: admins manage them; everyone reads and changes their own password."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from forcegen.exceptions import LabelError
from forcegen.workspace.access import ADMIN, LIAISON, OBSERVER, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.auth import service as auth_service
from forcegen.workspace.auth import throttle
from forcegen.workspace.auth.security import hash_password, verify_password
from forcegen.workspace.config import Settings
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound
from forcegen.workspace.labels import level_name, level_rank
from forcegen.workspace.listing import PageParams, fetch_page, order_by, text_search
from forcegen.workspace.readers import check_clearances, check_memberships
from forcegen.workspace.records import check_version
from forcegen.workspace.reference import Nation
from forcegen.workspace.users.schemas import PasswordChange, UserCreate, UserRead, UserUpdate

__all__ = [
    "SORTABLE",
    "change_own_password",
    "create",
    "get",
    "get_by_username",
    "list_page",
    "update",
]

SORTABLE: dict[str, Any] = {
    "id": User.id,
    "username": User.username,
    "role": User.role,
    "nation": User.nation,
    "created_at": User.created_at,
}


def _audit_view(user: User) -> dict[str, Any]:
    snap = audit.snapshot(user)
    snap.pop("password_hash", None)  # never put even a hash in the audit trail
    return snap


def _check_nation(db: Session, role: str, nation: str | None) -> None:
    if role in (LIAISON, OBSERVER) and not nation:
        raise Invalid(f"a {role} must belong to a nation", field="nation")
    if nation and db.get(Nation, nation) is None:
        raise Invalid(f"unknown nation {nation!r}", field="nation")


def _granted(changes: dict[str, Any]) -> dict[str, Any]:
    """Checked ``clearances`` and ``memberships`` among ``changes`` (422 naming the problem)."""
    out: dict[str, Any] = {}
    for key, check in (("clearances", check_clearances), ("memberships", check_memberships)):
        if key in changes:
            try:
                out[key] = check(changes[key])
            except LabelError as exc:
                raise Invalid(str(exc), field=key) from None
    return out


def get_by_username(db: Session, username: str) -> User | None:
    """The account named ``username`` (case-insensitive), if any."""
    return db.scalar(select(User).where(func.lower(User.username) == username.lower()))


def create(
    db: Session, user: User, data: UserCreate, *, must_change_password: bool = False
) -> User:
    """Create an account (admins).

    The one way an account is made: the API and the web pages pass the signed-in admin; the
    first start (``bootstrap.ensure_admin``) and benchmarks pass a transient system admin, so
    the audit trail names who made every account. ``must_change_password`` marks a generated
    password that must be changed at the first sign-in.
    """
    require_role(user, ADMIN)
    if get_by_username(db, data.username) is not None:
        raise Conflict(f"user {data.username!r} already exists", field="username")
    _check_nation(db, data.role, data.nation)
    account = User(
        username=data.username,
        password_hash=hash_password(data.password),
        role=data.role,
        nation=data.nation,
        full_name=data.full_name,
        must_change_password=must_change_password,
        clearance=level_rank(data.clearance),
        **_granted(data.model_dump(include={"clearances", "memberships"})),
    )
    db.add(account)
    db.flush()
    audit.record(db, user.username, "create", "user", str(account.id), None, _audit_view(account))
    return account


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    role: str | None = None,
    nation: str | None = None,
    active: bool | None = None,
    search: str | None = None,
) -> tuple[list[User], int]:
    """Accounts, paged (admins); ``search`` in the user name or full name."""
    require_role(user, ADMIN)
    stmt: Select[Any] = select(User)
    if active is not None:
        stmt = stmt.where(User.active == active)
    found = text_search(search, User.username, User.full_name)
    if found is not None:
        stmt = stmt.where(found)
    if role:
        stmt = stmt.where(User.role == role)
    if nation:
        stmt = stmt.where(User.nation == nation)
    clauses = [*order_by(params.sort, SORTABLE, ["username"]), User.id.asc()]
    return fetch_page(db, stmt, params, clauses)


def get(db: Session, user: User, user_id: int) -> User:
    """One account (admins)."""
    require_role(user, ADMIN)
    account = db.get(User, user_id)
    if account is None:
        raise NotFound("user")
    return account


def _refuse_own_grants(account: User, changes: dict[str, Any]) -> None:
    own = {
        "role": account.role,
        "nation": account.nation,
        "clearance": level_name(account.clearance),
        "clearances": account.clearances,
        "memberships": account.memberships,
    }
    for key, current in own.items():
        if key in changes and changes[key] != current:
            raise Forbidden(f"you cannot change your own {key}; another admin must do it")


def _set_grants(account: User, changes: dict[str, Any], nation: str | None) -> None:
    """Set the role, name, nation and clearances among ``changes`` (already checked)."""
    for key in ("role", "full_name"):
        if changes.get(key) is not None:
            setattr(account, key, changes[key])
    if "nation" in changes:
        account.nation = nation
    if changes.get("clearance") is not None:
        # Admins record clearances granted by national vetting; they need not hold them.
        account.clearance = level_rank(changes["clearance"])
    for key in ("clearances", "memberships"):  # clearances under policies, memberships
        if key in changes:
            setattr(account, key, changes[key])


def update(db: Session, user: User, user_id: int, data: UserUpdate) -> User:
    """Change role, nation, name, active flag or password (admins).

    With ``data.version``, only if that is still the account's version, else 409 with the
    account as it is.

    Disabling an account or resetting its password ends its browser sessions and revokes its
    API tokens. Nobody changes their own role, nation, clearance, clearances under other
    policies or memberships: an admin raising their own clearance or moving to another nation
    would read what the coalition's vetting did not grant them, so such a change needs another
    admin (and, like every change, is audited).
    """
    account = get(db, user, user_id)
    if data.version is not None:
        check_version(account, data.version, UserRead)
    before = _audit_view(account)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    changes.update(_granted(changes))  # checked, in their stored (sorted) form
    if account.id == user.id:
        _refuse_own_grants(account, changes)
    role = changes.get("role") or account.role
    nation = changes.get("nation", account.nation)
    _check_nation(db, role, nation)
    demoting = changes.get("role", ADMIN) != ADMIN or changes.get("active") is False
    if account.id == user.id and demoting:
        raise Invalid("you cannot demote or disable your own account", field="role")
    _set_grants(account, changes, nation)
    if changes.get("active") is not None:
        account.active = changes["active"]
        if not account.active:
            auth_service.end_credentials(db, account)
    if changes.get("password"):
        account.password_hash = hash_password(changes["password"])
        account.must_change_password = True
        auth_service.end_credentials(db, account)
    db.flush()
    after = _audit_view(account)
    audit.record(db, user.username, "update", "user", str(account.id), before, after)
    return account


def change_own_password(
    db: Session,
    settings: Settings,
    user: User,
    data: PasswordChange,
    *,
    keep_session: int | None = None,
    keep_token: int | None = None,
) -> None:
    """Change the caller's password after checking the current one.

    Every other browser session of the account ends and every other API token is revoked; the
    credential the change was made with (``keep_session`` or ``keep_token``) stays valid. The
    check of the current password runs under the sign-in semaphore (429 when busy), so a
    signed-in user cannot use this call to flood the server with argon2 work either.
    """
    with throttle.hashing_slot(settings):
        current_ok = verify_password(user.password_hash, data.current_password)
    if not current_ok:
        raise Invalid("current password is wrong", field="current_password")
    if data.new_password == data.current_password:
        raise Invalid("choose a different password", field="new_password")
    user.password_hash = hash_password(data.new_password)
    user.must_change_password = False
    auth_service.end_credentials(db, user, keep_session=keep_session, keep_token=keep_token)
    db.flush()
    audit.record(db, user.username, "password", "user", str(user.id))
