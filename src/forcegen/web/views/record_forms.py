"""The create and edit forms of a labelled record, one flow for every record type.

Pledges, requirements and relief requests, offers and events are created and edited the same
way; :class:`RecordForms` says what differs for one type (its service, schemas, form page and
how its form reads), and :func:`create_record` and :func:`update_record` run the flow:

1. An edit loads the record first: hidden from the reader or missing, it is the same 404.
2. The role is checked before the form is read (403).
3. The form is read and checked (the type's own checks, then the label picker).
4. It is saved through :func:`~forcegen.web.views.saving.attempt` (the API's schema, then the
   service): saved is a 303 to the record with a flash message.
5. Refused: the transaction is rolled back (whatever the service did before refusing is not
   kept) and the form comes back with each error at its field (422), or, when the record
   changed since the form was loaded, the record as stored now with the fields that differ
   from what was typed (409).

CSRF is checked before any view runs (``api.deps.optional_auth``); the audit trail is the
service's. The read trail of a record page is its form page's (it records only a page showing
the record as stored, never one of these answers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.web.core import Page, see_other
from forcegen.web.forms import FieldErrors, form_values
from forcegen.web.label_picker import apply_posted, at_picker, marking_diff
from forcegen.web.marking import labelled
from forcegen.web.views.saving import attempt
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Forbidden

__all__ = ["Diff", "FormPage", "RecordForms", "RecordService", "create_record", "update_record"]

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
R_contra = TypeVar("R_contra", contravariant=True)
#: One line of a conflict: ``(field, what the user typed, what is stored now)``.
Diff = tuple[str, str, str]


class FormPage(Protocol[R_contra]):
    """A record type's form page (its ``_form``): the form with values, errors and conflict."""

    def __call__(
        self,
        request: Request,
        db: Session,
        page: Page,
        *,
        values: dict[str, str],
        errors: FieldErrors,
        row: R_contra | None = None,
        conflict: dict[str, Any] | None = None,
        status: int = 200,
        posted: FormData | None = None,
    ) -> HTMLResponse:
        """The page; ``posted``: the form as posted (its picker shown again after a refusal)."""
        ...


class RecordService(Protocol[R_co]):
    """A record type's service module (``workspace.pledges.service``, ``relief.offers`` ...)."""

    def get(self, db: Session, user: User, record_id: str, /) -> R_co:
        """The record ``user`` may see (404 when hidden or missing, alike)."""
        ...

    def create(self, db: Session, user: User, data: Any, /) -> R_co:
        """A new record from the create schema's ``data``."""
        ...

    def update(self, db: Session, user: User, record_id: str, data: Any, /) -> object:
        """Save the update schema's ``data`` (409 ``Conflict`` when its version is stale)."""
        ...


def _no_checks(values: dict[str, str]) -> FieldErrors:
    return {}


def _at_picker(errors: FieldErrors, values: dict[str, str]) -> FieldErrors:
    return at_picker(errors)


@dataclass(frozen=True)
class RecordForms(Generic[R]):
    """What the create and edit forms of one record type need; the flow is the module's.

    Attributes
    ----------
    url
        The record's page, ``"/pledges/{id}"``: where a save leads.
    created, saved
        The flash messages after a create and an edit (``{id}``: the record's id).
    service
        The record type's service: every read and change goes through it (access rules,
        optimistic locking, the audit trail).
    schemas
        The API's create and update schemas the form's payload must pass.
    form
        The form page (hidden fields, choices, picker, conflict banner).
    payload
        ``payload(values, form, row)``: the API payload of the typed values (``row`` the stored
        record on an edit, ``None`` on a create).
    stored
        The form values of a stored record (the form shown with the conflict).
    changed
        ``changed(values, current, payload)``: the fields where what was typed differs from the
        record as stored now (``current``, the API's read form); the label is the flow's.
    may_edit
        Who may create and edit (else 403, before the form is read).
    check_role_on_edit
        ``False``: an edit leaves the role to the service (403 for a form that passes its
        checks; a refused form shows its errors), as the pledge and requirement pages did.
    owner
        The record's attribute naming the nation that owns it (pledges, offers): its label
        always releases to it. On a create, the typed field of that name.
    kept
        The record's attributes the form shows but does not post (put back on a refused edit).
    read
        The typed values of a posted form (default :func:`~forcegen.web.forms.form_values`).
    checks
        Problems found before the schema (positions, item lists), by field.
    errors
        ``errors(refused, values)``: the schema's or the service's errors as the form shows
        them (default: the legacy label fields' at the picker).
    relist
        The create form has a "List this event's items" button (``relist``): the form again,
        nothing saved.
    created_url
        Where a create leads, if not to :attr:`url` (``{id}``: the new record's id).
    label_diff
        A conflict lists a changed label too.
    """

    url: str
    created: str
    saved: str
    service: RecordService[R]
    schemas: tuple[type[BaseModel], type[BaseModel]]
    form: FormPage[R]
    payload: Callable[[dict[str, str], FormData, R | None], dict[str, Any]]
    stored: Callable[[R], dict[str, str]]
    changed: Callable[[dict[str, str], dict[str, Any], dict[str, Any]], list[Diff]]
    may_edit: Callable[[Page], bool]
    check_role_on_edit: bool = True
    owner: str | None = None
    kept: tuple[str, ...] = ("id",)
    read: Callable[[FormData], dict[str, str]] = form_values
    checks: Callable[[dict[str, str]], FieldErrors] = _no_checks
    errors: Callable[[FieldErrors, dict[str, str]], FieldErrors] = _at_picker
    relist: bool = False
    created_url: str | None = None
    label_diff: bool = True


