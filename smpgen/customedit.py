"""Changing a city's customization (:mod:`smpgen.customize`) one step at a time: a
clause's text saved as the city's or put back to the model's, a model section dropped or
restored, a section of the city's own added or taken out, each with the reason the city
records. The editor's page (:mod:`smpgen.serve.custom`) makes its changes through this;
a script or a command can too::

    from functools import partial
    from smpgen.customedit import apply, drop_section
    from smpgen.customview import City

    city = City(path, path.resolve(), None, path.read_bytes)
    apply(city, partial(drop_section, section="comment-rules", why="No comments."))

A change is safe to make:

- :func:`apply` makes one change at a time, and refuses (:class:`FolderChanged`) when
  the customization folder is no longer as the caller read it (its SHA-256,
  :func:`smpgen.customize.folder_digest`, given as ``sha``).
- Files are written atomically and never through a link, only in ``<profile>.custom/``
  beside the profile, named after section ids (so never a path); ``customize.yaml``
  keeps its comments (:mod:`smpgen.customfiles`).
- After writing, the profile is loaded as ``smpgen render`` loads it (the customization
  checked) and the policy is built; if either fails, every file is put back as it was
  and the located problem is raised (:class:`Refused`).

A clause's text is Markdown in which each profile value one field alone holds is written
as ``{{ name }}``; a saved text has a value typed out written back so when the edit left
it as it was (:class:`smpgen.customtext.Values`).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .customfiles import Writes, edited_changes, entry, forget, set_why
from .customize import find_clause, folder_digest, folder_of
from .customtext import ITEM, Values, cut_unit, first_inlines, put_unit, slug, unique, units_of, with_ids
from .customview import City, Loaded, load
from .errors import ModelError, ProfileError, UserError

MAX_WHY = 2000
"""The longest reason recorded (a paragraph, not a memo)."""

_ANY_ID = re.compile(r"\{#[^}\n]*\}")
_WRITING = threading.Lock()
"""One change at a time: a change reads, writes and checks the folder as one step."""


class Refused(UserError):
    """A change not made: what was asked cannot be done, or the policy would not build
    with it (nothing was changed either way)."""

    def __init__(self, message: str, item: str = "") -> None:
        super().__init__(message)
        self.item = item
        """The section or clause the refusal is about; empty when the change named none
        (a new section) or the policy as a whole is at fault."""


class Unknown(UserError):
    """A section or clause named that is not in the policy (or not as the change needs
    it): the caller's view of the policy is out of date."""


class FolderChanged(UserError):
    """The customization folder changed since the caller read it."""


Did = Literal["saved", "same", "why", "reverted", "taken-out", "dropped", "restored", "added",
              "removed"]
"""What a change did: each change's outcomes."""


@dataclass(frozen=True, slots=True)
class Done:
    """What a change did."""

    what: Did
    item: str
    """The section or clause id."""


Change = Callable[[Loaded, Writes], Done]
"""A change bound to what it changes (``partial(save_clause, clause=..., text=...)``)."""


def apply(city: City, change: Change, *, sha: str | None = None) -> Done:
    """Make ``change`` to the customization of ``city`` unless its folder's digest is no
    longer ``sha`` (None: not checked), then check it as render would; put everything
    back when the check fails."""
    with _WRITING:
        if sha is not None and folder_digest(city.real) != sha:
            raise FolderChanged(f"{folder_of(city.path)} changed on disk since this page "
                                "loaded it, so nothing was saved. The page now shows the files "
                                "as they are; what you typed is still in its form.")
        try:
            state = load(city)
        except (ProfileError, ModelError) as e:
            raise Refused("The policy cannot be built from the files as they are, so nothing "
                          f"was changed:\n{e.format()}") from None
        writes = Writes(state.folder, state.shown)
        try:
            done = change(state, writes)
            if not writes.nothing:
                check(city)
                writes.finish()
        except (ProfileError, ModelError) as e:
            writes.undo()
            raise Refused("Nothing was changed: with this change the policy would not "
                          f"build.\n{e.format()}") from None
        except BaseException:
            writes.undo()
            raise
        return done


