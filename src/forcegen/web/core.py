"""What every page shares: templates, the signed-in user, HTML error pages, redirects.

Authentication and the CSRF check are the workspace's own (``deps.optional_auth``): a form that
changes anything posts the session's token in a hidden ``csrf_token`` field. Errors raised by the
service layer (``WorkspaceError``) become HTML pages with the same status code the API gives;
"sign in required" becomes a redirect to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm.exc import StaleDataError

from forcegen.web import marking
from forcegen.workspace.access import is_planner
from forcegen.workspace.accounts import ADMIN, LEAD, LIAISON, OBSERVER, USER_ROLES, User
from forcegen.workspace.api.deps import Auth, optional_auth
from forcegen.workspace.errors import Unauthenticated, WorkspaceError
from forcegen.workspace.pledges.service import EDITORS

__all__ = [
    "HTMLRoute",
    "Page",
    "PageDep",
    "Redirect",
    "local_path",
    "render",
    "see_other",
    "templates",
]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
#: Each user role as the pages name it (one entry per ``accounts.USER_ROLES``).
_ROLE_NAMES = {
    ADMIN: "Administrator",
    LEAD: "Lead planner",
    LIAISON: "Liaison officer",
    OBSERVER: "Observer",
}
if set(_ROLE_NAMES) != set(USER_ROLES):  # a new role would show blank on every page
    raise RuntimeError("web.core._ROLE_NAMES must name every accounts.USER_ROLES entry")
templates.env.globals["ROLE_NAMES"] = _ROLE_NAMES
templates.env.globals.update(
    full_marking=marking.full_marking,
    item_marking=marking.item_marking,
    item_css=marking.item_css,
    label_abbr=marking.abbreviation,
    label_css=marking.css_class,
)

#: Pages a user who must change their password may still open.
_PASSWORD_PATHS = ("/account/password", "/logout")


class Redirect(Exception):
    """Raised by a page dependency to send the browser elsewhere (303)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass(frozen=True, slots=True)
class Page:
    """The signed-in user of a page and what the templates need to know about them."""

    user: User
    csrf: str
    #: The browser session's id (kept when the user changes their password).
    session_id: int | None = None

    @property
    def planner(self) -> bool:
        """Sees and changes all planning data (admin, lead planner)."""
        return is_planner(self.user)

    @property
    def editor(self) -> bool:
        """May change pledges at all (planners; liaisons for their own nation)."""
        return self.user.role in EDITORS


async def _page(request: Request, auth: Annotated[Auth | None, Depends(optional_auth)]) -> Page:
    if auth is None:
        raise Unauthenticated()
    user = auth.user
    if user.must_change_password and request.url.path not in _PASSWORD_PATHS:
        raise Redirect("/account/password")
    page = Page(
        user=user,
        csrf=auth.session.csrf_token if auth.session else "",
        session_id=auth.session.id if auth.session else None,
    )
    request.state.page = page
    return page


PageDep = Annotated[Page, Depends(_page)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    *,
    labels: Iterable[marking.Labelled] | None = None,
) -> HTMLResponse:
    """Render ``template`` with ``page`` (the signed-in user, if any) in the context.

    ``labels``: every labelled item the page shows, ``(classification, releasable_to,
    owner)``; the banner then carries their high-water mark. Leave it out on a page that shows
    anything else derived from labelled data: its banner shows the user's clearance instead.
    """
    page = getattr(request.state, "page", None)
    ctx = {
        "page": page,
        "nav": request.url.path,
        "banner": marking.banner(page.user, labels) if page is not None else None,
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status)


def local_path(target: str | None, default: str) -> str:
    r"""``target`` if it is a path on this site, else ``default`` (where a form says to go next).

    ``//host`` and ``/\host`` name another host to a browser (which reads ``\`` as ``/``
    and drops tabs and line breaks), so neither they nor any control character pass: a
    redirect never leaves the site.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(ord(c) >= 0x20 for c in target)
    ):
        return target
    return default


def see_other(url: str, notice: str | None = None) -> RedirectResponse:
    """Redirect after a successful POST (303), optionally with a one-line notice."""
    if notice:
        url += ("&" if "?" in url else "?") + "notice=" + quote(notice)
    return RedirectResponse(url, status_code=303)


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {
        403: "Not allowed",
        404: "Not found",
        409: "Changed by someone else",
        413: "Too large",
        422: "Invalid request",
        429: "Too many attempts",
    }
    return render(
        request,
        "error.html",
        {"status": status, "title": titles.get(status, "Error"), "message": message},
        status,
    )


class HTMLRoute(APIRoute):
    """A route whose errors are HTML pages (the API keeps its JSON errors)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, with workspace errors turned into pages."""
        handler = super().get_route_handler()

        async def html_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Redirect as exc:
                return RedirectResponse(exc.url, status_code=303)
            except Unauthenticated:
                if request.method == "GET":
                    query = f"?{request.url.query}" if request.url.query else ""
                    target = request.url.path + query
                    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
                return _error_page(request, 401, "Your session has ended. Sign in again.")
            except WorkspaceError as exc:
                return _error_page(request, exc.status, exc.message)
            except StaleDataError:
                return _error_page(
                    request, 409, "The record was changed by someone else while you saved."
                )
            except RequestValidationError as exc:
                first: dict[str, Any] = next(iter(exc.errors()), {})
                loc = ".".join(str(p) for p in first.get("loc", ())[1:])
                return _error_page(request, 422, f"{loc}: {first.get('msg', 'invalid value')}")

        return html_handler
