"""The editor's routes. Every change is a POST (the guard checks its token); a POST from
htmx gets an HTML fragment back, a plain form post a page or a redirect.

=======================================  ==========================================
``GET  /``                               the profiles in the folder, and New city
``POST /new``                            a new profile as ``smpgen init`` writes it
``GET  /edit/{name}``                    the edit page of one profile
``POST /edit/{name}/preview``            the form checked and previewed (see below)
``POST /edit/{name}/list``               a list of the form grown or shrunk
``POST /edit/{name}/save``               the form's values written into the file
``POST /edit/{name}/download/{kind}``    a file made from the form's values
``GET  /preview/{id}``                   a preview page (shown in the sandboxed frame)
``GET  /download/{id}``                  a file made for download
=======================================  ==========================================

The preview's contract (``POST /edit/{name}/preview``, the form's fields as posted,
``_view`` one of :data:`~smpgen.serve.editing.VIEWS`): an HTML fragment whose main part
is the frame ``<iframe id="preview-frame" src="/preview/{id}">`` for ``#preview``, and,
swapped out of band, ``#check-status`` (the count of problems, a live region),
``#problem-list`` (every message, each linking to its field) and one ``#m-{field id}``
for each field holding messages. When the profile cannot be previewed the response has
``HX-Reswap: none`` (the last preview stays) and says so in ``#preview-note``. With
``Accept: application/json`` the same is JSON: ``{"view", "preview_url", "problems",
"warnings", "timings"}``, each message ``{"field", "line", "message", "id"}``. Both carry
a ``Server-Timing`` header with the milliseconds of each stage.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import ProfileError, UserError
from .app import Editor, editor_of, is_htmx
from .editing import DOWNLOADS, VIEWS, Download, Draft, View, from_file, from_form, preview, spec_of
from .forms import FormField, Posted, build, read
from .security import new_token
from .store import NotFound, checked_name, suggested_name

VIEW_FIELD = "_view"
PAGE_FIELD = "_page"
SHA_FIELD = "_sha"
LIST_FIELD = "_list"


async def index(request: Request) -> Response:
    """The profiles in the folder (name, city, state, status) and the New city form."""
    return await run_in_threadpool(_index, editor_of(request))


def _index(editor: Editor, status: int = 200, **context: Any) -> Response:
    from ..records import records_laws

    laws = records_laws()
    return editor.page("index.html", status, profiles=_entries(editor),
                       states=sorted((law.state, law.state_name) for law in laws.values()),
                       models=_models(editor), **context)


def _entries(editor: Editor) -> list[dict[str, Any]]:
    from ..api import load
    from ..document import policy_status

    out = []
    for name in editor.folder.names():
        path = editor.folder.path(name)
        entry: dict[str, Any] = {"name": name, "city": "", "state": "", "status": ""}
        try:
            profile = load(path, templates=editor.templates)
            entry["status"] = policy_status(profile)
        except ProfileError as e:
            try:
                profile = load(path, draft=True, templates=editor.templates)
                entry["status"] = f"draft, {len(profile.missing)} required value" \
                                  f"{'s' * (len(profile.missing) != 1)} to fill in"
            except ProfileError:
                entry["status"] = f"does not validate: {len(e.problems)} problem" \
                                  f"{'s' * (len(e.problems) != 1)}"
                out.append(entry)
                continue
        except UserError as e:
            entry["status"] = str(e)
            out.append(entry)
            continue
        entry["city"] = profile.values["city"]["name"] or ""
        entry["state"] = profile.values["city"]["state"] or ""
        out.append(entry)
    return out


def _models(editor: Editor) -> list[tuple[str, str]]:
    from ..api import list_models

    return [(m.id, f"{m.title} ({m.id} {m.version})")
            for m in list_models(templates=editor.templates)]


async def new_city(request: Request) -> Response:
    """A new profile, written as ``smpgen init`` writes it; then its edit page."""
    form = await request.form()
    values = {key: str(form.get(key, "")).strip() for key in ("city", "state", "file", "model")}
    return await run_in_threadpool(_new_city, editor_of(request), values)


def _new_city(editor: Editor, values: dict[str, str]) -> Response:
    from ..models import DEFAULT_MODEL, get_model

    if not values["city"] or not values["state"]:
        return _index(editor, 400, error="Give the city's name and its state.", values=values)
    name = values["file"] or suggested_name(values["city"], values["state"])
    if not name.endswith((".yaml", ".yml")):
        name += ".yaml"
    try:
        checked_name(name)
        model = get_model(values["model"] or DEFAULT_MODEL, editor.templates)
        editor.folder.create(name, model, city=values["city"], state=values["state"])
    except UserError as e:
        return _index(editor, 400, error=e.format(), values=values)
    return RedirectResponse(f"/edit/{quote(name)}?created=1", status_code=303)


async def edit(request: Request) -> Response:
    """The edit page: the form with the file's messages beside its fields, the preview
    frame (filled in by the form's first check), the downloads."""
    editor = editor_of(request)
    name = checked_name(request.path_params["name"])
    draft = await run_in_threadpool(from_file, editor.folder, name, editor.templates)
    notice = "Saved." if request.query_params.get("saved") else \
        "Created: fill in the blanks, then save." if request.query_params.get("created") else ""
    return editor.page("edit.html", draft=draft, name=name, views=VIEWS, page=new_token()[:16],
                       downloads=[d for d in DOWNLOADS.values()
                                  if not d.needs_form or _has_form(draft)],
                       notice=notice, title=_title(draft, name))


def _has_form(draft: Draft) -> bool:
    return draft.profile is None or bool(draft.profile.model.tracking_form)


def _title(draft: Draft, name: str) -> str:
    if draft.root is not None:
        city = next((n for n in draft.root.walk() if n.name == "city.name"), None)
        state = next((n for n in draft.root.walk() if n.name == "city.state"), None)
        if city is not None and city.value:
            return f"{city.value}, {state.value}" if state is not None and state.value \
                else str(city.value)
    return name


async def _posted(request: Request) -> tuple[Editor, str, list[tuple[str, str]]]:
    editor = editor_of(request)
    name = checked_name(request.path_params["name"])
    form = await request.form()
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return editor, name, items


def _field(items: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in reversed(items) if k == name), "")


