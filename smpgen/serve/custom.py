"""The city's own text on the editor's page: the customization a city keeps beside its
profile (:mod:`smpgen.customize`), seen and changed clause by clause.

=============================================  ==========================================
``GET  /edit/{name}/custom``                   the page: the changes from the model with
                                               their reasons, each section's clauses as the
                                               city has them, the sections dropped, a form
                                               to add one, and the policy's preview
``POST /edit/{name}/custom/clause``            a clause's text saved as the city's
``POST /edit/{name}/custom/revert``            a clause back to the model's text (one the
                                               city wrote itself: taken out)
``POST /edit/{name}/custom/drop``              a section dropped, with the reason
``POST /edit/{name}/custom/restore``           a dropped section back
``POST /edit/{name}/custom/add``               a section of the city's own added
``POST /edit/{name}/custom/remove``            a section of the city's own taken out
=============================================  ==========================================

This module is the web layer only: what the page shows comes from
:func:`smpgen.customview.outline`, and each change is made by :mod:`smpgen.customedit`
(:func:`~smpgen.customedit.apply`: refused when the folder changed since the page read
it, written atomically, checked by building the policy and put back if that fails).

Every change is a plain form post (the page needs no script), answered with a redirect
back to the page at the part changed; a change refused is answered with the page itself,
the message beside its form and what was typed still in it: 422 for a change refused
(:class:`~smpgen.customedit.Refused`), 409 when the folder changed on disk since the page
read it (the page carries the folder's SHA-256 in ``_sha``), 404 for a section or clause
the policy does not have, 400 for a file the page will not touch (a link, not YAML).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..customedit import (
    Did,
    Done,
    FolderChanged,
    Refused,
    Unknown,
    add_section,
    apply,
    drop_section,
    remove_section,
    restore_section,
    revert_clause,
    save_clause,
)
from ..customtext import ITEM
from ..customview import City, DroppedView, Kind, Loaded, SectionView, anchor, outline
from ..errors import ModelError, ProfileError, UserError
from .app import Editor, editor_of
from .store import NotFound, checked_name

__all__ = ["KINDS", "NOTICES", "PageView", "load", "page_view", "render_page", "routes"]

KINDS: dict[Kind, str] = {
    "model": "the model\u2019s text",
    "changed": "the City\u2019s text (the model\u2019s changed)",
    "added": "a clause the City added",
    "own": "the City\u2019s text (its section is the City\u2019s own)",
}
"""How the page names each kind of clause."""

NOTICES: dict[Did, str] = {
    "saved": "Saved: clause {} reads the City\u2019s text.",
    "same": "Nothing to save: clause {} already reads so.",
    "why": "Saved the reason for clause {}.",
    "reverted": "Clause {} reads the model\u2019s text again.",
    "taken-out": "Clause {} is taken out of the City\u2019s text.",
    "dropped": "Section {} is dropped.",
    "restored": "Section {} is back.",
    "added": "Section {} is added.",
    "removed": "Section {} is taken out, with its text file.",
}
"""What the page says after each change."""


def city_of(editor: Editor, name: str) -> City:
    """The profile ``name`` of the served folder, read as the folder reads it (a regular
    file in it, never through a link)."""
    return City(editor.folder.path(name), editor.folder.real / name, editor.templates,
                lambda: editor.folder.read(name).raw)


def load(editor: Editor, name: str) -> Loaded:
    """The profile ``name`` with its customization and both texts of its policy
    (:func:`smpgen.customview.load`)."""
    from ..customview import load as load_city

    return load_city(city_of(editor, name))


# What the page shows -------------------------------------------------------------------------

@dataclass(slots=True)
class PageView:
    """Everything the page shows of a city's customization."""

    sha: str
    folder: str
    deviations: list[Any]
    """:class:`smpgen.deviations.Deviation`, each with the anchor it links to."""
    sections: list[SectionView]
    dropped: list[DroppedView]
    switched_off: list[str]
    """Titles of the model's optional sections the profile leaves out."""
    places: list[tuple[str, str]]
    """Where a new section may go: (section id, label)."""
    preview_url: str


def page_view(editor: Editor, state: Loaded) -> PageView:
    """What the page shows for ``state``."""
    from ..deviations import deviations
    from ..writers.html import write_html

    found = outline(state)
    shown = {s.id for s in found.sections}
    preview = editor.previews.put("preview.html", "text/html", write_html(state.mine).encode())
    return PageView(
        state.sha, str(state.shown),
        [(d, _anchor_of(d.what, d.kind, d.id, shown)) for d in deviations(state.profile)],
        found.sections, found.dropped, found.switched_off,
        [(s.id, " ".join(f"After {s.number} {s.title}".split())) for s in found.sections],
        f"/preview/{preview}")


