"""``forcegen audit keygen``, ``audit prove`` and ``audit verify --proof``: the Merkle audit log.

Usage::

    forcegen audit keygen GBR --key gbr-key.json --publish keys.json   # new key (rotation)
    forcegen audit prove log.jsonl --key gbr-key.json --keys keys.json --index 41 > proof.json
    forcegen audit prove log.jsonl --key gbr-key.json --keys keys.json --from 1000 > cons.json
    forcegen audit verify --proof proof.json --keys keys.json --nation GBR

``verify --proof`` needs only the published key list: exit 0 when the proof holds, 1 when it
does not (the log was rewritten, or the proof is wrong), 2 for bad input (malformed files, a
forged or missing signature, an unknown, expired or another nation's key). ``prove`` checks
its signing key against the same published list first and refuses (exit 2) a key the list does
not hold or has retired: a head it signed now would be refused by every partner.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from forcegen.exceptions import AuditLogError, OptionError, SignatureError

if TYPE_CHECKING:
    from forcegen.labels.keys import KeyList, SigningKey

__all__ = ["keygen", "prove", "register", "verify_proof_file"]


def _read_json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"{path}: cannot read the {what}: {exc}") from None
    except ValueError as exc:
        raise AuditLogError(f"{path}: the {what} is not JSON: {exc}") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OptionError(f"cannot write {path}: {exc.strerror}") from None


def keygen(
    nation: Annotated[str, typer.Argument(help="ISO 3166 alpha-3 code of the signing nation")],
    key: Annotated[Path, typer.Option("--key", help="Write the new private key here (secret)",
                                      dir_okay=False)],
    publish: Annotated[Path, typer.Option(
        "--publish", help="Key list (JSON) to add the public key to; created if absent. The "
        "nation's open keys are retired now (rotation)", dir_okay=False)],
) -> None:
    """Make an Ed25519 signing key for NATION and publish its public half."""
    from forcegen.labels.keys import KeyList, SigningKey, rotate

    if key.exists():
        raise OptionError(f"--key: {key} exists; refusing to overwrite a private key")
    keys = KeyList.read(publish) if publish.exists() else KeyList()
    new = SigningKey.generate(nation.upper())
    keys, new = rotate(keys, new, dt.datetime.now(dt.UTC).replace(microsecond=0))
    _write(key, json.dumps(new.to_json(), indent=2) + "\n")
    _write(publish, json.dumps(keys.to_json(), indent=2) + "\n")
    Console(stderr=True).print(f"key {new.key_id}: private key in {key}, published in {publish}",
                               highlight=False, soft_wrap=True)


def prove(
    log: Annotated[Path, typer.Argument(help="Audit log: JSON Lines, one entry per line",
                                        dir_okay=False)],
    key: Annotated[Path, typer.Option("--key", help="Signing key of the log's operator",
                                      dir_okay=False)],
    keys: Annotated[Path, typer.Option(
        "--keys", help="The published key list: the signing key must be in it and not retired",
        dir_okay=False)],
    index: Annotated[int | None, typer.Option(
        "--index", help="Prove that entry INDEX (0 = first line) is in the log")] = None,
    first: Annotated[int | None, typer.Option(
        "--from", help="Prove the log of its first N entries is a prefix of the log")] = None,
    size: Annotated[int | None, typer.Option(
        "--size", help="Tree size to prove against (default: every entry)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the proof here",
                                             dir_okay=False)] = None,
) -> None:
    """Sign tree heads of LOG and print an inclusion (--index) or consistency (--from) proof."""
    from forcegen.labels.auditlog import consistency_document, inclusion_document, read_log
    from forcegen.labels.keys import KeyList, SigningKey

    if (index is None) == (first is None):
        raise OptionError("give exactly one of --index (inclusion) or --from (consistency)")
    signer = SigningKey.from_json(_read_json(key, "signing key"), str(key))
    _check_published(signer, KeyList.read(keys), key, keys)
    entries = read_log(log)
    n = len(entries) if size is None else size
    if not 0 <= n <= len(entries):
        raise OptionError(f"--size {n}: the log has {len(entries)} entries")
    head = entries.head(signer, n)
    if index is not None:
        doc = inclusion_document(entries, index, head)
    else:
        assert first is not None
        if not 0 <= first <= n:
            raise OptionError(f"--from {first}: expected 0 to {n}")
        doc = consistency_document(entries, entries.head(signer, first), head)
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        _write(out, text + "\n")


def _check_published(signer: SigningKey, keys: KeyList, key: Path, listed: Path) -> None:
    """Refuse a signing key the published list does not hold, or holds as retired.

    A rotation (``keygen``) closes the old key's window in the list but cannot reach the old
    private key file, whose own ``not_after`` stays open: the list is what partners check, so
    it is what decides whether a head signed now would be accepted.
    """
    from forcegen.labels.keys import iso

    now = dt.datetime.now(dt.UTC)
    try:
        keys.lookup(signer.key_id, signer.nation, now)
    except SignatureError as exc:
        published = keys.keys.get(signer.key_id)
        if published is not None and published.not_after is not None and published.not_after <= now:
            raise SignatureError(
                f"--key {key}: key {signer.key_id} was retired in {listed} at "
                f"{iso(published.not_after)}; sign with the nation's current key"
            ) from None
        raise SignatureError(f"--key {key}: {exc}") from None
    if not signer.public.valid_at(now):
        raise SignatureError(f"--key {key}: key {signer.key_id} is not valid now "
                             f"(valid to {iso(signer.not_after)})")


def verify_proof_file(proof: Path, keys: Path | None, nation: str | None) -> None:
    """``audit verify --proof``: print the outcome; exit 1 when the proof does not hold."""
    from forcegen.labels.auditlog import verify_proof
    from forcegen.labels.keys import KeyList

    if keys is None:
        raise OptionError("--proof needs --keys (the published key list)")
    key_list = KeyList.read(keys)
    try:
        ok, message = verify_proof(_read_json(proof, "proof"), key_list,
                                   nation.upper() if nation else None)
    except SignatureError as exc:
        raise SignatureError(f"{proof}: {exc}") from None
    console = Console()
    if ok:
        console.print(f"[green]proof ok[/]: {message}", highlight=False, soft_wrap=True)
        return
    console.print(f"[bold red]FAILED[/]: {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def register(audit_app: typer.Typer) -> None:
    """Add ``keygen`` and ``prove`` to the ``forcegen audit`` group."""
    audit_app.command("keygen")(keygen)
    audit_app.command("prove")(prove)
