"""The offer and delivery cycle: ``offered -> committed -> in-transit -> delivered | released``.

One function decides whether a change is allowed, for the file reader (an offer's recorded
``history``) and for the workspace alike (which records who changed what, and when). A change
the cycle does not allow raises :class:`StatusError`, an input error (CLI exit 2, API 4xx).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from forcegen.exceptions import InputError
from forcegen.relief.models import OFFER_STATUSES

__all__ = ["NEXT", "StatusChange", "StatusError", "check_history", "transition"]

#: The statuses each status may change to. ``released`` gives the offer back to its nation; help
#: already on its way (``in-transit``) can only arrive.
NEXT: dict[str, tuple[str, ...]] = {
    "offered": ("committed", "released"),
    "committed": ("in-transit", "released"),
    "in-transit": ("delivered",),
    "delivered": (),
    "released": (),
}


class StatusError(InputError):
    """A status change the offer cycle does not allow (delivered before committed, ...)."""


@dataclass(frozen=True)
class StatusChange:
    """One change of an offer's status, with who made it and when (both optional in files)."""

    offer: str
    before: str
    after: str
    by: str | None = None
    at: dt.datetime | dt.date | None = None


def transition(offer: str, before: str, after: str) -> str:
    """The new status ``after`` if an offer may go there from ``before``.

    Raises
    ------
    StatusError
        For an unknown status or a change the cycle does not allow, naming the offer and the
        statuses it may go to.
    """
    for s in (before, after):
        if s not in NEXT:
            raise StatusError(f"offer {offer!r}: unknown status {s!r}; expected one of "
                              f"{', '.join(OFFER_STATUSES)}")
    if after not in NEXT[before]:
        allowed = ", ".join(NEXT[before]) or "nothing (it is final)"
        raise StatusError(f"offer {offer!r}: cannot go from {before} to {after}; from {before} "
                          f"it may go to {allowed}")
    return after


def _moment(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


def check_history(offer: str, steps: Sequence[tuple[str, dt.datetime | dt.date | None,
                                                     str | None]]) -> list[StatusChange]:
    """The changes of a recorded history ``[(status, at, by), ...]`` starting from ``offered``.

    A history may begin with ``offered`` itself (its record of being offered). Times, where
    given, must not go backwards.

    Raises
    ------
    StatusError
        At the first step the cycle does not allow, or the first that goes back in time.
    """
    out: list[StatusChange] = []
    current = "offered"
    last: dt.datetime | None = None
    for k, (status, at, by) in enumerate(steps):
        if at is not None:
            moment = _moment(at)
            if last is not None and moment < last:
                raise StatusError(f"offer {offer!r}: step {k + 1} ({status}) at {at} is "
                                  "earlier than the step before it")
            last = moment
        if k == 0 and status == "offered":
            continue
        out.append(StatusChange(offer, current, transition(offer, current, status), by, at))
        current = status
    return out
