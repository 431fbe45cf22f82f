"""The TAXII 2.1 endpoints, every answer filtered object by object by the reader's clearances.

Discovery, API root, collections, objects (get, add, get one, delete), manifest, versions and
status.

All need a signed-in caller (``Authorization: Bearer <API token>``; the OASIS client passes it
as ``auth=``). Reading needs the collection to be visible; adding needs a role other than
observer; deleting needs a planner or the nation that originated the label.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.responses import Response

from forcegen.exceptions import InputError
from forcegen.intel.bundle import read_envelope
from forcegen.intel.signing import pair_labels
from forcegen.labels.keys import KeyList
from forcegen.workspace.api.deps import AuthDep, SessionDep
from forcegen.workspace.api.taxii.media import (
    STIX_MEDIA_TYPE,
    TAXII_MEDIA_TYPE,
    TAXII_PREFIX,
    check_accept,
    check_content_type,
    taxii_response,
)
from forcegen.workspace.api.taxii.params import filters_from, limit_from
from forcegen.workspace.errors import Forbidden, Invalid, NotFound
from forcegen.workspace.intel import store
from forcegen.workspace.intel.cursor import cursor_key, read_cursor, write_cursor
from forcegen.workspace.intel.integrity import verifier_for
from forcegen.workspace.intel.models import IntelCollection
from forcegen.workspace.intel.peers import Peer, peer_for_account
from forcegen.workspace.intel.readers import reader_for
from forcegen.workspace.intel.store import Filters, LabelFilter, Page, timestamp
from forcegen.workspace.intel.trail import Trail

__all__ = ["API_ROOT", "router"]

API_ROOT = "forcegen"
_ALL_MATCH = {"match[id]", "match[type]", "match[version]", "match[spec_version]"}

router = APIRouter(prefix=TAXII_PREFIX, tags=["taxii"], dependencies=[Depends(check_accept)],
                   include_in_schema=False)


def _root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise NotFound("API root")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + TAXII_PREFIX


@router.get("/")
def discovery(request: Request, _auth: AuthDep) -> Response:
    """Server discovery: the one API root."""
    root = f"{_base(request)}/{API_ROOT}/"
    return taxii_response({"title": "forcegen TAXII 2.1 server",
                           "description": "Intelligence and cyber-threat sharing of the "
                                          "coalition workspace; every object under its label.",
                           "default": root, "api_roots": [root]})


@router.get("/{api_root}/")
def api_root_info(api_root: str, request: Request, _auth: AuthDep) -> Response:
    """The API root: versions and the largest request body."""
    _root(api_root)
    return taxii_response({"title": "forcegen", "description": "Collections per community "
                           "and partnership.", "versions": [TAXII_MEDIA_TYPE],
                           "max_content_length": request.app.state.settings.max_body_bytes})


def _collection_resource(c: IntelCollection, writable: bool) -> dict[str, Any]:
    out = {"id": c.id, "title": c.title, "can_read": True, "can_write": writable,
           "media_types": [STIX_MEDIA_TYPE]}
    if c.description:
        out["description"] = c.description
    return out


@router.get("/{api_root}/collections/")
def collections(api_root: str, db: SessionDep, auth: AuthDep) -> Response:
    """The collections the caller may see."""
    _root(api_root)
    visible = LabelFilter(reader_for(auth.user))
    rows = store.visible_collections(db, visible)
    return taxii_response({"collections": [
        _collection_resource(c, store.may_write(auth.user, c, visible)) for c in rows]})


@router.get("/{api_root}/collections/{collection_id}/")
def collection(api_root: str, collection_id: str, db: SessionDep, auth: AuthDep) -> Response:
    """One collection (404 if missing or not visible)."""
    _root(api_root)
    visible = LabelFilter(reader_for(auth.user))
    c = store.get_collection(db, visible, collection_id)
    return taxii_response(_collection_resource(c, store.may_write(auth.user, c, visible)))


def _page(request: Request, db: Session, auth: Any, api_root: str, collection_id: str,
          allowed: set[str], flt_default: str = "last", object_id: str | None = None,
          audit_reads: bool = True) -> tuple[Page, Filters, str | None]:
    """Read one page for the caller; the page, its filters and the ``next`` cursor.

    Rows whose signature no longer holds are withheld and recorded (``intel_withheld``);
    the objects served are recorded as read (``intel_read``) unless ``audit_reads`` is off
    (manifest and version lists show no content).
    """
    _root(api_root)
    visible = LabelFilter(reader_for(auth.user))
    c = store.get_collection(db, visible, collection_id)
    flt = filters_from(request.query_params, allowed, flt_default)
    if object_id is not None:
        flt = Filters(flt.added_after, (object_id,), (), flt.versions, flt.spec_versions)
    limit = limit_from(request.query_params)
    key = cursor_key(db)
    scope = {"f": flt.scope(), "p": request.url.path}
    after = None
    token = request.query_params.get("next")
    if token is not None:
        after = read_cursor(key, token, c.id, auth.user.id, scope)
    withheld = Trail("intel_withheld")
    verifier = verifier_for(request.app.state.intel_keys)

    def withhold(rows: list[Any]) -> set[int]:
        bad = verifier.problems(db, c.id, rows)
        for r in rows:
            if r.seq in bad:
                withheld.add(r.label, r.object_id, r.version, bad[r.seq])
        return set(bad)

    page = store.read_page(db, c.id, visible, flt, limit, after, withhold)
    withheld.write(db, auth.user.username, c.id)
    if audit_reads and request.app.state.settings.intel_audit_reads:
        read = Trail("intel_read")
        read.add_rows(page.rows)
        read.write(db, auth.user.username, c.id)
    nxt = write_cursor(key, c.id, auth.user.id, scope, page.last) \
        if page.more and page.last else None
    return page, flt, nxt


def _added_headers(rows: list[Any]) -> dict[str, str]:
    if not rows:
        return {}
    added = [r.date_added for r in rows]
    return {"X-TAXII-Date-Added-First": timestamp(min(added)),
            "X-TAXII-Date-Added-Last": timestamp(max(added))}


def _envelope(page: Page, nxt: str | None) -> bytes:
    head = '{"more":' + ("true" if page.more else "false")
    if nxt:
        head += ',"next":' + json.dumps(nxt)
    return (head + ',"objects":[' + ",".join(r.body for r in page.rows) + "]}").encode()


@router.get("/{api_root}/collections/{collection_id}/objects/")
def get_objects(api_root: str, collection_id: str, request: Request, db: SessionDep,
                auth: AuthDep) -> Response:
    """Objects the caller may see, filtered and paged (``limit``, ``next``)."""
    page, _flt, nxt = _page(request, db, auth, api_root, collection_id, _ALL_MATCH)
    return taxii_response(_envelope(page, nxt), headers=_added_headers(page.rows))


@router.get("/{api_root}/collections/{collection_id}/manifest/")
def get_manifest(api_root: str, collection_id: str, request: Request, db: SessionDep,
                 auth: AuthDep) -> Response:
    """The manifest: id, date added, version and media type of each visible object."""
    page, _flt, nxt = _page(request, db, auth, api_root, collection_id, _ALL_MATCH,
                            audit_reads=False)
    body: dict[str, Any] = {"more": page.more}
    if nxt:
        body["next"] = nxt
    body["objects"] = [{"id": r.object_id, "date_added": timestamp(r.date_added),
                        "version": json.loads(r.body).get("modified")
                        or json.loads(r.body).get("created") or r.version,
                        "media_type": STIX_MEDIA_TYPE} for r in page.rows]
    return taxii_response(body, headers=_added_headers(page.rows))


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/")
def get_object(api_root: str, collection_id: str, object_id: str, request: Request,
               db: SessionDep, auth: AuthDep) -> Response:
    """One object's versions the caller may see (404 if none: hidden == missing)."""
    page, _flt, nxt = _page(request, db, auth, api_root, collection_id,
                            {"match[version]", "match[spec_version]"}, object_id=object_id)
    if not page.rows:
        raise NotFound("object")
    return taxii_response(_envelope(page, nxt), headers=_added_headers(page.rows))


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/versions/")
def get_versions(api_root: str, collection_id: str, object_id: str, request: Request,
                 db: SessionDep, auth: AuthDep) -> Response:
    """The versions of one object the caller may see (404 if none)."""
    page, _flt, nxt = _page(request, db, auth, api_root, collection_id,
                            {"match[spec_version]"}, flt_default="all", object_id=object_id,
                            audit_reads=False)
    if not page.rows:
        raise NotFound("object")
    body: dict[str, Any] = {"more": page.more}
    if nxt:
        body["next"] = nxt
    body["versions"] = sorted({json.loads(r.body).get("modified")
                               or json.loads(r.body).get("created") or r.version
                               for r in page.rows})
    return taxii_response(body, headers=_added_headers(page.rows))


