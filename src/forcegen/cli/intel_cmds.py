"""``forcegen intel``: sign STIX bundles, create collections, import and export them.

Usage::

    forcegen intel sign objects.json --label label.json --key gbr-key.json > labelled.json
    forcegen intel collection "GBR-NZL partnership" --label partners.json
    forcegen intel import labelled.json --collection <id> --as gbr_analyst --keys keys.json
    forcegen intel export --collection <id> --as nzl_analyst --keys keys.json > bundle.json
    forcegen intel sync --peers peers.json --keys keys.json

A label file is the STANAG 4774 JSON form (``forcegen.labels.label.label_to_json``). ``sign``
binds that label to every object of a bundle with the originating nation's key; ``import``
verifies every signature against the published key list, checks that the user may grant each
label and stores all objects or none; ``export`` writes a bundle of what that user may see,
each object with its label marking. Bad input (a malformed bundle or label, a forged
signature, an unknown user or collection, a label the user may not grant) exits 2, nothing
stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from forcegen.cli.audit_cmds import DatabaseUrl, _open, require_merkle
from forcegen.exceptions import OptionError, StixError

__all__ = ["intel_app", "register"]

intel_app = typer.Typer(
    name="intel",
    help="Share intelligence as STIX 2.1 bundles under security labels.",
    no_args_is_help=True,
)

Output = Annotated[Path | None, typer.Option("--out", "-o",
                                             help="Write here instead of standard output")]
As = Annotated[str, typer.Option("--as", help="Workspace user whose clearances apply")]
CollectionId = Annotated[str, typer.Option("--collection", help="Collection id (a UUID)")]


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OptionError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None


def _json(path: Path, what: str) -> Any:
    from forcegen.intel.bundle import read_json

    return read_json(_read(path, what), str(path))


def _emit(doc: Any, out: Path | None) -> None:
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OptionError(f"{out}: cannot write: {exc.strerror or exc}") from None


@intel_app.command("sign")
def sign(
    bundle: Annotated[Path, typer.Argument(help="STIX 2.1 bundle of unlabelled objects")],
    label: Annotated[Path, typer.Option("--label", help="4774 label (JSON) to bind")],
    key: Annotated[Path, typer.Option("--key", help="Signing key of the label's originator")],
    out: Output = None,
) -> None:
    """Bind one label to every object of a bundle (adds a label marking per object)."""
    from forcegen.intel.bundle import make_bundle, read_bundle
    from forcegen.intel.signing import sign_object
    from forcegen.labels.keys import SigningKey
    from forcegen.labels.label import label_from_json

    the_label = label_from_json(_json(label, "label"))
    signing = SigningKey.from_json(_json(key, "signing key"), str(key))
    objects = read_bundle(_read(bundle, "bundle"), str(bundle))
    signed: list[dict[str, Any]] = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise StixError(f"{bundle} [objects.{i}]: expected a STIX object")
        labelled, mark = sign_object(obj, the_label, signing)
        signed += [labelled, mark]
    _emit(make_bundle(signed), out)


@intel_app.command("collection")
def collection(
    title: Annotated[str, typer.Argument(help="Title, e.g. 'GBR-NZL partnership'")],
    label: Annotated[Path, typer.Option("--label", help="4774 label (JSON): who sees it")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a collection for a community or partnership; prints its id."""
    from forcegen.labels.label import label_from_json
    from forcegen.workspace.database import make_session_factory, session_scope
    from forcegen.workspace.errors import WorkspaceError
    from forcegen.workspace.intel.store import create_collection

    the_label = label_from_json(_json(label, "label"))
    engine = _open_intel(database_url)
    try:
        with session_scope(make_session_factory(engine)) as db:
            row = create_collection(db, title, the_label, description)
            typer.echo(row.id)
    except WorkspaceError as exc:
        raise OptionError(exc.message) from None
    finally:
        engine.dispose()


