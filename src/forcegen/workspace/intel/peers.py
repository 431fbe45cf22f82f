"""Federated peers: the other instances this one shares with, read from a JSON file.

``FORCEGEN_INTEL_PEERS=/etc/forcegen/peers.json`` (or ``forcegen intel sync --peers``)::

    {"peers": [{
       "name": "wellington",
       "url": "https://wellington.example/taxii2/forcegen/",
       "nation": "NZL",
       "clearance": 2,
       "token": "<API token of this instance's account at the peer>",
       "account": "london_peer",
       "collections": {"<local collection id>": "<the peer's collection id>"}}]}

* ``url``: the peer's TAXII 2.1 API root; ``token``: the credential this instance presents
  there (a workspace API token of an account the peer created for it);
* ``nation``, ``clearance`` (0-4 on the workspace's scale, default 0), optional
  ``clearances`` under other policies and ``memberships``: what the peer is released, decided
  exactly as for a workspace user of that nation (``readers.reader_for``): an object crosses
  only if its label is released to that reader;
* ``account``: the local user name the peer posts as here; objects it posts are recorded as
  received from the peer and never sent back to it;
* ``collections``: which local collection is sent to which of the peer's;
* ``pull`` (optional): which local collection receives which of the peer's, fetched from the
  peer (``federation_pull``) with this instance's credential there, as if the peer's
  ``account`` had posted it here. At least one of the two.

A malformed file is refused naming the file, the entry and the field.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from forcegen.exceptions import LabelError, OptionError
from forcegen.intel.readers import Reader
from forcegen.workspace.accounts import OBSERVER, User
from forcegen.workspace.intel.readers import reader_for
from forcegen.workspace.readers import check_clearances, check_memberships

__all__ = ["Peer", "peer_for_account", "read_peers", "reader_of"]

_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class Peer(BaseModel):
    """One federated peer (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=_NAME)]
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+/$", max_length=500)]
    nation: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    clearance: Annotated[int, Field(ge=0, le=4)] = 0
    clearances: list[dict[str, str]] | None = None
    memberships: dict[str, list[str]] | None = None
    token: Annotated[str, Field(min_length=1, max_length=500)]
    account: Annotated[str, Field(min_length=1, max_length=100)]
    collections: Annotated[dict[str, str], Field(max_length=100)] = {}
    pull: Annotated[dict[str, str], Field(max_length=100)] = {}

    @model_validator(mode="after")
    def _some_collection(self) -> Peer:
        if not self.collections and not self.pull:
            raise ValueError("give 'collections' (sent to the peer) or 'pull' (fetched from it)")
        return self

    @field_validator("collections", "pull")
    @classmethod
    def _uuids(cls, value: dict[str, str]) -> dict[str, str]:
        for local, remote in value.items():
            for cid in (local, remote):
                try:
                    uuid.UUID(cid)
                except ValueError:
                    raise ValueError(f"collection ids must be UUIDs, got {cid!r}") from None
        return value

    @field_validator("clearances")
    @classmethod
    def _clearances(cls, value: list[dict[str, str]] | None) -> list[dict[str, str]] | None:
        try:
            return check_clearances(value)
        except (LabelError, KeyError) as exc:
            raise ValueError(str(exc)) from None

    @field_validator("memberships")
    @classmethod
    def _memberships(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        try:
            return check_memberships(value)
        except LabelError as exc:
            raise ValueError(str(exc)) from None


class _PeerFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    peers: Annotated[list[Peer], Field(max_length=100)]


def read_peers(path: Path | str) -> list[Peer]:
    """The peers of a file (unique names).

    Raises
    ------
    forcegen.exceptions.OptionError
        Unreadable or malformed, naming the file, the entry and the field.
    """
    where = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise OptionError(f"{where}: cannot read the peers file: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise OptionError(f"{where}: not JSON: {exc}") from None
    try:
        peers = _PeerFile.model_validate(doc).peers
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = re.sub(r"^Value error, ", "", err["msg"])
        raise OptionError(f"{where} [{loc}]: {msg}") from None
    names = [p.name for p in peers]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise OptionError(f"{where}: peer {dup[0]!r} is listed twice")
    return peers


def reader_of(peer: Peer) -> Reader:
    """What ``peer`` is released: the clearances of a workspace user of its nation."""
    user = User(username=f"peer:{peer.name}", role=OBSERVER, nation=peer.nation,
                clearance=peer.clearance, clearances=peer.clearances,
                memberships=peer.memberships, active=True)
    return reader_for(user)


def peer_for_account(peers: list[Peer], username: str) -> Peer | None:
    """The peer that posts here as ``username`` (``None`` if it is no peer's account)."""
    return next((p for p in peers if p.account == username), None)
