"""``/api/v1/auth``: sign in and out (browser session), API tokens for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel

from forcegen.workspace.api.cookies import clear_session_cookies, set_session_cookies
from forcegen.workspace.api.deps import (
    AuthDep,
    CurrentUser,
    SessionDep,
    SettingsDep,
    client_address,
)
from forcegen.workspace.api.errors import ErrorResponse
from forcegen.workspace.auth import service
from forcegen.workspace.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
)
from forcegen.workspace.users.schemas import UserRead

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["auth"])


class SessionInfo(BaseModel):
    """Who is signed in, and the CSRF token to send with state-changing requests.

    An API shape of this module only: it joins ``auth`` and ``users``, so it lives above both.
    """

    user: UserRead
    csrf_token: str | None = None


@router.post(
    "/login",
    response_model=SessionInfo,
    responses={429: {"model": ErrorResponse, "description": "too many attempts, or busy"}},
)
def login(
    request: Request, response: Response, db: SessionDep, settings: SettingsDep, body: LoginRequest
) -> SessionInfo:
    """Sign in: sets the session cookie and returns the CSRF token.

    429 (``Retry-After``) after ``login_max_failures`` failures per user name and address, too
    many failures from the address or in total, or when every password-check slot is busy
    (``Retry-After: 1``). Attempts are counted before the password is checked.
    """
    user = service.authenticate(db, settings, body.username, body.password, client_address(request))
    new = service.create_browser_session(db, settings, user)
    set_session_cookies(response, settings, new)
    return SessionInfo(user=UserRead.model_validate(user), csrf_token=new.csrf_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(db: SessionDep, settings: SettingsDep, auth: AuthDep) -> Response:
    """End the browser session (a no-op for API tokens, which are revoked instead)."""
    if auth.session is not None:
        service.end_browser_session(db, auth.session)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, settings)
    return response


@router.get("/session", response_model=SessionInfo)
def session_info(auth: AuthDep) -> SessionInfo:
    """The signed-in user and, for a browser session, its CSRF token."""
    return SessionInfo(
        user=UserRead.model_validate(auth.user),
        csrf_token=auth.session.csrf_token if auth.session else None,
    )


@router.get("/tokens", response_model=list[ApiTokenRead])
def list_tokens(db: SessionDep, user: CurrentUser) -> list[ApiTokenRead]:
    """The caller's API tokens."""
    return [ApiTokenRead.model_validate(t) for t in service.list_api_tokens(db, user)]


@router.post("/tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(db: SessionDep, user: CurrentUser, body: ApiTokenCreate) -> ApiTokenCreated:
    """A new API token for the caller; the secret is in the response only."""
    token, secret = service.create_api_token(db, user, body.name)
    return ApiTokenCreated(
        id=token.id, name=token.name, created_at=token.created_at, revoked=False, token=secret
    )


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(
    db: SessionDep, user: CurrentUser, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    """Revoke one of the caller's tokens."""
    service.revoke_api_token(db, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