def _view(items: list[tuple[str, str]]) -> View:
    chosen = _field(items, VIEW_FIELD)
    return next((view for view in VIEWS if view == chosen), "council")


async def check(request: Request) -> Response:
    """The form's values checked as ``validate`` checks a file, and previewed."""
    editor, name, items = await _posted(request)
    wants_json = "application/json" in request.headers.get("accept", "")
    page = f"{name}\n{_field(items, PAGE_FIELD)}"
    return await run_in_threadpool(_check, editor, name, items, wants_json,
                                   (page, editor.checks.arrive(page)))


def _check(editor: Editor, name: str, items: list[tuple[str, str]], wants_json: bool,
           turn: tuple[str, int]) -> Response:
    started = time.perf_counter()
    draft = from_form(editor.folder, name, items, editor.templates)
    if editor.checks.overtaken(*turn):
        return Response(status_code=204)  # a newer check from this page is under way
    view = _view(items)
    html = preview(draft, view, editor.templates)
    url = None
    if html is not None:
        url = f"/preview/{editor.previews.put('preview.html', 'text/html', html.encode())}"
    draft.timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    timing = ", ".join(f"{k};dur={v}" for k, v in draft.timings.items())
    if wants_json:
        return JSONResponse({"view": view, "preview_url": url, "drafted": draft.drafted,
                             "problems": _messages(draft, "error"),
                             "warnings": _messages(draft, "warning"),
                             "timings": draft.timings}, headers={"Server-Timing": timing})
    response = editor.page("_check.html", draft=draft, view=view, views=VIEWS,
                           preview_url=url, name=name)
    response.headers["Server-Timing"] = timing
    if url is None:
        response.headers["HX-Reswap"] = "none"
    return response


def _messages(draft: Draft, level: str) -> list[dict[str, Any]]:
    nodes = list(draft.root.walk()) if draft.root is not None else []
    out = [{"field": m.field, "line": m.line, "message": m.text, "id": f"m-{n.id}"}
           for n in nodes for m in n.messages if m.level == level]
    return out + [{"field": m.field, "line": m.line, "message": m.text, "id": None}
                  for m in draft.loose if m.level == level]


async def change_list(request: Request) -> Response:
    """A list of the form with an item added (``_list=add:NAME``) or removed
    (``_list=remove:NAME[i]``), re-rendered with the other values as posted; the
    keyboard focus goes to the new item, or to the item now in the removed one's place
    (else the Add button). Answers with the list's container, ``#c-{list id}``."""
    editor, name, items = await _posted(request)
    op, _, named = _field(items, LIST_FIELD).partition(":")
    spec = await run_in_threadpool(spec_of, editor.folder, name, editor.templates)
    list_name, index = (named, None) if op == "add" else _item(named)
    found = _spec_at(spec, list_name)
    if op not in ("add", "remove") or found is None or found.kind != "list" or found.item is None:
        raise NotFound(f"no list {list_name!r} in this profile's form to {op or 'change'}")
    current = _value_at(read(spec, Posted(items)), list_name)
    entries = list(current) if isinstance(current, list) else []
    focus = -1
    if op == "add" and (found.max_items is None or len(entries) < found.max_items):
        entries.append({} if found.item.kind == "group" else "")
        focus = len(entries) - 1
    elif op == "remove" and index is not None and index < len(entries):
        del entries[index]
        focus = min(index, len(entries) - 1)
    node = build(found, entries, list_name)
    target = node.children[focus] if focus >= 0 else node
    while target is not node and target.children:  # an entry: its first field
        target = target.children[0]
    target.focus = True
    # No HX-Trigger: it would fire before the swap and check the list as it was;
    # editor.js checks the form after the new list is in place.
    return editor.page("_list.html", node=node, name=name)


