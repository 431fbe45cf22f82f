"""``forcegen audit anchor`` and ``forcegen audit verify``: anchor the workspace audit trail.

Usage: ``forcegen audit anchor --to anchors.jsonl`` appends the current anchor to a JSON Lines
file: a signed tree head of the Merkle log (size, root, time, key id, Ed25519 signature) when
the workspace's audit signing key is known (``--key`` or ``FORCEGEN_AUDIT_SIGNING_KEY``), else
the hash chain's head (sequence number and hash, unsigned). Keep that file where the
database's writers cannot change it (another machine, a write-once share) and run it from cron
after working hours. ``forcegen audit verify --anchors anchors.jsonl [--keys keys.json]``
recomputes the hash chain and the Merkle log and checks every anchor (a signed head by a
consistency proof to the log now, its signature with the key list): exit 0 if intact, 1 if the
chain, the log or an anchor fails (a rewritten or truncated trail), 2 for bad input (including
a signed head whose signature does not verify). ``--database-url`` defaults as for
``forcegen serve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from forcegen.exceptions import OptionError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from forcegen.labels.keys import KeyList
    from forcegen.workspace.audit.service import Checkpoint, VerifyResult
    from forcegen.workspace.audit.signer import Signer

__all__ = ["anchor", "audit_app", "register", "verify"]

audit_app = typer.Typer(
    name="audit",
    help="Anchor the workspace audit trail and verify it; prove and verify a Merkle audit log.",
    no_args_is_help=True,
)

DatabaseUrl = Annotated[str | None, typer.Option(
    "--database-url",
    help="SQLAlchemy URL (default: FORCEGEN_DATABASE_URL, else forcegen.sqlite here)",
)]
_TABLES = ("audit_log", "audit_head")
#: The Merkle log's tables (migration 0014): absent from a workspace not upgraded yet.
_MERKLE_TABLES = ("audit_node", "audit_tree_head")
SigningKeyFile = Annotated[Path | None, typer.Option(
    "--key", help="The workspace's audit signing key (default: FORCEGEN_AUDIT_SIGNING_KEY)",
    dir_okay=False,
)]


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given (it then fails with a clear error)
        return url


def _open(database_url: str | None, merkle: bool = True) -> Engine:
    """An engine on an existing workspace database; never creates or migrates anything.

    With ``merkle`` the database must have the Merkle audit log's tables (migration 0014);
    callers checking their own tables first call :func:`require_merkle` after.
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from forcegen.workspace.config import Settings
    from forcegen.workspace.database import make_engine

    url = database_url or Settings().database_url
    shown = _shown(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise OptionError(
            f"--database-url: {shown!r} is not a database URL; expected e.g. "
            "sqlite:///forcegen.sqlite or postgresql+psycopg://user@host/db"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        # Connecting would create an empty file: check it exists first.
        name = parsed.database or ""
        if name in ("", ":memory:") or name.startswith("file:"):
            raise OptionError(f"--database-url: {shown}: give the path of a workspace SQLite file")
        if not Path(name).is_file():
            raise OptionError(f"--database-url: no SQLite database at {name}")
    engine = None
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            inspector = inspect(conn)
            missing = [t for t in _TABLES if not inspector.has_table(t)]
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        if engine is not None:
            engine.dispose()
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise OptionError(f"cannot open the database {shown}: "
                          f"{detail[0] if detail else type(exc).__name__}") from None
    # A missing table means this is not a workspace database (exit 2). A missing head *row*
    # is left to the verification, which reports it as tampering (exit 1): every workspace
    # database has one from its first migration on.
    if missing:
        engine.dispose()
        raise OptionError(f"{shown}: no {' or '.join(missing)} table: not a forcegen workspace "
                          "database (start `forcegen serve` on it once to create the workspace)")
    if merkle:
        require_merkle(engine)
    return engine


def require_merkle(engine: Engine) -> None:
    """Exit 2 (and dispose) if the workspace predates the Merkle audit log (migration 0014).

    Every audited write and every check needs its tables.
    """
    from sqlalchemy import inspect

    with engine.connect() as conn:
        inspector = inspect(conn)
        old = [t for t in _MERKLE_TABLES if not inspector.has_table(t)]
    if old:
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        raise OptionError(f"{shown}: no {' or '.join(old)} table: the workspace predates the "
                          "Merkle audit log (start `forcegen serve` on it once to upgrade it)")


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session on one consistent snapshot (see ``read_snapshot``); then dispose."""
    from forcegen.workspace.database import read_snapshot

    try:
        with read_snapshot(engine) as db:
            yield db
    finally:
        engine.dispose()


def _report(console: Console, result: VerifyResult, source: str | None) -> bool:
    """Print the outcome; true if the trail is intact."""
    from forcegen.workspace.audit.service import AnchorVerifyResult

    if not result.ok:
        console.print(f"[bold red]FAILED[/]: {result.reason}", highlight=False, soft_wrap=True)
        console.print(f"first bad entry: seq {result.first_bad_seq}", highlight=False)
        return False
    console.print(f"[green]chain ok[/]: {result.checked} entries; the Merkle log, its nodes "
                  "and the signed heads handed out agree with them", highlight=False,
                  soft_wrap=True)
    if isinstance(result, AnchorVerifyResult):
        console.print(f"[green]anchors ok[/]: {result.anchors_checked} checked from {source}",
                      highlight=False, soft_wrap=True)
    else:
        console.print("[yellow]note[/]: no anchors given; a chain rewritten with every hash "
                      "recomputed would still pass. Use --anchors FILE.", soft_wrap=True)
    return True


def _signer(key: Path | None) -> Signer:
    """The audit signing key of ``--key`` (must be usable) or of the settings (may be absent)."""
    from forcegen.workspace.audit.signer import load_signer
    from forcegen.workspace.config import Settings

    if key is not None:
        signer = load_signer(str(key))
        if signer.key is None:
            raise OptionError(f"--key: {signer.problem}")
        return signer
    return load_signer(Settings().audit_signing_key)


def _head_keys(keys: Path | None, signer: Signer) -> KeyList | None:
    """The key list signed heads are checked with: ``--keys``, else the signing key file's.

    None when there is neither: a signed head given then is refused, asking for ``--keys``.
    """
    from forcegen.labels.keys import KeyList

    if keys is not None:
        return KeyList.read(keys)
    return signer.keys if signer.keys.keys else None


@audit_app.command("anchor")
def anchor(
    database_url: DatabaseUrl = None,
    to: Annotated[Path | None, typer.Option(
        "--to", help="Append the anchor to this JSON Lines file (created if absent)",
        dir_okay=False,
    )] = None,
    key: SigningKeyFile = None,
    keys: Annotated[Path | None, typer.Option(
        "--keys", help="Published key list to check the signed heads already in FILE with "
        "(default: the signing key's)", dir_okay=False,
    )] = None,
) -> None:
    """Print the current anchor as one JSON line, or append it to FILE.

    With the audit signing key the anchor is a signed tree head of the Merkle log, else the
    chain's (unsigned) head. The chain and the log (and, with --to, every anchor already in
    FILE) are verified first: a broken or rewritten trail is not anchored (exit 1).
    """
    from forcegen.labels.auditlog import TreeHead
    from forcegen.workspace.audit import service, tree

    earlier = service.read_anchors(to) if to is not None and to.exists() else []
    if to is not None and not to.parent.is_dir():
        raise OptionError(f"--to: folder {to.parent} does not exist")
    signer = _signer(key)
    engine = _open(database_url)
    err = Console(stderr=True)
    current: Checkpoint | None = None
    with _snapshot(engine) as db:
        result = service.verify_anchors(db, earlier, keys=_head_keys(keys, signer))
        if result.ok:
            # Signed over the entries just verified (the snapshot holds still meanwhile).
            current = (tree.sign_head(db, signer.key, result.checked, store=False)
                       if signer.key is not None else service.current_anchor(db))
    if current is None:
        _report(err, result, str(to))
        err.print("not anchored", highlight=False)
        raise typer.Exit(1)
    line = service.anchor_line(current)
    if signer.key is None:
        err.print(f"[yellow]note[/]: an unsigned chain anchor: {signer.problem}",
                  highlight=False, soft_wrap=True)
    if to is None:
        typer.echo(line)
        return
    # One write of one whole line; a file that lacks its final newline gets one first.
    prefix = ""
    if to.exists() and to.stat().st_size > 0:
        with to.open("rb") as f:
            f.seek(-1, 2)
            prefix = "" if f.read(1) == b"\n" else "\n"
    try:
        with to.open("a", encoding="utf-8") as f:
            f.write(prefix + line + "\n")
    except OSError as exc:
        raise OptionError(f"--to: cannot write {to}: {exc.strerror}") from None
    what = (f"the signed tree head of {current.tree_size} entries"
            if isinstance(current, TreeHead) else f"seq {current.seq}")
    err.print(f"anchored {what} in {to}", highlight=False, soft_wrap=True)


@audit_app.command("verify")
def verify(
    database_url: DatabaseUrl = None,
    anchors: Annotated[Path | None, typer.Option(
        "--anchors", help="JSON Lines file of anchors written by `forcegen audit anchor`",
        dir_okay=False,
    )] = None,
    proof: Annotated[Path | None, typer.Option(
        "--proof", help="Check a Merkle proof written by `forcegen audit prove` instead",
        dir_okay=False,
    )] = None,
    keys: Annotated[Path | None, typer.Option(
        "--keys", help="The published key list (JSON): for --proof, and for the signed tree "
        "heads in --anchors (default there: the audit signing key's)", dir_okay=False,
    )] = None,
    nation: Annotated[str | None, typer.Option(
        "--nation", help="With --proof: the nation whose key must have signed the heads",
    )] = None,
) -> None:
    """Recompute the audit chain and Merkle log, check them against anchors: 0 ok, 1 tampered.

    With --proof, check an inclusion or consistency proof of a Merkle audit log with only the
    published key list (exit 0 holds, 1 does not hold, 2 bad input or signature).
    """
    if proof is not None:
        if database_url is not None or anchors is not None:
            raise OptionError("--proof checks a proof file: give no --database-url or --anchors")
        from forcegen.cli.auditlog_cmds import verify_proof_file

        verify_proof_file(proof, keys, nation)
        return
    if nation is not None:
        raise OptionError("--nation goes with --proof")
    if keys is not None and anchors is None:
        raise OptionError("--keys goes with --proof or --anchors")
    from forcegen.labels.auditlog import TreeHead
    from forcegen.workspace.audit import service

    checkpoints = service.read_anchors(anchors) if anchors is not None else None
    head_keys = None
    if checkpoints is not None and any(isinstance(c, TreeHead) for c in checkpoints):
        head_keys = _head_keys(keys, _signer(None))
    engine = _open(database_url)
    console = Console()
    console.print(f"database: {engine.url.render_as_string(hide_password=True)}",
                  highlight=False, soft_wrap=True)
    with _snapshot(engine) as db:
        result = (service.verify(db) if checkpoints is None
                  else service.verify_anchors(db, checkpoints, keys=head_keys))
    if not _report(console, result, str(anchors)):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``forcegen audit anchor``, ``verify``, and the Merkle log's ``keygen`` and ``prove``."""
    from forcegen.cli import auditlog_cmds

    auditlog_cmds.register(audit_app)
    app.add_typer(audit_app, name="audit")
