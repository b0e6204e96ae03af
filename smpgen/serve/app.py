"""The editor as an ASGI application (Starlette): the pages, the guard around them, the
static files, and the one place errors become responses.

Routes come from the modules named in :data:`ROUTE_MODULES`, each with a ``routes``
list; a new part of the page (the customization editor, say) is a module of this package
and its name added to that tuple. A handler finds the editor's state as ``request.app.state.editor``
(:class:`Editor`) and renders with :meth:`Editor.page`.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from ..errors import SmpgenError, UserError
from ..options import DEFAULT_OPTIONS
from ..version import __version__
from .security import TOKEN_FIELD, TOKEN_HEADER, Guard, new_token
from .store import ChangedOnDisk, Folder, NotFound

HERE = Path(__file__).parent

PREVIEW_DELAY_MS = 30
"""How long after the last keystroke the form is checked and previewed (htmx's ``delay``).
Short, for the issue's target of under 150 ms from the last keystroke to the new preview
(benchmarks/serve_latency.py: council edition 124 ms median from the last keystroke to
the new preview, 367 ms with a 250 ms debounce); a request a newer one
supersedes stops early on the server, so fast typing does not pile up work."""

HTMX_CONFIG = {
    "includeIndicatorStyles": False,  # the styles are in editor.css: no inline style
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    "historyCacheSize": 0,  # never keep a page (and its token) in localStorage
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        # A refusal or a conflict is a message for the page, shown where the answer goes.
        {"code": "(400|403|404|409|413|422)", "swap": True, "error": False},
        {"code": "...", "swap": False, "error": True},
    ],
}
"""htmx's settings, given in a ``<meta name="htmx-config">`` (no inline script)."""


class Recent:
    """Generated files kept in memory for a little while under a random id (the preview
    pages the frame loads, the downloads), the oldest dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[str, str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, name: str, media_type: str, data: bytes) -> str:
        """Keep ``data``; returns its id."""
        key = new_token()[:22]
        with self._lock:
            self._items[key] = (name, media_type, data)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return key

    def get(self, key: str) -> tuple[str, str, bytes]:
        """The file's name, media type and bytes; :class:`NotFound` once dropped."""
        with self._lock:
            found = self._items.get(key)
        if found is None:
            raise NotFound("this file is no longer kept; make it again")
        return found


class Latest:
    """The newest check each open page has asked for: a check overtaken by a newer one
    from the same page stops early (its answer would be discarded by htmx anyway), so a
    burst of keystrokes costs the server one preview, not one each."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def arrive(self, page: str) -> int:
        """Record a check from ``page``; returns its number."""
        with self._lock:
            number = self._seen.pop(page, 0) + 1
            self._seen[page] = number
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
        return number

    def overtaken(self, page: str, number: int) -> bool:
        """A newer check from ``page`` has arrived since check ``number``."""
        with self._lock:
            return self._seen.get(page, number) != number


@dataclass(slots=True)
class Editor:
    """Everything a handler needs: the served folder, the options, the token."""

    folder: Folder
    templates: Path | None
    """The user's models folder (``--templates``)."""
    token: str
    port: int
    pages: jinja2.Environment
    previews: Recent = field(default_factory=lambda: Recent(32))
    downloads: Recent = field(default_factory=lambda: Recent(8))
    checks: Latest = field(default_factory=Latest)
    renderer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="smpgen-render"))
    """Downloads are made one at a time, always in this one thread: WeasyPrint keeps a
    font configuration per thread (see :func:`smpgen.writers.pdf._font_config`)."""

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A template rendered with the page's common values."""
        html = self.pages.get_template(template).render(editor=self, **context)
        return HTMLResponse(html, status_code=status)

    @property
    def headers_json(self) -> str:
        """The headers htmx sends with every request (``hx-headers``): the token."""
        return json.dumps({TOKEN_HEADER: self.token})

    @property
    def htmx_config(self) -> str:
        """:data:`HTMX_CONFIG` as JSON, for the ``<meta>``."""
        return json.dumps(HTMX_CONFIG)

    token_field = TOKEN_FIELD
    version = __version__
    delay_ms = PREVIEW_DELAY_MS


def editor_of(request: Request) -> Editor:
    """The editor serving ``request``."""
    editor: Editor = request.app.state.editor
    return editor


def is_htmx(request: Request) -> bool:
    """The request comes from htmx (a fragment is wanted, not a page)."""
    return request.headers.get("hx-request") == "true"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env


def create_app(folder: str | Path, *, port: int,
               templates: str | Path | None = DEFAULT_OPTIONS.templates,
               token: str | None = None) -> Starlette:
    """The editor for the profiles in ``folder``, answering at ``127.0.0.1:port`` and
    ``localhost:port`` only; ``token`` (random by default) guards every change."""
    modules = [importlib.import_module(f"{__package__}.{name}") for name in ROUTE_MODULES]
    editor = Editor(Folder(Path(folder)), Path(templates) if templates is not None else None,
                    token or new_token(), port, _environment())
    table: list[BaseRoute] = [route for module in modules for route in module.routes]
    table.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    app = Starlette(routes=table,
                    middleware=[Middleware(Guard, port=port, token=editor.token)],
                    exception_handlers={SmpgenError: _smpgen_error, HTTPException: _http_error})
    app.state.editor = editor
    return app


ROUTE_MODULES: tuple[str, ...] = ("routes", "custom")
"""The modules of this package whose ``routes`` make up the editor, imported when the app
is made (a module importing :mod:`smpgen.serve.app` for :func:`editor_of` is no cycle)."""


async def _smpgen_error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, ChangedOnDisk) \
        else 400 if isinstance(exc, UserError) else 500
    message = exc.format() if isinstance(exc, SmpgenError) else str(exc)
    return _error(request, status, message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, str(exc.detail))


def _error(request: Request, status: int, message: str) -> Response:
    if is_htmx(request):
        return editor_of(request).page("_message.html", status, message=message, level="error")
    return editor_of(request).page("error.html", status, message=message, status_code=status)
