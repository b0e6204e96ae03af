"""``smpgen serve``: a local web editor for city profiles, for clerks and attorneys.

:func:`serve` starts it on the loopback address (see :mod:`smpgen.serve.security` for
what guards it); :func:`smpgen.serve.app.create_app` is the application itself, for
tests and for other servers. The pages are server-rendered (Jinja, autoescaped) and
updated in place with htmx (vendored in ``static/``); the form comes from the profile's
JSON Schema (:mod:`smpgen.serve.forms`), its values are put back into the file's own
text (:mod:`smpgen.serve.roundtrip`) and loaded as ``smpgen validate`` loads a file
(:mod:`smpgen.serve.editing`).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from ..errors import UserError
from ..options import DEFAULT_OPTIONS

HOST = "127.0.0.1"
"""The only address the editor listens on."""


def serve(folder: str | Path = "city_profiles", *, port: int = 0, open_browser: bool = True,
          templates: str | Path | None = DEFAULT_OPTIONS.templates,
          announce: Callable[[str], None] = print) -> None:
    """Serve the editor for the profiles in ``folder`` at ``http://127.0.0.1:PORT/``
    until interrupted (Ctrl-C): on ``port``, or a free one when 0. ``announce`` is
    given the address once the port is bound; with ``open_browser`` (and a display to
    show it on) the address is opened in the browser once the server answers."""
    import uvicorn

    from .app import create_app

    listener = _listen(port)
    bound = listener.getsockname()[1]
    app = create_app(folder, port=bound, templates=templates)
    url = f"http://{HOST}:{bound}/"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           lifespan="off", server_header=False))
    announce(f"Editing the profiles in {folder} at {url}  (Ctrl-C to stop)")
    if open_browser and _has_display():
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass  # uvicorn has shut down; it raises the Ctrl-C again once it has
    finally:
        listener.close()


def _listen(port: int) -> socket.socket:
    """A socket bound to the loopback address before the app is made, so the port the
    Host check allows is the one printed (no race for a free port)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen(64)
    except OSError as e:
        listener.close()
        raise UserError(f"cannot listen on {HOST}:{port}: {e.strerror}; choose another port "
                        "with --port, or leave it out for a free one") from None
    listener.setblocking(False)
    return listener


def _has_display() -> bool:
    """A browser could show a page here: any desktop but a Linux or BSD session with
    neither X nor Wayland (an SSH login, a container)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_when_started(server: object, url: str) -> None:
    import time

    for _ in range(200):
        if getattr(server, "started", False):
            webbrowser.open(url)
            return
        time.sleep(0.05)


__all__ = ["HOST", "serve"]