@router.delete("/{api_root}/collections/{collection_id}/objects/{object_id}/")
def delete_object(api_root: str, collection_id: str, object_id: str, request: Request,
                  db: SessionDep, auth: AuthDep) -> Response:
    """Delete the versions of an object the caller sees and the filters select."""
    _root(api_root)
    visible = LabelFilter(reader_for(auth.user))
    c = store.get_collection(db, visible, collection_id)
    flt = filters_from(request.query_params, {"match[version]", "match[spec_version]"}, "all")
    if set(request.query_params) & {"limit", "next", "added_after"}:
        raise Invalid("delete takes only match[version] and match[spec_version]")
    store.delete_object(db, c, auth.user, visible, object_id, flt)
    return taxii_response(b"", 200)


def _add(db: Session, auth: Any, api_root: str, collection_id: str, data: bytes,
         keys: KeyList, peers: list[Peer]) -> dict[str, Any]:
    _root(api_root)
    reader = reader_for(auth.user)
    visible = LabelFilter(reader)
    c = store.get_collection(db, visible, collection_id)
    if not store.may_write(auth.user, c, visible):
        raise Forbidden("you may not add objects to this collection")
    if not keys.keys:  # default deny, said plainly rather than as an unknown key
        raise Invalid("this server has no published key list (FORCEGEN_INTEL_KEY_LIST): it "
                      "cannot check label signatures and refuses every object")
    items = pair_labels(read_envelope(data, "envelope"), keys)
    peer = peer_for_account(peers, auth.user.username)
    return store.add_objects(db, c, auth.user, reader, items,
                             origin=peer.name if peer is not None else None)


@router.post("/{api_root}/collections/{collection_id}/objects/")
async def add_objects(api_root: str, collection_id: str, request: Request, db: SessionDep,
                      auth: AuthDep,
                      _ctype: Annotated[None, Depends(check_content_type)]) -> Response:
    """Add an envelope of labelled, signed objects: all or nothing; 202 with the status."""
    data = await request.body()
    keys: KeyList = request.app.state.intel_keys
    try:
        status = await run_in_threadpool(_add, db, auth, api_root, collection_id, data, keys,
                                         request.app.state.intel_peers)
    except InputError as exc:  # malformed envelope, invalid STIX, label or signature
        raise Invalid(str(exc)) from None
    return taxii_response(status, 202)


@router.get("/{api_root}/status/{status_id}/")
def get_status(api_root: str, status_id: str, db: SessionDep, auth: AuthDep) -> Response:
    """A status resource (only its poster sees it)."""
    _root(api_root)
    return taxii_response(store.get_status(db, auth.user, status_id))
