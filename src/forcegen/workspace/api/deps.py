"""FastAPI dependencies shared by the API and the web UI.

Typed aliases (FastAPI full-stack template style)::

    def view(db: SessionDep, user: CurrentUser, settings: SettingsDep): ...

Authentication: ``Authorization: Bearer <API token>`` for scripts, or the browser session
cookie. A request authenticated by cookie that changes state (any method other than GET, HEAD,
OPTIONS) must also carry the session's CSRF token, in the ``X-CSRF-Token`` header or, for HTML
forms, a ``csrf_token`` form field; otherwise it is refused with 403.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from forcegen.workspace.access import require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.auth import service as auth_service
from forcegen.workspace.auth.models import BrowserSession
from forcegen.workspace.auth.security import constant_time_equal
from forcegen.workspace.config import Settings
from forcegen.workspace.errors import Forbidden, Unauthenticated

__all__ = [
    "PASSWORD_CHANGE_ALLOWED",
    "SAFE_METHODS",
    "Auth",
    "AuthDep",
    "CurrentUser",
    "PasswordChangeRequired",
    "SessionDep",
    "SettingsDep",
    "client_address",
    "get_auth",
    "get_current_user",
    "get_db",
    "get_settings",
    "optional_auth",
    "require_roles",
    "submitted_csrf",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One database session per request: committed if the view succeeds, else rolled back.

    Opening a session does no I/O, so it happens on the event loop rather than in a worker
    thread. Ending it does (COMMIT, ROLLBACK, returning the connection), so that runs in the
    thread pool, and only when a transaction is still open: a view that committed itself costs
    no extra thread hop.
    """
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_discard, session)
        raise
    if session.in_transaction():
        await run_in_threadpool(_commit, session)
    else:
        session.close()


def _commit(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _discard(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


# scope="function": commit before the response is sent, so a failed commit is reported.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def client_address(request: Request) -> str:
    """The peer address (proxies are not trusted: X-Forwarded-For is ignored on purpose)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True, slots=True)
class Auth:
    """Who is calling and how.

    ``session`` is set for cookie (browser) authentication, ``token_id`` for an API token.
    """

    user: User
    session: BrowserSession | None = None
    token_id: int | None = None


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token the request carries: ``X-CSRF-Token`` header or ``csrf_token`` form field.

    Async because reading a form is; it touches no database, so it never blocks the loop.
    """
    if request.method in SAFE_METHODS:
        return None
    settings: Settings = request.app.state.settings
    header = request.headers.get(settings.csrf_header)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached by Starlette: the view can read it again
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def optional_auth(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    csrf: Annotated[str | None, Depends(submitted_csrf)],
) -> Auth | None:
    """Resolve credentials if any; ``None`` when the caller is anonymous.

    A plain (sync) function on purpose: FastAPI runs it in the thread pool, so database I/O
    never blocks the event loop. Raises 401 for an invalid bearer token and 403 for a cookie
    request that changes state without the session's CSRF token.
    """
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthenticated("unsupported authorization scheme; use Bearer")
        token = auth_service.resolve_api_token(db, secret.strip())
        if token is None:
            raise Unauthenticated("invalid or revoked token")
        return Auth(token[0], token_id=token[1])
    cookie = request.cookies.get(settings.session_cookie)
    if not cookie:
        return None
    found = auth_service.resolve_browser_session(db, cookie)
    if found is None:
        return None
    user, session = found
    if request.method not in SAFE_METHODS and not constant_time_equal(csrf, session.csrf_token):
        raise Forbidden("missing or wrong CSRF token")
    return Auth(user, session)


class PasswordChangeRequired(Forbidden):
    """The account must change its (generated or reset) password before anything else (403)."""

    code = "password_change_required"


#: What an account that must change its password may still call (method, API path).
PASSWORD_CHANGE_ALLOWED = frozenset(
    {
        ("POST", "/api/v1/users/me/password"),
        ("GET", "/api/v1/users/me"),
        ("GET", "/api/v1/auth/session"),
        ("POST", "/api/v1/auth/logout"),
    }
)


async def get_auth(
    request: Request, auth: Annotated[Auth | None, Depends(optional_auth)]
) -> Auth:
    """Like :func:`optional_auth` but 401 when anonymous.

    And 403 ``password_change_required`` for an account that must change its password and
    calls anything but
    :data:`PASSWORD_CHANGE_ALLOWED` (a generated or reset password is known to whoever set it).
    """
    if auth is None:
        raise Unauthenticated()
    if auth.user.must_change_password and (
        (request.method, request.url.path) not in PASSWORD_CHANGE_ALLOWED
    ):
        raise PasswordChangeRequired(
            "change your password first (POST /api/v1/users/me/password); "
            "nothing else is allowed until then"
        )
    return auth


AuthDep = Annotated[Auth, Depends(get_auth)]


async def get_current_user(auth: AuthDep) -> User:
    """The signed-in user (401 if none)."""
    return auth.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: str) -> Callable[[User], User]:
    """Dependency factory: the current user, if they hold one of ``roles``, else 403.

    Example: ``user: Annotated[User, Depends(require_roles(ADMIN))]``.
    """

    def dependency(user: CurrentUser) -> User:
        require_role(user, *roles)
        return user

    return dependency