def _item(target: str) -> tuple[str, int | None]:
    found = re.fullmatch(r"(.+)\[(\d{1,4})\]", target)
    return (found.group(1), int(found.group(2))) if found else (target, None)


_PART = re.compile(r"([^.\[\]]+)|\[(\d{1,4})\]")


def _parts(name: str) -> list[str | int]:
    return [int(i) if i else key for key, i in _PART.findall(name)]


def _spec_at(spec: FormField, name: str) -> FormField | None:
    node: FormField | None = spec
    for part in _parts(name):
        if node is None:
            return None
        if isinstance(part, int):
            node = node.item if node.kind == "list" else None
        else:
            node = next((f for f in node.fields if f.key == part), None)
    return node


def _value_at(values: Any, name: str) -> Any:
    for part in _parts(name):
        if isinstance(part, int):
            values = values[part] if isinstance(values, list) and part < len(values) else None
        else:
            values = values.get(part) if isinstance(values, dict) else None
    return values


async def save(request: Request) -> Response:
    """The form's values written into the file, keeping its comments and formatting;
    refused (409) when the file changed on disk since the page read it."""
    editor, name, items = await _posted(request)
    sha = _field(items, SHA_FIELD)
    draft = await run_in_threadpool(from_form, editor.folder, name, items, editor.templates)
    saved = editor.folder.save(name, draft.text, sha)
    if not is_htmx(request):
        return RedirectResponse(f"/edit/{quote(name)}?saved=1", status_code=303)
    return editor.page("_saved.html", draft=draft, sha=saved.sha256,
                       when=time.strftime("%H:%M:%S"), changed=draft.changed)


async def download(request: Request) -> Response:
    """A file made from the form's values (the policy in the view shown, the tracking
    form, the council packet) by the library code the CLI uses; for htmx, a link to it."""
    editor, name, items = await _posted(request)
    kind = DOWNLOADS.get(request.path_params["kind"])
    if kind is None:
        raise NotFound("no such download")
    work = editor.renderer.submit(_download, editor, name, items, kind, is_htmx(request))
    return await asyncio.wrap_future(work)


def _download(editor: Editor, name: str, items: list[tuple[str, str]], kind: Download,
              htmx: bool) -> Response:
    draft = from_form(editor.folder, name, items, editor.templates)
    if draft.profile is None:
        return editor.page("_message.html", 422, level="error",
                           message=f"The file cannot be made until the problems listed are "
                                   f"fixed ({len(draft.problems)}).")
    started = time.perf_counter()
    files = kind.build(draft.profile, _view(items), editor.templates)
    seconds = time.perf_counter() - started
    filename, data = next(iter(files.items()))
    filename = f"{name.rsplit('.', 1)[0]}-{filename}"
    media = _MEDIA.get(filename.rsplit(".", 1)[-1], "application/octet-stream")
    if not htmx:
        return Response(data, media_type=media, headers=_attachment(filename))
    key = editor.downloads.put(filename, media, data)
    return editor.page("_download.html", filename=filename, url=f"/download/{key}",
                       size=len(data), seconds=seconds, drafted=draft.drafted)


_MEDIA = {"pdf": "application/pdf", "html": "text/html",
          "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _attachment(filename: str) -> dict[str, str]:
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    return {"Content-Disposition": f"attachment; filename=\"{plain}\"; "
                                   f"filename*=UTF-8''{quote(filename)}"}


async def preview_page(request: Request) -> Response:
    """A preview, as the frame shows it: the policy's own HTML, under a policy of its own
    (no script at all, framed by the editor only)."""
    from .security import PREVIEW_CSP

    _, media, data = editor_of(request).previews.get(request.path_params["key"])
    return Response(data, media_type=media,
                    headers={"Content-Security-Policy": PREVIEW_CSP,
                             "X-Frame-Options": "SAMEORIGIN"})


async def fetch_download(request: Request) -> Response:
    """A file made by :func:`download`."""
    filename, media, data = editor_of(request).downloads.get(request.path_params["key"])
    return Response(data, media_type=media, headers=_attachment(filename))


routes: list[BaseRoute] = [
    Route("/", index, methods=["GET"]),
    Route("/new", new_city, methods=["POST"]),
    Route("/edit/{name}", edit, methods=["GET"]),
    Route("/edit/{name}/preview", check, methods=["POST"]),
    Route("/edit/{name}/list", change_list, methods=["POST"]),
    Route("/edit/{name}/save", save, methods=["POST"]),
    Route("/edit/{name}/download/{kind}", download, methods=["POST"]),
    Route("/preview/{key}", preview_page, methods=["GET"]),
    Route("/download/{key}", fetch_download, methods=["GET"]),
]
"""The editor's own routes (see the module's docstring)."""
