"""Objects written in the workspace, signed for their author's nation and stored like a POST.

A server that hosts a nation's analysts may hold that nation's signing keys
(``settings.intel_signing_keys``: a JSON file of ``forcegen audit keygen`` signing keys, kept
where only the server reads it). An object composed on the web page is bound to its label with
the author's nation's key (:func:`forcegen.intel.sign_object`), verified against the published
key list exactly as a TAXII POST is (:func:`forcegen.intel.pair_labels`), and stored through
``store.add_objects`` (the author must be able to grant the label; all or nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from forcegen.exceptions import InputError
from forcegen.intel.readers import Reader
from forcegen.intel.signing import pair_labels, sign_object
from forcegen.labels.keys import KeyList, SigningKey, read_signing_keys
from forcegen.labels.label import Label
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid
from forcegen.workspace.intel import store
from forcegen.workspace.intel.models import IntelCollection

__all__ = ["publish", "read_signing_keys", "signing_key"]


def signing_key(keys: Sequence[SigningKey], nation: str | None,
                at: dt.datetime) -> SigningKey | None:
    """The newest of ``nation``'s keys valid at ``at`` (after a rotation: the new one)."""
    valid = [k for k in keys if k.nation == nation and k.not_before <= at
             and (k.not_after is None or at < k.not_after)]
    return max(valid, key=lambda k: k.not_before, default=None)


def publish(db: Session, collection: IntelCollection, user: User, reader: Reader,
            obj: dict[str, Any], label: Label, keys: Sequence[SigningKey],
            key_list: KeyList) -> dict[str, Any]:
    """Sign ``obj`` with ``label`` for the author's nation and store it; the TAXII status.

    Raises
    ------
    forcegen.workspace.errors.Invalid
        No key of the author's nation on this server, or the signature does not verify
        against the published key list (named at ``label``).
    forcegen.workspace.errors.Forbidden
        The author may not grant the label (``store.add_objects``).
    """
    now = dt.datetime.now(dt.UTC)
    key = signing_key(keys, user.nation, now)
    if key is None:
        who = user.nation or "your account (it has no nation)"
        raise Invalid(f"this server holds no signing key for {who}: objects are signed by "
                      "their originating nation", field="label")
    try:
        signed, mark = sign_object(obj, label, key, now)
        items = pair_labels([signed, mark], key_list)
    except InputError as exc:
        raise Invalid(str(exc), field="label") from None
    return store.add_objects(db, collection, user, reader, items)
