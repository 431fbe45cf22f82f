"""Signing in, API tokens, browser sessions, login rate limiting.

These are plain functions over a SQLAlchemy ``Session``; ``deps.py`` turns them into FastAPI
dependencies and the web UI calls them directly for its sign-in form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.auth import throttle
from forcegen.workspace.auth.models import ApiToken, BrowserSession
from forcegen.workspace.auth.security import (
    hash_password,
    hash_secret,
    new_secret,
    password_needs_rehash,
    verify_password,
)
from forcegen.workspace.config import Settings
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import NotFound, RateLimited, Unauthenticated

__all__ = [
    "NewSession",
    "authenticate",
    "create_api_token",
    "create_browser_session",
    "end_browser_session",
    "end_credentials",
    "list_api_tokens",
    "resolve_api_token",
    "resolve_browser_session",
    "revoke_api_token",
]

TOKEN_PREFIX = "fgt_"


@dataclass(frozen=True, slots=True)
class NewSession:
    """A browser session just created: put ``secret`` in the HttpOnly cookie."""

    secret: str
    csrf_token: str
    row: BrowserSession


def authenticate(
    db: Session, settings: Settings, username: str, password: str, client: str
) -> User:
    """Check a user name and password, throttled as ``auth.throttle`` describes.

    The attempt is recorded and counted (committed) before the password is hashed, and the hash
    runs under the process's password-check semaphore; an unknown name costs the same as a
    known one.

    Raises
    ------
    RateLimited
        A limit is reached (even if the password is now right: the point is to stop guessing),
        or every password-check slot is busy (``Retry-After: 1``).
    Unauthenticated
        Wrong name or password, or the account is disabled (one message for all three).
    """
    key = username.strip().lower()[:100]
    client = client[:100]
    attempt = throttle.admit(db, settings, key, client)
    user = db.scalar(select(User).where(func.lower(User.username) == key))
    try:
        with throttle.hashing_slot(settings):
            ok = verify_password(user.password_hash if user else None, password)
    except RateLimited:
        throttle.forget(db, attempt)
        raise
    if not ok or user is None or not user.active:
        db.commit()  # the attempt's row stays: it is this failure's record
        raise Unauthenticated("wrong user name or password")
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.clear(db, key, client)
    return user


def create_browser_session(db: Session, settings: Settings, user: User) -> NewSession:
    """Start a browser session for ``user``; the caller sets the cookies."""
    secret = new_secret()
    csrf = new_secret()
    row = BrowserSession(
        user_id=user.id,
        token_hash=hash_secret(secret),
        csrf_token=csrf,
        expires_at=utcnow() + dt.timedelta(hours=settings.session_hours),
    )
    db.add(row)
    db.flush()
    audit.record(db, user.username, "login", "user", str(user.id))
    return NewSession(secret=secret, csrf_token=csrf, row=row)


def resolve_browser_session(db: Session, secret: str) -> tuple[User, BrowserSession] | None:
    """The active user and session for a cookie value, or ``None``."""
    row = db.scalar(select(BrowserSession).where(BrowserSession.token_hash == hash_secret(secret)))
    if row is None or row.expires_at <= utcnow():
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def end_browser_session(db: Session, row: BrowserSession) -> None:
    """Sign out: the session can no longer be used."""
    db.delete(row)


def create_api_token(db: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``; the secret is returned once and only its hash is kept."""
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_secret(secret))
    db.add(token)
    db.flush()
    audit.record(db, user.username, "create", "api_token", str(token.id), None, {"name": name})
    return token, secret


# Built once: every API request runs it, and a prebuilt statement skips rebuilding the
# expression and its compiled-cache key (a noticeable share of a small request).
_TOKEN_USER = (
    select(User, ApiToken.id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked.is_(False),
        User.active.is_(True),
    )
)


def resolve_api_token(db: Session, secret: str) -> tuple[User, int] | None:
    """The active user owning ``secret`` and the token's id, or ``None``."""
    found = db.execute(_TOKEN_USER, {"token_hash": hash_secret(secret)}).first()
    return None if found is None else (found[0], found[1])


def end_credentials(
    db: Session, user: User, *, keep_session: int | None = None, keep_token: int | None = None
) -> None:
    """End every browser session and revoke every API token of ``user`` except the ones kept.

    Called when a password is changed or reset: whoever held a session or token obtained with
    the old password (a stolen laptop, a leaked script) is signed out.
    """
    db.execute(
        delete(BrowserSession).where(
            BrowserSession.user_id == user.id,
            *([BrowserSession.id != keep_session] if keep_session is not None else []),
        )
    )
    db.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked.is_(False),
            *([ApiToken.id != keep_token] if keep_token is not None else []),
        )
        .values(revoked=True)
    )


def list_api_tokens(db: Session, user: User) -> list[ApiToken]:
    """The user's own tokens (never the secrets)."""
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def revoke_api_token(db: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (another user's token is "not found")."""
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked:
        raise NotFound("token")
    token.revoked = True
    audit.record(db, user.username, "revoke", "api_token", str(token.id))
    return token