async def create_record(
    forms: RecordForms[Any], request: Request, db: Session, page: Page
) -> Response:
    """Create a record from its posted form: 303 to it, or the form with its errors (422).

    Refused (403) before the form is read, as the empty form is, for whom may not create.
    """
    if not forms.may_edit(page):
        raise Forbidden()
    form = await request.form()
    values = forms.read(form)
    if forms.relist and form.get("relist"):  # no scripts: the form again for another event
        return forms.form(request, db, page, values=values, errors={}, posted=form)

    def save(data: BaseModel) -> Response:
        row = forms.service.create(db, page.user, data)
        url = (forms.created_url or forms.url).format(id=row.id)
        return see_other(url, forms.created.format(id=row.id))

    payload = forms.payload(values, form, None)
    owner = values.get(forms.owner) if forms.owner else None
    errors = forms.checks(values) or apply_posted(form, page.user, None, owner, payload)
    if not errors:
        done = attempt(forms.schemas[0], payload, save)
        if done.response is not None:
            return done.response
        db.rollback()  # refused: whatever the service did before refusing is not kept
        errors = forms.errors(done.errors, values)
    return forms.form(request, db, page, values=values, errors=errors, status=422, posted=form)


async def update_record(
    forms: RecordForms[Any], request: Request, db: Session, page: Page, record_id: str
) -> Response:
    """Save an edited record: 303 to it, its errors (422), or 409 when it changed meanwhile.

    A record hidden from the reader answers 404 before anything else, exactly as a missing one.
    """
    row = forms.service.get(db, page.user, record_id)
    if forms.check_role_on_edit and not forms.may_edit(page):
        raise Forbidden()
    form = await request.form()
    values = forms.read(form)
    payload = forms.payload(values, form, row)
    owner = getattr(row, forms.owner) if forms.owner else None
    refused = forms.checks(values) or apply_posted(
        form, page.user, labelled(row, owner), owner, payload)
    if not refused:

        def save(data: BaseModel) -> Response:
            forms.service.update(db, page.user, record_id, data)
            return see_other(forms.url.format(id=record_id), forms.saved.format(id=record_id))

        done = attempt(forms.schemas[1], payload, save)
        if done.response is not None:
            return done.response
        db.rollback()  # refused: whatever the service did before refusing is not kept
        if done.current is not None:
            conflict = _conflict(forms, form, values, payload, done.current, owner)
            return forms.form(request, db, page, values=forms.stored(row), errors={}, row=row,
                              conflict=conflict, status=409)
        refused = forms.errors(done.errors, values)
    values.update({key: getattr(row, key) for key in forms.kept})
    return forms.form(request, db, page, values=values, errors=refused, row=row, status=422,
                      posted=form)


def _conflict(forms: RecordForms[Any], form: FormData, values: dict[str, str],
              payload: dict[str, Any], current: dict[str, Any],
              owner: str | None) -> dict[str, Any]:
    """The record as stored now, what differs from what was typed, and the version typed on."""
    found = forms.changed(values, current, payload)
    label = marking_diff(form, current, owner) if forms.label_diff else None
    return {"current": current, "diffs": [*found, *([label] if label else [])],
            "based_on": values.get("version", "")}