def check(city: City) -> None:
    """Load the profile of ``city`` and build its policy as ``smpgen render`` does (its
    customization checked on the way); raises what they raise."""
    from .document import policy_document
    from .profile import load_profile

    policy_document(load_profile(city.path, raw=city.read(), draft=True,
                                 templates=city.templates))


# The changes --------------------------------------------------------------------------------

def save_clause(state: Loaded, writes: Writes, *, clause: str, text: str,
                why: str = "") -> Done:
    """Write a clause's text (``text``, one paragraph of Markdown without its ``{#id}``)
    into its section's file as the city's, with its reason."""
    cid, home, local = _clause(state, clause)
    found = find_clause(list(state.mine.sections), cid)
    assert found is not None
    valued = Values(state.profile, state.mine)
    before = valued.printed(first_inlines(found.node))
    typed = clean_words(text, cid)
    words = valued.kept(typed, before, valued.typed(typed))
    why = _why(why, cid)
    existing = state.text_of(home)
    unit = units_of(existing).get(local)
    whole = state.is_whole(home)
    if whole and unit is None:
        raise Refused(f"Clause {cid} carries no {{#id}} in {home}.md; give it one there to "
                      "edit it here.", cid)
    offered = unit.text if unit is not None else valued.markdown(first_inlines(found.node))
    changed = " ".join(words.split()) != " ".join(offered.split())
    if changed:
        writes.write(f"{home}.md", put_unit(existing, local, words, unit).encode("utf-8"))
    recorded = state.custom.clauses.get(cid) if state.custom is not None else None
    # A reason goes with the city's text (or an entry it already has), never alone.
    if not whole and why != (recorded.why if recorded else "") and \
            (changed or unit is not None or recorded is not None):
        def record(data: Any) -> None:
            if why:
                set_why(entry(data, "clauses", cid), why)
            else:
                forget(data, "clauses", cid, ("why",))

        edited_changes(writes, record)
    return Done("saved" if changed else "why" if not writes.nothing else "same", cid)


def revert_clause(state: Loaded, writes: Writes, *, clause: str) -> Done:
    """Take a clause's text out of the city's file: a model clause reads the model's
    again, a clause the city added is gone."""
    cid, home, local = _clause(state, clause)
    text = state.text_of(home)
    found = units_of(text)
    unit = found.get(local)
    if unit is None:
        raise Refused(f"Clause {cid} has no text of the City's to take out.", cid)
    model = find_clause(list(state.base.sections), cid) is not None and not state.is_whole(home)
    left = cut_unit(text, unit)
    writes.write(f"{home}.md", left.encode("utf-8") if left or state.is_whole(home) else None)
    following = [name for name, u in found.items() if u.start >= unit.whole_end]
    nxt = f"{home}.{min(following, key=lambda n: found[n].start)}" if following else None
    custom = state.custom
    assert custom is not None  # the city has text for the clause
    placed = custom.clauses.get(nxt or "")
    # A clause the city added is placed after the one written before it in the file: when
    # that is this model clause (still in the policy), it stays after it.
    anchored = model and nxt is not None and find_clause(list(state.base.sections), nxt) \
        is None and not (placed is not None and (placed.after or placed.before))

    def record(data: Any) -> None:
        forget(data, "clauses", cid, ("why",) if model else None)
        if anchored and nxt is not None:
            entry(data, "clauses", nxt)["after"] = cid

    if cid in custom.clauses or anchored:
        edited_changes(writes, record)
    return Done("reverted" if model else "taken-out", cid)


def drop_section(state: Loaded, writes: Writes, *, section: str, why: str = "") -> Done:
    """Drop a model section (``drop: true``, with the reason); its text file is kept."""
    sid = _section(section)
    if sid not in {s.id for s in state.mine.sections}:
        raise Unknown(f"no section {sid!r} in this policy; reload the page")
    if sid not in state.profile.model.section_ids():
        raise Refused(f"Section {sid} is the City's own: take it out instead.", sid)
    why = _why(why, sid)

    def record(data: Any) -> None:
        found = entry(data, "sections", sid)
        for key in [k for k in found if k not in ("why",)]:
            del found[key]  # a dropped section takes only why:
        found.insert(0, "drop", True)
        set_why(found, why)

    edited_changes(writes, record)
    return Done("dropped", sid)