def _open_intel(database_url: str | None) -> Any:
    """An engine on a workspace database that has the intel tables (exit 2 otherwise)."""
    from sqlalchemy import inspect

    engine = _open(database_url, merkle=False)
    with engine.connect() as conn:
        ready = inspect(conn).has_table("intel_objects")
    if not ready:
        engine.dispose()
        raise OptionError("the workspace database has no intel tables yet: start `forcegen "
                          "serve` on it once to migrate it")
    require_merkle(engine)  # its reads and exports are audited
    return engine


def _user(db: Any, username: str) -> Any:
    from sqlalchemy import select

    from forcegen.workspace.accounts import User

    user = db.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise OptionError(f"--as: no active workspace user {username!r}")
    return user


@intel_app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(help="STIX 2.1 bundle, every object labelled")],
    collection_id: CollectionId,
    username: As,
    keys: Annotated[Path, typer.Option("--keys", help="Published key list (JSON)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Verify and store a labelled bundle in a collection (all objects or none)."""
    from forcegen.intel.bundle import read_bundle
    from forcegen.intel.signing import pair_labels
    from forcegen.labels.keys import KeyList
    from forcegen.workspace.database import make_session_factory, session_scope
    from forcegen.workspace.errors import WorkspaceError
    from forcegen.workspace.intel import store
    from forcegen.workspace.intel.readers import reader_for

    key_list = KeyList.read(keys)
    items = pair_labels(read_bundle(_read(bundle, "bundle"), str(bundle)), key_list)
    engine = _open_intel(database_url)
    try:
        with session_scope(make_session_factory(engine)) as db:
            user = _user(db, username)
            reader = reader_for(user)
            visible = store.LabelFilter(reader)
            target = store.get_collection(db, visible, collection_id)
            if not store.may_write(user, target, visible):
                raise OptionError(f"--as: {username} may not add objects to this collection")
            status = store.add_objects(db, target, user, reader, items)
    except WorkspaceError as exc:
        raise OptionError(exc.message) from None
    finally:
        engine.dispose()
    added = sum(1 for s in status["successes"] if s["message"] == "added")
    typer.echo(f"{added} added, {status['success_count'] - added} already present", err=True)


@intel_app.command("export")
def export(
    collection_id: CollectionId,
    username: As,
    keys: Annotated[Path | None, typer.Option(
        "--keys", help="Published key list (default: FORCEGEN_INTEL_KEY_LIST)")] = None,
    out: Output = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write a bundle of every version the user may see, each with its label marking.

    Every object is verified against its label signature first: one whose label or content
    was changed in the database is left out (and recorded in the audit trail).
    """
    from forcegen.intel.bundle import make_bundle
    from forcegen.intel.markings import LABEL_EXTENSION
    from forcegen.labels.keys import KeyList
    from forcegen.workspace.database import make_session_factory, read_snapshot, session_scope
    from forcegen.workspace.errors import WorkspaceError
    from forcegen.workspace.intel import store
    from forcegen.workspace.intel.integrity import Verifier
    from forcegen.workspace.intel.readers import reader_for
    from forcegen.workspace.intel.trail import Trail

    engine = _open_intel(database_url)
    objects: list[dict[str, Any]] = [LABEL_EXTENSION]
    read, withheld = Trail("intel_read"), Trail("intel_withheld")
    try:
        verifier = Verifier(KeyList.read(_keys_path(keys)))
        with read_snapshot(engine) as db:
            visible = store.LabelFilter(reader_for(_user(db, username)))
            target = store.get_collection(db, visible, collection_id)

            def withhold(rows: list[Any]) -> set[int]:
                bad = verifier.problems(db, target.id, rows)
                for r in rows:
                    if r.seq in bad:
                        withheld.add(r.label, r.object_id, r.version, bad[r.seq])
                return set(bad)

            flt = store.Filters(versions=("all",))
            page = store.Page([], True, None)
            while page.more:
                page = store.read_page(db, target.id, visible, flt, 1000, page.last, withhold)
                objects += [json.loads(r.body) for r in page.rows]
                read.add_rows(page.rows)
        with session_scope(make_session_factory(engine)) as db:
            withheld.write(db, username, target.id)
            read.write(db, username, target.id, {"via": "export"})
    except WorkspaceError as exc:
        raise OptionError(exc.message) from None
    finally:
        engine.dispose()
    _emit(make_bundle(objects), out)


def _keys_path(keys: Path | None) -> Path:
    from forcegen.workspace.config import Settings

    settings = Settings()
    path = keys or (Path(settings.intel_key_list) if settings.intel_key_list else None)
    if path is None:
        raise OptionError("--keys: no key list given (or FORCEGEN_INTEL_KEY_LIST): every "
                          "object is verified against its label signature before it leaves")
    return path


@intel_app.command("sync")
def sync(
    peers: Annotated[Path | None, typer.Option(
        "--peers", help="Peers file (JSON; default: FORCEGEN_INTEL_PEERS)")] = None,
    peer: Annotated[str | None, typer.Option("--peer", help="Only this peer (its name)")] = None,
    keys: Annotated[Path | None, typer.Option(
        "--keys", help="Published key list (default: FORCEGEN_INTEL_KEY_LIST)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Send each peer what is released to its nation and has not crossed yet; pull its own.

    Peers with a ``pull`` mapping are then read: what they added since the last pull is
    fetched, its signatures and labels checked as for a POST, and stored (already present:
    skipped). Exit 0 when everything crossed, 1 when some object or peer failed (listed),
    2 on bad input.
    """
    from forcegen.labels.keys import KeyList
    from forcegen.workspace.config import Settings
    from forcegen.workspace.database import make_session_factory
    from forcegen.workspace.intel.federation import sync_peer, taxii_sender
    from forcegen.workspace.intel.federation_pull import pull_peer, taxii_fetcher
    from forcegen.workspace.intel.integrity import Verifier
    from forcegen.workspace.intel.peers import read_peers

    settings = Settings()
    peers_path = peers or (Path(settings.intel_peers) if settings.intel_peers else None)
    if peers_path is None:
        raise OptionError("--peers: no peers file given (or FORCEGEN_INTEL_PEERS)")
    keys_path = _keys_path(keys)
    chosen = read_peers(peers_path)
    if peer is not None:
        chosen = [p for p in chosen if p.name == peer]
        if not chosen:
            raise OptionError(f"--peer: no peer {peer!r} in {peers_path}")
    key_list = KeyList.read(keys_path)
    verifier = Verifier(key_list)
    engine = _open_intel(database_url)
    try:
        factory = make_session_factory(engine)
        send, fetch = taxii_sender(), taxii_fetcher()
        outcomes = [sync_peer(factory, p, verifier, send) for p in chosen if p.collections]
        pulled = [pull_peer(factory, p, key_list, fetch) for p in chosen if p.pull]
    finally:
        engine.dispose()
    failed = any(o.failures for o in outcomes) or any(o.failures for o in pulled)
    if as_json:
        typer.echo(json.dumps({"peers": [o.to_json() for o in outcomes],
                               "pulled": [o.to_json() for o in pulled], "ok": not failed}))
    else:
        lines: list[tuple[str, list[dict[str, str]]]] = [
            (f"{o.peer}: {o.sent} sent", o.failures) for o in outcomes] + [
            (f"{o.peer}: {o.added} pulled, {o.present} already present", o.failures)
            for o in pulled]
        for line, failures in lines:
            typer.echo(f"{line}, {len(failures)} failed")
            for f in failures:
                typer.echo(f"  {f.get('id') or f.get('collection')}: {f['reason']}", err=True)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``forcegen intel`` group."""
    app.add_typer(intel_app)
