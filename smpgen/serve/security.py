"""The editor's guard, around every request: it listens on the loopback address only, so
what it has to stop is another site the person has open in the same browser.

- DNS rebinding: a hostile name resolving to 127.0.0.1 reaches the server with its own
  name in ``Host``; only ``127.0.0.1:PORT`` and ``localhost:PORT`` (the port printed)
  are served, anything else is answered 400.
- Cross-site requests: every request that changes something (POST, PUT, PATCH, DELETE)
  carries the server's random token, which only a page of this server holds: in the
  ``X-Smpgen-Token`` header (htmx sends it on every request, from ``hx-headers``) or,
  for a plain form post, in the ``_token`` field; else 403. A request another origin's
  browser marks as such (``Origin``, ``Sec-Fetch-Site``) is refused outright.
- Every response carries security headers: a strict Content-Security-Policy (scripts,
  styles and frames from this server only, no inline script, no framing of the
  editor), Referrer-Policy no-referrer, nosniff, and ``no-store`` for pages holding the
  token. A route may send its own policy (the preview page does).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_HEADER = "X-Smpgen-Token"
"""The request header carrying the token (htmx requests)."""
TOKEN_FIELD = "_token"
"""The form field carrying the token (plain form posts)."""
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 4_000_000
"""A posted form holds a profile of at most a megabyte, and its field names."""

EDITOR_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
              "frame-ancestors 'none'")
"""The editor's pages: nothing inline, nothing from elsewhere, never framed."""
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
               "sandbox allow-same-origin")
"""The preview (the policy's own HTML, with its stylesheet inline): no script at all,
framed only by the editor."""


def new_token() -> str:
    """A fresh random token for one server's life."""
    return secrets.token_urlsafe(32)


def allowed_hosts(port: int) -> frozenset[str]:
    """The ``Host`` values the server answers: the loopback address and name, with the
    port it printed."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


class Guard:
    """ASGI middleware enforcing the module's rules around ``app``."""

    def __init__(self, app: ASGIApp, *, port: int, token: str) -> None:
        self.app = app
        self.hosts = allowed_hosts(port)
        self.origins = frozenset(f"http://{host}" for host in self.hosts)
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            return
        send = _with_headers(send, scope)
        headers = Headers(scope=scope)
        if headers.get("host") not in self.hosts:
            await _refuse(send, 400, "This server answers only at the address it printed "
                                     "(127.0.0.1 or localhost, with its port).")
            return
        if scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            await _refuse(send, 413, "The request is too large.")
            return
        origin = headers.get("origin")
        if (origin is not None and origin not in self.origins) or \
                headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            await _refuse(send, 403, "A request from another site is refused.")
            return
        if self._valid(headers.get(TOKEN_HEADER.lower())):
            await self.app(scope, _limited(receive), send)
            return
        body = await _body(receive)
        if body is None:
            await _refuse(send, 413, "The request is too large.")
            return
        if headers.get("content-type", "").split(";")[0].strip() == \
                "application/x-www-form-urlencoded" and \
                self._valid(_field(body, TOKEN_FIELD)):
            await self.app(scope, _replay(body, receive), send)
            return
        await _refuse(send, 403, "The request does not carry this server's token; reload "
                                 "the page and try again.")

    def _valid(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token)


def _field(body: bytes, name: str) -> str | None:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return next((value for key, value in pairs if key == name), None)


async def _body(receive: Receive) -> bytes | None:
    """The whole request body, or None past :data:`MAX_BODY`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _limited(receive: Receive) -> Receive:
    size = 0

    async def limited() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > MAX_BODY:
                raise ValueError("request body too large")
        return message

    return limited


def _with_headers(send: Send, scope: Scope) -> Send:
    static = str(scope.get("path", "")).startswith("/static/")

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in _security_headers(static):
                if name not in headers:
                    headers.append(name, value)
        await send(message)

    return sending


def _security_headers(static: bool) -> Iterable[tuple[str, str]]:
    yield "content-security-policy", EDITOR_CSP
    yield "x-frame-options", "DENY"
    # same-origin: a form post then carries its Origin (with no-referrer Chromium sends
    # "Origin: null", which the guard refuses as another site's), and no other site
    # ever learns an address
    yield "referrer-policy", "same-origin"
    yield "x-content-type-options", "nosniff"
    yield "cross-origin-opener-policy", "same-origin"
    yield "cross-origin-resource-policy", "same-origin"
    yield "permissions-policy", "camera=(), microphone=(), geolocation=()"
    if not static:
        yield "cache-control", "no-store"


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
