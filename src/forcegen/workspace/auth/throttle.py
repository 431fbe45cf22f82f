"""Sign-in throttling: attempts are counted in the database before any password is hashed.

Two attacks shaped this (issue 8):

* a flood of sign-ins with random user names made the server run argon2 (64 MiB, ~50 ms) for
  every one of them, so signed-in users waited seconds and memory grew by a gigabyte;
* parallel guesses all passed a "count the failures, then hash" check, because none of them had
  failed yet when the others counted.

So an attempt is first *recorded* (a ``login_attempts`` row, committed at once) and only then
counted. Every attempt counts the rows committed before its count query, its own included; the
k-th attempt to commit therefore sees at least k rows, whatever the isolation level and however
many server processes there are, and at most ``limit`` attempts of one key get past a limit of
``limit``. An attempt that is refused deletes its row again, so refused requests (an attacker
hammering) neither lock out other addresses through the global limit nor stretch the window;
a row stays only for a password that was checked and was wrong, and a successful sign-in deletes
the rows of its (user name, address).

Three limits, each over ``Settings.login_window_seconds``:

* ``login_max_failures`` per (user name, client address): stops guessing one password;
* ``login_max_failures_per_client`` per client address, any user name: stops one address from
  spraying names (known or not, they cost the same);
* ``login_max_failures_total`` over everything: bounds the argon2 work a distributed flood can
  cause (at the price of delaying every sign-in while the flood lasts).

Then at most ``login_concurrent_hashes`` password checks run at once in a process (a semaphore,
not a queue): the excess is answered 429 with ``Retry-After: 1`` at once, so neither threads nor
argon2's memory pile up. Unknown user names go through exactly the same steps and are checked
against a dummy hash under the same semaphore, so timing tells nothing about which names exist.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.orm import Session

from forcegen.workspace.auth.models import LoginAttempt
from forcegen.workspace.config import Settings
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import RateLimited

__all__ = ["admit", "clear", "forget", "hashing_slot"]

_TOO_MANY = "too many failed sign-ins; wait before trying again"
_BUSY = "the server is busy checking other sign-ins; try again in a moment"

_semaphores: dict[int, threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def _semaphore(size: int) -> threading.BoundedSemaphore:
    with _semaphores_lock:
        sem = _semaphores.get(size)
        if sem is None:
            sem = _semaphores[size] = threading.BoundedSemaphore(max(1, size))
        return sem


@contextmanager
def hashing_slot(settings: Settings) -> Iterator[None]:
    """Hold one of the process's password-check slots, or raise 429 at once if none is free."""
    sem = _semaphore(settings.login_concurrent_hashes)
    if not sem.acquire(blocking=False):
        raise RateLimited(_BUSY, retry_after=1)
    try:
        yield
    finally:
        sem.release()


def _counts(db: Session, since: dt.datetime, username: str, client: str) -> tuple[int, int, int]:
    """Rows in the window: (this user name and address, this address, all), in one query."""
    row = db.execute(
        select(
            func.coalesce(func.sum(case((and_(LoginAttempt.username == username,
                                              LoginAttempt.client == client), 1), else_=0)), 0),
            func.coalesce(func.sum(case((LoginAttempt.client == client, 1), else_=0)), 0),
            func.count(),
        ).where(LoginAttempt.at >= since)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _over(settings: Settings, counts: tuple[int, int, int], margin: int) -> bool:
    limits = (
        settings.login_max_failures,
        settings.login_max_failures_per_client,
        settings.login_max_failures_total,
    )
    return any(n > limit - margin for n, limit in zip(counts, limits, strict=True))


def admit(db: Session, settings: Settings, username: str, client: str) -> int:
    """Record an attempt and check every limit; returns the attempt's row id.

    Commits ``db`` (the row must be visible to concurrent attempts before they count).

    Raises
    ------
    RateLimited
        If a limit is reached; the attempt's row is removed again first.
    """
    now = utcnow()
    window = dt.timedelta(seconds=settings.login_window_seconds)
    since = now - window
    # Fast path for a flood: already at a limit, refuse without writing anything. (Only an
    # optimisation: the count after the insert below is what makes the limit hold.)
    if _over(settings, _counts(db, since, username, client), margin=1):
        db.rollback()
        raise RateLimited(_TOO_MANY, retry_after=settings.login_window_seconds)
    # Expired rows go first: the table only ever holds about one window of failures.
    db.execute(delete(LoginAttempt).where(LoginAttempt.at < since))
    row = LoginAttempt(username=username, client=client, at=now)
    db.add(row)
    db.flush()
    row_id = row.id
    db.commit()
    if _over(settings, _counts(db, since, username, client), margin=0):
        forget(db, row_id)
        raise RateLimited(_TOO_MANY, retry_after=settings.login_window_seconds)
    return row_id


def forget(db: Session, row_id: int) -> None:
    """Remove one attempt's row (refused before its password was checked) and commit."""
    db.execute(delete(LoginAttempt).where(LoginAttempt.id == row_id))
    db.commit()


def clear(db: Session, username: str, client: str) -> None:
    """After a successful sign-in: the (user name, address) starts afresh (not committed)."""
    db.execute(
        delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.client == client)
    )
