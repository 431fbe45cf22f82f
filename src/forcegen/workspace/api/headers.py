"""Security headers on every response, pages and API alike.

* ``Content-Security-Policy``: scripts, styles, images and fonts only from this server's own
  files (``/static``), no inline script or style, no ``javascript:`` URLs, forms post only here,
  no plugins, no ``<base>``; ``frame-ancestors 'none'`` forbids framing (clickjacking). The
  templates keep to it: the one script is ``/static/app.js``, bars are SVG attributes rather
  than ``style="..."``.
* ``X-Frame-Options: DENY`` for browsers that ignore ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff``: an uploaded or exported file is never run as a script.
* ``Referrer-Policy: no-referrer``: item ids in URLs never leave the site.
* ``Cross-Origin-Opener-Policy: same-origin``.

A header the view set itself is kept.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "SecurityHeadersMiddleware"]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (no per-request task or body buffering) adding the headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to every HTTP response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
