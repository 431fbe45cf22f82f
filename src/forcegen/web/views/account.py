"""Sign in, sign out, one's account (role, nation, clearance), change one's password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from forcegen.web.core import HTMLRoute, PageDep, local_path, render, see_other
from forcegen.web.forms import validate
from forcegen.workspace.api.cookies import (
    clear_login_csrf,
    clear_session_cookies,
    login_csrf_token,
    set_login_csrf,
    set_session_cookies,
)
from forcegen.workspace.api.deps import (
    Auth,
    SessionDep,
    SettingsDep,
    client_address,
    optional_auth,
)
from forcegen.workspace.auth import service as auth_service
from forcegen.workspace.auth.security import constant_time_equal
from forcegen.workspace.config import Settings
from forcegen.workspace.errors import Invalid, RateLimited, Unauthenticated
from forcegen.workspace.users import service as users
from forcegen.workspace.users.schemas import PasswordChange

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after sign-in.
    return local_path(target, "/")


def _login_page(
    request: Request, settings: Settings, ctx: dict[str, Any], status: int = 200
) -> Response:
    """The sign-in form with its pre-session CSRF token (cookie and hidden field)."""
    token, new = login_csrf_token(request, settings)
    response = render(request, "login.html", {**ctx, "login_csrf": token}, status)
    if new:
        set_login_csrf(response, settings, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    settings: SettingsDep,
    auth: Annotated[Auth | None, Depends(optional_auth)],
    next: str | None = None,
) -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    if auth is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, settings, {"next": _safe_next(next), "username": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the form's CSRF token and the credentials, then start a browser session.

    Sign-in attempts are rate limited by the workspace.
    """
    ctx = {"next": _safe_next(next), "username": username}
    # Login CSRF: without the token of a form this browser loaded from us, a cross-site page
    # could sign the victim in to an account of the attacker's choosing.
    if not constant_time_equal(csrf_token, request.cookies.get(settings.login_csrf_cookie)):
        error = "The sign-in form had expired or did not come from this site. Sign in again."
        return _login_page(request, settings, {**ctx, "error": error}, 403)
    if not username or not password:
        return _login_page(
            request, settings, {**ctx, "error": "Enter user name and password."}, 422
        )
    try:
        user = auth_service.authenticate(db, settings, username, password, client_address(request))
    except RateLimited as exc:
        response = _login_page(request, settings, {**ctx, "error": exc.message}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Unauthenticated as exc:
        return _login_page(request, settings, {**ctx, "error": exc.message}, 401)
    new = auth_service.create_browser_session(db, settings, user)
    target = "/account/password" if user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, settings, new)
    clear_login_csrf(response, settings)
    return response


@router.post("/logout")
def logout(
    db: SessionDep,
    settings: SettingsDep,
    auth: Annotated[Auth | None, Depends(optional_auth)],
) -> Response:
    """End the session (the form carries the CSRF token, checked by the workspace)."""
    if auth is not None and auth.session is not None:
        auth_service.end_browser_session(db, auth.session)
    response = see_other("/login", "Signed out.")
    clear_session_cookies(response, settings)
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, page: PageDep) -> Response:
    """The signed-in user's own account: role, nation and clearance (nothing labelled)."""
    return render(request, "account.html", labels=[])


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, page: PageDep) -> Response:
    """Change one's password (required after a generated initial password)."""
    return render(request, "password.html", {"errors": {}}, labels=[])


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    current_password: Annotated[str, Form(max_length=256)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
    repeat_password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Check and store the new password through the users service.

    The service signs out every other session and revokes the account's API tokens.
    """
    data, errors = validate(
        PasswordChange, {"current_password": current_password, "new_password": new_password}
    )
    if not errors and new_password != repeat_password:
        errors = {"repeat_password": "the two new passwords differ"}
    if data is not None and not errors:
        try:
            users.change_own_password(db, settings, page.user, data, keep_session=page.session_id)
        except Invalid as exc:
            errors = {exc.field or "form": exc.message}
        except RateLimited as exc:
            return render(request, "password.html", {"errors": {"form": exc.message}}, 429)
    if errors:
        return render(request, "password.html", {"errors": errors}, 422)
    return see_other("/", "Password changed.")
