"""Session and CSRF cookies, for the API's and the web UI's sign-in.

The session cookie is HttpOnly, SameSite=Strict and (by default) Secure; it holds a random secret
whose SHA-256 is stored. The CSRF cookie holds the session's CSRF token and is readable by
scripts so pages can send it back in the ``X-CSRF-Token`` header; server-rendered forms put it in
a hidden ``csrf_token`` field instead. ``deps.optional_auth`` checks it on every state-changing
cookie request.

The sign-in form has no session yet, so it gets a pre-session token instead (double submit):
``GET /login`` sets it in an HttpOnly, SameSite=Strict cookie and in the form's hidden
``csrf_token`` field, and ``POST /login`` requires both to be equal. A cross-site page cannot
read the cookie and the browser does not send a SameSite=Strict cookie with a cross-site post,
so it cannot sign the victim in to the attacker's account (login CSRF).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from forcegen.workspace.auth.security import new_secret
from forcegen.workspace.auth.service import NewSession
from forcegen.workspace.config import Settings

__all__ = [
    "LOGIN_CSRF_MINUTES",
    "clear_login_csrf",
    "clear_session_cookies",
    "login_csrf_token",
    "set_login_csrf",
    "set_session_cookies",
]

#: How long a sign-in form stays valid.
LOGIN_CSRF_MINUTES = 120


def login_csrf_token(request: Request, settings: Settings) -> tuple[str, bool]:
    """The sign-in form's token: the browser's current one, or a new one (``True``: set it)."""
    current = request.cookies.get(settings.login_csrf_cookie)
    if current and len(current) == 43:  # the length of new_secret()
        return current, False
    return new_secret(), True


def set_login_csrf(response: Response, settings: Settings, token: str) -> None:
    """Attach the sign-in form's pre-session CSRF cookie."""
    response.set_cookie(
        settings.login_csrf_cookie,
        token,
        max_age=LOGIN_CSRF_MINUTES * 60,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


def clear_login_csrf(response: Response, settings: Settings) -> None:
    """Remove the pre-session cookie (signed in: the session's own token takes over)."""
    response.delete_cookie(
        settings.login_csrf_cookie, path="/", secure=settings.cookie_secure, httponly=True,
        samesite="strict",
    )


def set_session_cookies(response: Response, settings: Settings, session: NewSession) -> None:
    """Attach the session and CSRF cookies of a new sign-in to ``response``."""
    max_age = int(settings.session_hours * 3600)
    response.set_cookie(
        settings.session_cookie,
        session.secret,
        max_age=max_age,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        settings.csrf_cookie,
        session.csrf_token,
        max_age=max_age,
        path="/",
        secure=settings.cookie_secure,
        httponly=False,
        samesite="strict",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    """Remove both cookies (sign-out)."""
    for name, http_only in ((settings.session_cookie, True), (settings.csrf_cookie, False)):
        response.delete_cookie(
            name, path="/", secure=settings.cookie_secure, httponly=http_only, samesite="strict"
        )
