"""Account administration (admins).

List and find accounts, create one, change its role, nation and clearance, reset its password,
disable or enable it.

Every change goes through ``workspace.users.service`` (admins only, audited; nobody changes
their own role, nation or clearance, nor disables themselves). A password set here, typed or
generated, must be changed at the account's next sign-in; a generated one is shown once, on
the page answering the form (never in an address, which browsers and proxies keep).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from forcegen.web.core import HTMLRoute, Page, PageDep, render, see_other
from forcegen.web.forms import FieldErrors, form_values, validate
from forcegen.web.tables import TableQuery, clean
from forcegen.workspace.access import ADMIN, require_role
from forcegen.workspace.accounts import USER_ROLES, User
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.errors import Conflict, Forbidden, Invalid
from forcegen.workspace.labels import LEVELS, level_name
from forcegen.workspace.nations import service as nations
from forcegen.workspace.users import service as users
from forcegen.workspace.users.schemas import UserCreate, UserUpdate

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)

PAGE_SIZE = 50
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Filter = Annotated[str | None, Query(max_length=200)]
_ACTIVE = {"yes": True, "no": False}


def _generated() -> str:
    """A new password for an account (about 96 bits; it must be changed at first sign-in)."""
    return secrets.token_urlsafe(12)


def _choices(db: Session, page: Page) -> dict[str, Any]:
    return {
        "role_choices": list(USER_ROLES),
        "nation_choices": [n.code for n in nations.list_all(db, page.user)],
        "level_choices": list(LEVELS),
    }


def _values(account: User) -> dict[str, str]:
    return {
        "version": str(account.version),
        "username": account.username,
        "full_name": account.full_name or "",
        "role": account.role,
        "nation": account.nation or "",
        "clearance": level_name(account.clearance),
        "active": "yes" if account.active else "no",
    }


@router.get("/admin/users", response_class=HTMLResponse)
def user_table(
    request: Request,
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    role: Filter = None,
    nation: Filter = None,
    active: Filter = None,
    sort: Filter = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    """Every account: search by user name or full name, filter by role, nation, state."""
    require_role(page.user, ADMIN)
    filters = {"q": clean(q), "role": clean(role, USER_ROLES), "nation": clean(nation),
               "active": clean(active, _ACTIVE)}
    labels = {"q": "Text", "role": "Role", "nation": "Nation", "active": "Enabled"}
    table = TableQuery("/admin/users", filters, labels,
                       clean(sort, ("username", "-username", "role", "-role", "nation",
                                    "-nation", "created_at", "-created_at")),
                       offset, PAGE_SIZE)
    rows, total = users.list_page(
        db, page.user, table.params(), role=filters["role"] or None,
        nation=filters["nation"] or None, active=_ACTIVE.get(filters["active"]),
        search=filters["q"] or None,
    )
    ctx = {**_choices(db, page), "rows": rows, "total": total, "table": table}
    return render(request, "admin_users.html", ctx, labels=[])


def _new_form(request: Request, db: Session, page: Page, values: dict[str, str],
              errors: FieldErrors, status: int = 200) -> HTMLResponse:
    ctx = {**_choices(db, page), "values": values, "errors": errors, "account": None}
    return render(request, "admin_user_form.html", ctx, status, labels=[])


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user_form(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """An empty account form (admins)."""
    require_role(page.user, ADMIN)
    return _new_form(request, db, page, {"role": "observer", "clearance": "UNCLASSIFIED"}, {})


@router.post("/admin/users/new", response_class=HTMLResponse)
async def create_user(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Create an account; its password must be changed at the first sign-in."""
    require_role(page.user, ADMIN)
    values = form_values(await request.form())
    generated = not values.get("password")
    password = _generated() if generated else values.get("password", "")
    payload = {
        "username": values.get("username", ""),
        "password": password,
        "role": values.get("role", ""),
        "nation": values.get("nation") or None,
        "full_name": values.get("full_name") or None,
        "clearance": values.get("clearance") or "UNCLASSIFIED",
    }
    data, errors = validate(UserCreate, payload)
    if data is not None:
        try:
            account = users.create(db, page.user, data, must_change_password=True)
        except (Invalid, Conflict) as exc:
            errors = {exc.field or "form": exc.message}
        else:
            if not generated:
                return see_other(f"/admin/users/{account.id}",
                                 f"Account {account.username} created.")
            return _password_page(request, account, password, created=True)
    values.pop("password", None)  # never sent back into a page
    return _new_form(request, db, page, values, errors, 422)


def _password_page(request: Request, account: User, password: str, *,
                   created: bool) -> HTMLResponse:
    """The one page that shows a generated password (not cached, never in a URL)."""
    ctx = {"account": account, "password": password, "created": created}
    response = render(request, "admin_user_password.html", ctx, labels=[])
    response.headers["Cache-Control"] = "no-store"
    return response


