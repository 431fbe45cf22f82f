"""The workspace's audit signing key: read once, never fatal.

``settings.audit_signing_key`` names a file of ``forcegen audit keygen`` signing keys (one, a
list, or ``{"keys": [...]}``, as ``intel_signing_keys``); the newest key valid now signs the
tree heads. A missing setting or an unusable file does not stop the server: :class:`Signer`
keeps the reason, the pages show it and the signing endpoints answer 409 with it (a
state of the server, as a missing audit head row is; never a 5xx).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from forcegen.exceptions import SignatureError
from forcegen.labels.keys import KeyList, SigningKey, read_signing_keys

__all__ = ["Signer", "load_signer"]

_UNSET = ("no audit signing key is configured (set FORCEGEN_AUDIT_SIGNING_KEY to a key file "
          "made by `forcegen audit keygen`): tree heads cannot be signed")


@dataclass(frozen=True)
class Signer:
    """The key that signs tree heads (or why there is none) and the keys that check them."""

    key: SigningKey | None
    problem: str | None = None
    #: Public halves of every key in the file: heads signed before a rotation still check.
    keys: KeyList = field(default_factory=KeyList)

    def require(self) -> SigningKey:
        """The signing key; ``Conflict`` (409) saying why there is none."""
        from forcegen.workspace.errors import Conflict

        if self.key is None:
            raise Conflict(self.problem or _UNSET)
        return self.key


def load_signer(path: str | None, now: dt.datetime | None = None) -> Signer:
    """The signer of ``settings.audit_signing_key``; a :class:`Signer` without key if unusable."""
    if not path:
        return Signer(None, _UNSET)
    try:
        found = read_signing_keys(path)
        keys = KeyList({k.key_id: k.public for k in found}.values())
    except SignatureError as exc:
        return Signer(None, f"the audit signing key cannot be used: {exc}")
    at = now or dt.datetime.now(dt.UTC)
    valid = [k for k in found if k.public.valid_at(at)]
    if not valid:
        return Signer(None, f"{path}: no audit signing key in it is valid now", keys)
    return Signer(max(valid, key=lambda k: (k.not_before, k.key_id)), None, keys)
