"""STIX 2.1 content for the intel tests: one object of each exchanged type."""

from __future__ import annotations

import uuid
from typing import Any

T0 = "2026-11-30T10:00:00.000Z"


def sid(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def indicator(ip: str = "198.51.100.7", modified: str = T0, ident: str | None = None
              ) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1", "id": ident or sid("indicator"),
            "created": T0, "modified": modified, "name": f"C2 server {ip}",
            "pattern": f"[ipv4-addr:value = '{ip}']", "pattern_type": "stix",
            "valid_from": "2026-11-30T10:00:00Z"}


def content_set() -> list[dict[str, Any]]:
    """An indicator, observed data (with its observable), an attack pattern, a threat actor,
    a sighting, a note and a report about a sector."""
    ind = indicator()
    ip = {"type": "ipv4-addr", "spec_version": "2.1",
          "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.7"}
    obs = {"type": "observed-data", "spec_version": "2.1", "id": sid("observed-data"),
           "created": T0, "modified": T0, "first_observed": "2026-11-30T09:00:00Z",
           "last_observed": "2026-11-30T09:30:00Z", "number_observed": 3,
           "object_refs": [ip["id"]]}
    ap = {"type": "attack-pattern", "spec_version": "2.1", "id": sid("attack-pattern"),
          "created": T0, "modified": T0, "name": "Spearphishing Link",
          "external_references": [{"source_name": "mitre-attack", "external_id": "T1566.002"}]}
    ta = {"type": "threat-actor", "spec_version": "2.1", "id": sid("threat-actor"),
          "created": T0, "modified": T0, "name": "Example Group",
          "threat_actor_types": ["nation-state"]}
    sight = {"type": "sighting", "spec_version": "2.1", "id": sid("sighting"), "created": T0,
             "modified": T0, "sighting_of_ref": ind["id"], "count": 2}
    note = {"type": "note", "spec_version": "2.1", "id": sid("note"), "created": T0,
            "modified": T0, "content": "Seen against the northern logistics hub.",
            "object_refs": [ind["id"]]}
    report = {"type": "report", "spec_version": "2.1", "id": sid("report"), "created": T0,
              "modified": T0, "name": "Phishing wave in sector NORTH",
              "published": "2026-11-30T10:00:00Z", "report_types": ["threat-report"],
              "object_refs": [ind["id"], ap["id"], ta["id"]], "x_forcegen_sector": "NORTH"}
    return [ind, ip, obs, ap, ta, sight, note, report]
