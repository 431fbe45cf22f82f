"""``/api/v1/users``: accounts (admins) and ``/users/me``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from forcegen.workspace.accounts import UserRole
from forcegen.workspace.api.deps import AuthDep, CurrentUser, SessionDep, SettingsDep
from forcegen.workspace.api.params import Page, PageParamsDep, SearchQuery
from forcegen.workspace.users import service
from forcegen.workspace.users.schemas import (
    PasswordChange,
    UserCreate,
    UserRead,
    UserUpdate,
)

__all__ = ["router"]

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser) -> UserRead:
    """The signed-in account."""
    return UserRead.model_validate(user)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    db: SessionDep, settings: SettingsDep, auth: AuthDep, body: PasswordChange
) -> Response:
    """Change one's own password (the current one is required).

    Ends every other browser session of the account and revokes all its other API tokens; the
    session or token this request is made with stays valid. Until an account with a generated
    or reset password has called this, every other call answers 403
    ``password_change_required`` (except ``GET /users/me``, ``GET /auth/session`` and
    ``POST /auth/logout``).
    """
    service.change_own_password(
        db,
        settings,
        auth.user,
        body,
        keep_session=auth.session.id if auth.session else None,
        keep_token=auth.token_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", response_model=Page[UserRead])
def list_users(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    role: UserRole | None = None,
    nation: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    active: bool | None = None,
    q: SearchQuery = None,
) -> Page[UserRead]:
    """Accounts (admins); ``q``: text in the user name or full name."""
    rows, total = service.list_page(
        db, user, page, role=role, nation=nation, active=active, search=q
    )
    return Page[UserRead](
        items=[UserRead.model_validate(u) for u in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(db: SessionDep, user: CurrentUser, body: UserCreate) -> UserRead:
    """Create an account (admins)."""
    return UserRead.model_validate(service.create(db, user, body))


@router.get("/{user_id}", response_model=UserRead)
def get_user(db: SessionDep, user: CurrentUser, user_id: UserId) -> UserRead:
    """One account (admins)."""
    return UserRead.model_validate(service.get(db, user, user_id))


@router.patch("/{user_id}", response_model=UserRead)
def update_user(db: SessionDep, user: CurrentUser, user_id: UserId, body: UserUpdate) -> UserRead:
    """Change an account (admins).

    Nobody changes their own role, nation or clearance (403): another admin must. Setting
    ``password`` (a reset) ends all the account's browser sessions, revokes all its API tokens
    and makes it change the password at the next sign-in; so does ``active: false``.
    """
    return UserRead.model_validate(service.update(db, user, user_id, body))