def _edit_form(request: Request, db: Session, page: Page, account: User,
               values: dict[str, str] | None = None, errors: FieldErrors | None = None,
               status: int = 200, conflict: dict[str, Any] | None = None) -> HTMLResponse:
    ctx = {**_choices(db, page), "account": account, "values": values or _values(account),
           "errors": errors or {}, "own": account.id == page.user.id, "conflict": conflict}
    return render(request, "admin_user_form.html", ctx, status, labels=[])


def _stale(request: Request, db: Session, page: Page, user_id: int, exc: Conflict,
           submitted: dict[str, str]) -> HTMLResponse:
    """The conflict page: the account as stored now, and what the admin tried to change."""
    account = users.get(db, page.user, user_id)
    now = _values(account)
    diffs = [(k, submitted[k], now[k]) for k in ("full_name", "role", "nation", "clearance",
                                                    "active")
             if k in submitted and k in now and submitted[k] != now[k]]
    conflict = {"current": exc.extra.get("current") or {}, "diffs": diffs,
                "based_on": submitted.get("version", "")}
    return _edit_form(request, db, page, account, None, None, 409, conflict)


def _version(value: str | None) -> int | None:
    """The form's version, or ``None`` if missing or not a number (the service then asks none)."""
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_detail(request: Request, db: SessionDep, page: PageDep, user_id: UserId) -> Response:
    """One account: its role, nation, clearance and name, and its password and state."""
    return _edit_form(request, db, page, users.get(db, page.user, user_id))


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
async def update_user(request: Request, db: SessionDep, page: PageDep,
                      user_id: UserId) -> Response:
    """Change role, nation, clearance or full name (not one's own role, nation, clearance)."""
    account = users.get(db, page.user, user_id)
    values = form_values(await request.form())
    payload: dict[str, Any] = {"full_name": values.get("full_name") or None,
                               "version": values.get("version") or None}
    for key in ("role", "nation", "clearance"):  # left out of the form for one's own account
        if key in values:
            payload[key] = values[key] or None
    data, errors = validate(UserUpdate, payload)
    status = 422
    if data is not None:
        try:
            users.update(db, page.user, user_id, data)
            return see_other(f"/admin/users/{user_id}", f"Account {account.username} saved.")
        except Conflict as exc:
            if exc.field != "version":
                raise
            return _stale(request, db, page, user_id, exc, values)
        except Invalid as exc:
            errors = {exc.field or "form": exc.message}
        except Forbidden as exc:  # one's own role, nation or clearance
            errors, status = {"form": exc.message}, 403
    return _edit_form(request, db, page, account, {**_values(account), **values}, errors,
                      status)


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(request: Request, db: SessionDep, page: PageDep, user_id: UserId,
                   password: Annotated[str, Form(max_length=256)] = "",
                   version: Annotated[str, Form(max_length=12)] = "") -> Response:
    """Set a new password (typed, or generated if left empty), to be changed at next sign-in.

    The account's sessions end and its API tokens are revoked.
    """
    account = users.get(db, page.user, user_id)
    generated = not password
    new = _generated() if generated else password
    data, errors = validate(UserUpdate, {"password": new, "version": _version(version)})
    if data is None:
        return _edit_form(request, db, page, account, None,
                          {"password": errors.get("password", "invalid password")}, 422)
    try:
        users.update(db, page.user, user_id, data)
    except Conflict as exc:
        return _stale(request, db, page, user_id, exc, {"version": version})
    if not generated:
        return see_other(f"/admin/users/{user_id}",
                         f"Password of {account.username} reset; it must be changed at sign-in.")
    return _password_page(request, account, new, created=False)


@router.post("/admin/users/{user_id}/active", response_class=HTMLResponse)
def set_active(request: Request, db: SessionDep, page: PageDep, user_id: UserId,
               active: Annotated[str, Form(max_length=5)] = "",
               version: Annotated[str, Form(max_length=12)] = "") -> Response:
    """Disable an account (its sessions end, its tokens are revoked) or enable it again."""
    account = users.get(db, page.user, user_id)
    if active not in _ACTIVE:
        return _edit_form(request, db, page, account, None, {"form": "enable or disable?"}, 422)
    try:
        users.update(db, page.user, user_id,
                     UserUpdate(active=_ACTIVE[active], version=_version(version)))
    except Conflict as exc:
        return _stale(request, db, page, user_id, exc,
                      {"version": version, "active": "yes" if _ACTIVE[active] else "no"})
    except Invalid as exc:
        return _edit_form(request, db, page, account, None, {"form": exc.message}, 422)
    state = "enabled" if _ACTIVE[active] else "disabled"
    return see_other(f"/admin/users/{user_id}", f"Account {account.username} {state}.")
