"""The relief dashboard's figures: each request's state, and totals per place and per nation.

Counted over what the reader may see only (labels, and a liaison's or observer's own nation
for offers), like every list: a total never includes a hidden item.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from forcegen.workspace.accounts import User
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.listing import PageParams
from forcegen.workspace.relief import offers as offer_service
from forcegen.workspace.relief import requests as request_service
from forcegen.workspace.relief.common import event_or_404

__all__ = ["Board", "RequestState", "board"]

_ALL = PageParams(limit=10**6, offset=0)
_HELD = ("committed", "in-transit", "delivered")


@dataclass
class RequestState:
    """One request and the units held for it, by status."""

    id: str
    capability: str
    place: str
    at: list[float]
    priority: int
    by_hours: float
    asked: int
    committed: int = 0
    in_transit: int = 0
    delivered: int = 0

    @property
    def open(self) -> int:
        """Units nobody has committed yet."""
        return max(0, self.asked - self.committed - self.in_transit - self.delivered)

    @property
    def state(self) -> str:
        """``delivered``, ``in transit``, ``committed``, ``partly committed`` or ``open``."""
        if self.delivered >= self.asked:
            return "delivered"
        if self.open == 0:
            return "in transit" if self.in_transit + self.delivered >= self.asked else "committed"
        return "partly committed" if self.open < self.asked else "open"


@dataclass
class Board:
    """The dashboard of one event."""

    event: str
    name: str
    requests: list[RequestState] = field(default_factory=list)
    places: dict[str, dict[str, int]] = field(default_factory=dict)
    nations: dict[str, dict[str, int]] = field(default_factory=dict)
    offers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, each request with its ``open`` units and ``state``."""
        return {
            **asdict(self),
            "requests": [{**asdict(r), "open": r.open, "state": r.state} for r in self.requests],
        }


def board(db: Session, user: User, event_id: str, trail: ReadTrail | None = None) -> Board:
    """The figures of event ``event_id`` as ``user`` may see them (404 if it is hidden).

    ``trail``: notes the event, requests and offers the board shows (``audit.reads``).
    """
    ev = event_or_404(db, user, event_id)
    reqs, _ = request_service.list_page(db, user, _ALL, event=ev.id)
    offers, _ = offer_service.list_page(db, user, _ALL, event=ev.id)
    if trail is not None:
        trail.add("relief_event", ev.id, ev)
        trail.add_rows("relief_request", reqs)
        trail.add_rows("relief_offer", offers, owner_key="nation")
    out = Board(ev.id, ev.name or ev.id)
    by_id = {}
    for r in reqs:
        st = RequestState(
            r.id, r.capability, r.place or r.id, list(r.at), r.priority, r.by_hours, r.quantity
        )
        by_id[r.id] = st
        out.requests.append(st)
    for o in offers:
        key = o.status.replace("-", "_")
        if o.status in _HELD and o.request in by_id:
            st = by_id[o.request]
            setattr(st, key, getattr(st, key) + o.quantity)
        n = out.nations.setdefault(
            o.nation,
            dict.fromkeys(("offered", "committed", "in_transit", "delivered", "released"), 0),
        )
        n[key] += o.quantity
        out.offers.append(
            {
                "id": o.id,
                "nation": o.nation,
                "capability": o.capability,
                "quantity": o.quantity,
                "status": o.status,
                "home": list(o.home),
                "request": o.request,
                "mode": o.mode,
            }
        )
    for st in out.requests:
        p = out.places.setdefault(st.place, {"requests": 0, "asked": 0, "open": 0, "delivered": 0})
        p["requests"] += 1
        p["asked"] += st.asked
        p["open"] += st.open
        p["delivered"] += st.delivered
    out.requests.sort(key=lambda s: (s.priority, s.by_hours, s.id))
    return out