def _anchor_of(what: str, kind: str, item: str, shown: set[str]) -> str:
    """Where on the page a deviation is (empty: nowhere, a clause dropped)."""
    if what == "section":
        return anchor("s", item) if item in shown else "dropped"
    return "" if kind == "dropped" else anchor("cl", item)


@dataclass(slots=True)
class Failed:
    """A change refused, for the page: its form, the message, what was posted."""

    form: str
    lines: list[str]
    values: dict[str, str]


def render_page(editor: Editor, name: str, status: int = 200, *, notice: str = "",
                failed: Failed | None = None) -> Response:
    """The page for the profile ``name`` (with a refused change's message)."""
    problems: list[str] = []
    view = None
    title = name
    try:
        state = load(editor, name)
        title = state.profile.values["city"]["name"] or name
        view = page_view(editor, state)
    except (ProfileError, ModelError) as e:
        problems = e.format().splitlines()
    return editor.page("custom.html", status, name=name, title=title, view=view,
                       problems=problems, notice=notice, failed=failed, kinds=KINDS)


# The changes' forms ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Form:
    """A form of the page and the change it posts."""

    change: Callable[..., Done]
    """A change of :mod:`smpgen.customedit`, given ``fields`` as keyword arguments."""
    fields: tuple[str, ...]
    """The form's fields the change takes."""
    prefix: str
    """Its forms' ids: the prefix before the clause or section id; empty for the one
    form of its kind (``add-section``)."""


_FORMS = {
    "clause": _Form(save_clause, ("clause", "text", "why"), "cl"),
    "revert": _Form(revert_clause, ("clause",), "cl"),
    "drop": _Form(drop_section, ("section", "why"), "drop"),
    "restore": _Form(restore_section, ("section",), "d"),
    "add": _Form(add_section, ("title", "text", "after", "why"), ""),
    "remove": _Form(remove_section, ("section",), "remove"),
}
"""Each change's form, by the last part of the address it posts to."""


def _form_of(form: _Form, values: dict[str, str]) -> str:
    """The form a change was posted from, for its message."""
    item = values.get("clause") or values.get("section") or ""
    return anchor(form.prefix, item) if form.prefix and ITEM.fullmatch(item) else "add-section"


def _at(done: Done) -> str:
    """The part of the page to go back to after ``done``."""
    match done.what:
        case "dropped":
            return "dropped"
        case "removed":
            return "sections-heading"
        case "restored" | "added":
            return anchor("s", done.item)
        case _:
            return anchor("cl", done.item)


# Routes -------------------------------------------------------------------------------------

async def custom_page(request: Request) -> Response:
    """The page of a city's own text."""
    editor = editor_of(request)
    name = checked_name(request.path_params["name"])
    done, item = request.query_params.get("done", ""), request.query_params.get("item", "")
    notice = NOTICES[done].format(item) if done in NOTICES and ITEM.fullmatch(item) else ""
    return await run_in_threadpool(render_page, editor, name, notice=notice)


def _changing(form: _Form) -> Callable[[Request], Any]:
    async def handler(request: Request) -> Response:
        editor = editor_of(request)
        name = checked_name(request.path_params["name"])
        posted = await request.form()
        values = {k: v for k, v in posted.items() if isinstance(v, str)}
        return await run_in_threadpool(_answer, editor, name, form, values)

    handler.__doc__ = form.change.__doc__
    return handler


def _answer(editor: Editor, name: str, form: _Form, values: dict[str, str]) -> Response:
    change = partial(form.change, **{key: values.get(key, "") for key in form.fields})
    try:
        done = apply(city_of(editor, name), change, sha=values.get("_sha", ""))
    except Refused as e:
        at = anchor(form.prefix, e.item) if form.prefix and e.item else _form_of(form, values)
        return render_page(editor, name, 422, failed=Failed(at, str(e).splitlines(), values))
    except FolderChanged as e:
        return render_page(editor, name, 409,
                           failed=Failed(_form_of(form, values), [str(e)], values))
    except Unknown as e:
        raise NotFound(str(e)) from None
    except NotFound:
        raise
    except UserError as e:  # a file the page will not touch (a link, not YAML)
        return render_page(editor, name, 400,
                           failed=Failed(_form_of(form, values), [e.format()], values))
    query = urlencode({"done": done.what, "item": done.item})
    return RedirectResponse(f"/edit/{quote(name)}/custom?{query}#{_at(done)}", status_code=303)


routes: list[BaseRoute] = [
    Route("/edit/{name}/custom", custom_page, methods=["GET"]),
    *(Route(f"/edit/{{name}}/custom/{action}", _changing(form), methods=["POST"])
      for action, form in _FORMS.items()),
]
"""The routes of the city's own text (see the module's docstring)."""
