"""Answer 413 to request bodies larger than the configured limit, declared or streamed."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forcegen.workspace.api.errors import error_body

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Answer 413 to request bodies larger than ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, refusing it once its body is over the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _refused_length(scope, self.limit)
        if declared is not None:
            await self._reject(send, declared < 0)
            return
        seen = 0
        too_big = False

        async def limited() -> Message:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_big = True
                    raise _TooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send, False)
        except Exception:
            if too_big and not started:
                await self._reject(send, False)
            else:
                raise

    async def _reject(self, send: Send, bad_length: bool) -> None:
        status = 400 if bad_length else 413
        body = json.dumps(
            error_body(
                "bad_request" if bad_length else "payload_too_large",
                "invalid Content-Length"
                if bad_length
                else f"request body larger than {self.limit} bytes",
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def _refused_length(scope: Scope, limit: int) -> int | None:
    """The first ``Content-Length`` header over ``limit`` (``-1``: not a number), else ``None``.

    Every such header is checked, not only the first: two that disagree must not let a large
    body through.
    """
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = -1
            if declared < 0 or declared > limit:
                return declared
    return None
