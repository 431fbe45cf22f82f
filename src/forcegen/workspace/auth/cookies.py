"""Session and CSRF cookies, for the API's and the web UI's sign-in.

The session cookie is HttpOnly, SameSite=Strict and (by default) Secure; it holds a random secret
whose SHA-256 is stored. The CSRF cookie holds the session's CSRF token and is readable by
scripts so pages can send it back in the ``X-CSRF-Token`` header; server-rendered forms put it in
a hidden ``csrf_token`` field instead. ``deps.optional_auth`` checks it on every state-changing
cookie request.
"""

from __future__ import annotations

from starlette.responses import Response

from forcegen.workspace.auth.service import NewSession
from forcegen.workspace.config import Settings

__all__ = ["clear_session_cookies", "set_session_cookies"]


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
