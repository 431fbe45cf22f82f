"""A small relief event for the workspace tests: Tonga asks, France and Germany offer."""

from __future__ import annotations

import itertools
from typing import Any

API = "/api/v1"
_n = itertools.count(1)

EVENT: dict[str, Any] = {
    "name": "Cyclone (test)",
    "at": [-175.2, -21.1],
    "started": "2027-02-10T00:00:00Z",
    "items": [{"id": "WATER-PURIF", "name": "Water purification unit"}],
    "airfields": [
        {"id": "NFTF", "name": "Fua'amotu", "at": [-175.15, -21.24]},
        {"id": "NWWW", "name": "La Tontouta", "at": [166.21, -22.01]},
    ],
    "ports": [
        {"id": "nukualofa", "name": "Nuku'alofa", "at": [-175.19, -21.13]},
        {"id": "noumea", "name": "Noumea", "at": [166.44, -22.27]},
    ],
    "settings": {"reach_km": 60},
}
#: Nuku'alofa.
PLACE = [-175.20, -21.14]
#: La Tontouta.
HOME = [166.21, -22.01]


def new_event(ws: Any, **over: Any) -> str:
    ident = over.pop("id", f"EV-T{next(_n)}")
    r = ws.client("admin").post(f"{API}/relief/events", json={"id": ident, **EVENT, **over})
    assert r.status_code == 201, r.text
    return ident


def new_request(ws: Any, event: str, **over: Any) -> str:
    ident = over.pop("id", f"RQ-T{next(_n)}")
    body = {"id": ident, "event": event, "capability": "WATER-PURIF", "quantity": 2,
            "at": PLACE, "place": "Nuku'alofa", "by_hours": 72, "priority": 1, **over}
    r = ws.client("admin").post(f"{API}/relief/requests", json=body)
    assert r.status_code == 201, r.text
    return ident


def new_offer(ws: Any, event: str, nation: str = "FRA", **over: Any) -> str:
    ident = over.pop("id", f"{nation}-OT{next(_n)}")
    body = {"id": ident, "event": event, "nation": nation, "capability": "WATER-PURIF",
            "quantity": 1, "home": HOME, "notice_hours": 12, "mode": "air", **over}
    r = ws.client("admin").post(f"{API}/relief/offers", json=body)
    assert r.status_code == 201, r.text
    return ident


def version(ws: Any, path: str) -> int:
    return int(ws.client("admin").get(f"{API}{path}").json()["version"])


def hxl_table(event: str, rid: str = "RQ-HXL-1") -> bytes:
    return (
        "event,request,item,place,lat,lon,priority,asked,needed by h\n"
        "#crisis+id,#activity+id,#item+code,#loc+name,#geo+lat,#geo+lon,#meta+priority,"
        "#targeted+num,#meta+needed_by_hours\n"
        f"{event},{rid},WATER-PURIF,Nuku'alofa,-21.14,-175.2,1,3,72\n"
    ).encode()