def restore_section(state: Loaded, writes: Writes, *, section: str) -> Done:
    """Take a section's ``drop: true`` (and its reason) out of ``customize.yaml``."""
    sid = _section(section)
    custom = state.custom
    if custom is None or not custom.dropped(sid):
        raise Unknown(f"section {sid!r} is not dropped; reload the page")
    edited_changes(writes, lambda data: forget(data, "sections", sid))
    return Done("restored", sid)


def add_section(state: Loaded, writes: Writes, *, title: str, text: str, after: str = "",
                why: str = "") -> Done:
    """A section of the city's own: its title, place (after the section ``after``; at the
    end when empty) and reason in ``customize.yaml``, its text (each paragraph given an
    id) in ``<id>.md``."""
    title = " ".join(title.split())
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not title or not text:
        raise Refused("A new section needs its title and its text.")
    if len(title) > 200:
        raise Refused("Keep the title under 200 characters.")
    if after and after not in {s.id for s in state.mine.sections}:
        raise Refused(f"No section {after!r} to put it after; reload the page.")
    why = _why(why, "")
    custom = state.custom
    taken = set(state.profile.model.section_ids()) | \
        ({c.id.split(".")[0] for c in custom.sections.values()} if custom else set())
    if writes.folder.is_dir():
        taken |= {n.removesuffix(".md") for n in os.listdir(writes.folder)}
    sid = unique(slug(title) or "section", taken)
    writes.write(f"{sid}.md", with_ids(text, set()).encode("utf-8"))

    def record(data: Any) -> None:
        found = entry(data, "sections", sid)
        found["title"] = title
        if after:
            found["after"] = after
        set_why(found, why)

    edited_changes(writes, record)
    return Done("added", sid)


def remove_section(state: Loaded, writes: Writes, *, section: str) -> Done:
    """Take out a section of the city's own: its entries in ``customize.yaml`` and its
    text file."""
    sid = _section(section)
    custom = state.custom
    if custom is None or sid in state.profile.model.section_ids() or sid not in custom.sections:
        raise Refused(f"Section {sid} is not one of the City's own; drop it instead.", sid)

    def record(data: Any) -> None:
        for group in ("sections", "clauses"):
            for item in [k for k in data.get(group, {}) if k.split(".")[0] == sid]:
                del data[group][item]

    edited_changes(writes, record)
    writes.write(f"{sid}.md", None)
    return Done("removed", sid)


# What a change is given, checked --------------------------------------------------------------

def clean_words(text: str, clause: str) -> str:
    """A clause's words as typed, checked: one paragraph, its id left to the editor."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n")
             .strip().split("\n")]
    if not lines or not lines[0]:
        raise Refused("A clause needs its words; to go back to the model\u2019s text, use "
                      "the button for it below the text.", clause)
    if any(not line.strip() for line in lines):
        raise Refused("A clause is one paragraph: take out the empty line (a section of the "
                      "City's own may have many).", clause)
    if _ANY_ID.search(text):
        raise Refused("Leave the {#id} out: the page keeps the clause's id for you.", clause)
    return "\n".join(line.strip() for line in lines)


def _why(why: str, item: str) -> str:
    why = " ".join(why.split())
    if len(why) > MAX_WHY:
        raise Refused(f"The reason is {len(why):,} characters; keep it under {MAX_WHY:,} "
                      "(the deviation list prints it in full).", item)
    return why


def _clause(state: Loaded, cid: str) -> tuple[str, str, str]:
    if not ITEM.fullmatch(cid) or "." not in cid or \
            find_clause(list(state.mine.sections), cid) is None:
        raise Unknown(f"no clause {cid!r} in this policy; reload the page")
    home, _, local = cid.partition(".")
    return cid, home, local


def _section(sid: str) -> str:
    if not ITEM.fullmatch(sid):
        raise Unknown(f"no section {sid!r} in this policy; reload the page")
    return sid
