"""The ``smpgen`` command: parses options and calls the library API, nothing more.

Heavy libraries (WeasyPrint, python-docx, pydantic) are imported inside the commands
that need them, so ``smpgen --help`` starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

import click

from .errors import Problem, SmpgenError, UserError, printable
from .options import DEFAULT_OPTIONS, EDITIONS
from .version import __version__
from .writers import FORM_FORMATS, FORMATS, WRITERS, Format


class _Cli(click.Group):
    """Catches every :class:`SmpgenError` in one place: ``Error: ...``, then its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SmpgenError as e:
            click.echo(f"Error: {printable(e.format())}", err=True)
            ctx.exit(e.exit_code)


def _formats(_ctx: click.Context, _param: click.Parameter,
             value: tuple[str, ...]) -> tuple[Format, ...]:
    chosen = [f.strip().lower() for v in value for f in v.split(",") if f.strip()]
    bad = [f for f in chosen if f not in WRITERS]
    if bad:
        raise click.BadParameter(f"{', '.join(bad)}; choose from {', '.join(FORMATS)}")
    return cast("tuple[Format, ...]", tuple(chosen))  # each checked against WRITERS above


def _warn(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(p.as_warning(), err=True)


def _report(result: Any) -> None:
    _warn(result.warnings)
    verb = "wrote" if result.rendered else "unchanged"
    for path in result.paths:
        click.echo(printable(f"{verb} {path}"))
    if getattr(result, "kept", None) is not None:
        click.echo(printable(f"kept the adopted version in {result.kept}/"))


format_option = click.option(
    "--format", "formats", multiple=True, callback=_formats, metavar="LIST",
    help="Formats to write, comma-separated (default: all): "
         + "; ".join(f"{w.name}: {w.purpose}" for w in WRITERS.values()) + ".")
force_option = click.option(
    "--force", is_flag=True,
    help="Render even if nothing changed; overwrite files edited since smpgen wrote them "
         "(a .bak copy of each is kept).")
out_option = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OPTIONS.out_dir, show_default=True, help="Folder to write into.")


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="smpgen")
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OPTIONS.templates, show_default=True,
              help="A folder of your own models, searched besides the shipped ones.")
@click.pass_context
def cli(ctx: click.Context, templates: Path) -> None:
    """Write council-ready city social media policies from a city profile."""
    ctx.obj = {"templates": templates}


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The city's name, e.g. Lakeview.")
@click.option("--state", required=True, help="Two-letter state code, e.g. MN.")
@click.option("--model", "model_id", default="city-social-media", show_default=True,
              help="The model the profile fills in.")
@click.option("--force", is_flag=True,
              help="Overwrite an existing profile, and a schema file beside it that differs.")
@click.pass_obj
def init(obj: dict[str, Any], path: Path, name: str, state: str, model_id: str,
         force: bool) -> None:
    """Write a commented profile with every field, ready to fill in."""
    from .models import get_model
    from .scaffold import init_profile

    for written in init_profile(path, get_model(model_id, obj["templates"]), name=name,
                                state=state, force=force):
        click.echo(printable(f"wrote {written}"))


@cli.command()
@click.argument("profiles", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Allow required values to be missing.")
@click.option("--strict", is_flag=True,
              help="Treat every warning (a risky choice, a citation to confirm) as a problem.")
@click.pass_obj
def validate(obj: dict[str, Any], profiles: tuple[Path, ...], draft: bool, strict: bool) -> None:
    """Check profiles; print OK or every problem as FILE:LINE: FIELD: MESSAGE, and each
    risky choice (a removal category a court may strike, a blocking rule without a
    standard, a retention shorter than the claims period, an official checking its own
    work) as a warning."""
    from .api import validate as validate_profiles

    failed = 0
    for report in validate_profiles(profiles, draft=draft, strict=strict,
                                    templates=obj["templates"]):
        if report.ok:
            click.echo(printable(f"OK {report.path}"))
        else:
            failed += 1
            for p in report.problems:
                click.echo(str(p), err=True)
        _warn(report.warnings)
    if failed:
        click.echo(f"{failed} of {len(profiles)} profile(s) have problems.", err=True)
        sys.exit(2)


@cli.command()
@click.argument("profiles", nargs=-1, required=True)
@format_option
@out_option
@click.option("--draft", is_flag=True,
              help="Render even with required values missing; they print as blanks.")
@click.option("--edition", type=click.Choice([e for e in EDITIONS if e != "model"]),
              default=DEFAULT_OPTIONS.edition, show_default=True,
              help="annotated adds a drafter's note after each section.")
@force_option
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=DEFAULT_OPTIONS.jobs,
              show_default=True,
              help="Processes: one worker per profile for many profiles, or for one profile "
                   "its PDF beside its other files. 0: one per core.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no per-file lines.")
@click.option("--packet", is_flag=True, default=DEFAULT_OPTIONS.packet,
              help="Also write the council packet PDF (as 'smpgen packet' does).")
@click.pass_obj
def render(obj: dict[str, Any], profiles: tuple[str, ...], formats: tuple[Format, ...],
           out_dir: Path, draft: bool, edition: str, force: bool, jobs: int,
           quiet: bool, packet: bool) -> None:
    """Render policies, tracking forms and executive summaries to output/<profile>/.

    PROFILES are files, folders of .yaml profiles, or glob patterns (a file that exists
    is always taken as named). With more than one profile, each is rendered in a worker
    process, a failure stops none of the others, and the exit status is 1 if any
    failed."""
    from .batch import expand

    paths = expand(profiles)
    options = {"formats": formats or DEFAULT_OPTIONS.formats, "out_dir": out_dir,
               "draft": draft, "edition": edition, "templates": obj["templates"],
               "force": force, "packet": packet}
    if len(paths) == 1 and not Path(profiles[0]).is_dir():
        from .api import render as render_profile

        result = render_profile(paths[0], jobs=jobs, **options)
        if not quiet:
            _report(result)
        else:
            _warn(result.warnings)
        return
    _render_batch(paths, jobs, quiet, options)


def _render_batch(paths: list[Path], jobs: int, quiet: bool,
                  options: dict[str, Any]) -> None:
    from .batch import BatchItem, render_many

    show_bar = not quiet and sys.stderr.isatty()
    with click.progressbar(length=len(paths), label="Rendering", file=sys.stderr,
                           hidden=not show_bar) as bar:
        def done(item: BatchItem) -> None:
            bar.update(1)

        items = render_many(paths, jobs=jobs, on_done=done, **options)
    counts = {s: sum(i.status == s for i in items) for s in ("rendered", "unchanged", "failed")}
    for item in items:
        if item.status != "failed" and item.messages:
            click.echo("\n".join(item.messages), err=True)
    failed = [i for i in items if i.status == "failed"]
    for item in failed:
        click.echo(printable(f"Error: {item.profile} failed:"), err=True)
        click.echo("\n".join(item.messages), err=True)
    click.echo(f"rendered {counts['rendered']}, unchanged {counts['unchanged']}, "
               f"failed {counts['failed']}", err=bool(failed))
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@out_option
@click.option("--draft", is_flag=True,
              help="Build the packet even with required values missing; they print as blanks.")
@force_option
@click.option("--redline", is_flag=True,
              help="Add the policy's redline as an attachment: against the adopted version "
                   "when smpgen kept one (an amendment), else against the model.")
@click.option("--redline-against", "against", metavar="model|adopted|VERSION",
              help="Add the redline against this text instead (implies --redline).")
@click.pass_obj
def packet(obj: dict[str, Any], profile: Path, out_dir: Path, draft: bool, force: bool,
           redline: bool, against: str | None) -> None:
    """Write one council packet PDF: summary, policy (Attachment A), form (Attachment B),
    and with --redline the policy's redline (Attachment C)."""
    from .api import packet as build_packet

    _report(build_packet(profile, out_dir=out_dir, draft=draft, templates=obj["templates"],
                         force=force, redline=against or redline))


@cli.group()
def form() -> None:
    """The removed-comments tracking form."""


@form.command("fill")
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("record", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "formats", multiple=True, metavar="LIST", callback=_formats,
              help=f"{' or '.join(FORM_FORMATS)}, comma-separated (default: all of them).")
@out_option
@force_option
@click.pass_obj
def form_fill(obj: dict[str, Any], profile: Path, record: Path, formats: tuple[Format, ...],
              out_dir: Path, force: bool) -> None:
    """Write the form filled in for one removed comment, from a small YAML record."""
    from .api import fill_form

    _report(fill_form(profile, record, formats=formats or FORM_FORMATS, out_dir=out_dir,
                      templates=obj["templates"], force=force))


@cli.command()
@click.argument("model_id", default="city-social-media", metavar="[MODEL]")
@click.option("--state", metavar="XX", help="A state edition: fill in the state's records law "
              "and other terms (postal code, e.g. MN), leaving every city's value blank.")
@click.option("--publisher", help="Who publishes this edition (default: the model's publisher).")
@click.option("--edition-date", metavar="YYYY-MM-DD", help="The edition's date.")
@click.option("--label", help="The version label of the title block, e.g. '2026 Edition' "
              "(default: the model's version).")
@click.option("--credit", help="A credit line printed at the foot of the title block.")
@click.option("--note", type=click.Path(dir_okay=False, path_type=Path),
              help="A Markdown file printed first, e.g. which memo to read before adopting.")
@click.option("--numbering", metavar="SCHEME", help="decimal (default), outline or headings.")
@click.option("--heading-case", metavar="CASE",
              help="as-written or capitals (default: the numbering's own).")
@format_option
@out_option
@force_option
@click.pass_obj
def model(obj: dict[str, Any], model_id: str, state: str | None, publisher: str | None,
          edition_date: str | None, label: str | None, credit: str | None, note: Path | None,
          numbering: str | None, heading_case: str | None, formats: tuple[Format, ...],
          out_dir: Path, force: bool) -> None:
    """Render a model as the league publishes it: blanks, suggestions, drafter's notes, and
    each choice's alternatives. The edition's identity comes from the model's model.yaml
    (edition:), then these options."""
    from .api import render_model

    _report(render_model(model_id, formats=formats or DEFAULT_OPTIONS.formats, out_dir=out_dir,
                         templates=obj["templates"], force=force, state=state,
                         publisher=publisher, edition_date=edition_date, label=label,
                         credit=credit, note=note, numbering=numbering,
                         heading_case=heading_case))


@cli.command()
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Also print, per model, each provision id and the section covering it.")
@click.option("--changes", nargs=2, metavar="FROM TO",
              help="Print the graded changes of a model's releases after FROM up to TO.")
@click.option("--model", "model_id", default="city-social-media", show_default=True,
              help="The model whose changes --changes prints.")
@click.option("--notes", "notes_out", type=click.Path(file_okay=False, path_type=Path),
              help="With --changes: write them as release notes (DOCX, PDF, HTML) into this "
                   "folder, for a league to send its members.")
@click.pass_obj
def models(obj: dict[str, Any], show_coverage: bool, changes: tuple[str, str] | None,
           model_id: str, notes_out: Path | None) -> None:
    """List the shipped models and those in your templates folder; print every problem of
    a model that does not load as FILE:LINE: FIELD: MESSAGE."""
    from .api import list_models
    from .coverage import coverage

    if changes:
        from .models import get_model
        from .upgrade import releases_between

        model = get_model(model_id, obj["templates"])
        found = releases_between(model.changelog, *changes)
        if not found:
            raise UserError(f"model {model_id} lists no releases after {changes[0]} up to "
                             f"{changes[1]} in its changelog")
        if notes_out is not None:
            from .api import release_notes

            _report(release_notes(model_id, *changes, out_dir=notes_out,
                                  templates=obj["templates"]))
            return
        for release in found:
            click.echo(printable(f"{model_id} {release.version} ({release.date}): "
                                 f"{release.summary}"))
            for entry in sorted(release.changes, key=lambda e: GRADE_ORDER[e.grade]):
                cited = f" [{entry.citation}]" if entry.citation else ""
                click.echo(printable(f"  {entry.grade:<11} {entry.change} {entry.id}: "
                                     f"{entry.reason}{cited}"))
        return

    models = list_models(templates=obj["templates"])
    uncovered = 0
    for m in models:
        based = f", extends {m.extends}" if m.extends else ""
        click.echo(printable(f"{m.id}  {m.version}  {m.origin}  {m.title}  "
                             f"({m.home or m.path}{based})"))
        if not show_coverage:
            continue
        for c in coverage(m):
            where = ", ".join(c.sections) or "NOT COVERED"
            note = " (optional section)" if c.optional else ""
            click.echo(f"  {c.provision}  {c.name}: {where}{note}")
            uncovered += not c.sections
    for p in models.problems:
        click.echo(str(p), err=True)
    if uncovered:
        click.echo(f"{uncovered} provision(s) not covered.", err=True)
    if models.problems:
        broken = len({p.path for p in models.problems})
        click.echo(f"{broken} model(s) could not be loaded.", err=True)
        sys.exit(2)
    if uncovered:
        sys.exit(1)


@cli.command()
@click.option("--model", "model_id", default="city-social-media", show_default=True,
              help="The model whose profile schema to print.")
@click.option("--markdown", is_flag=True, help="Print the profile reference as a Markdown table.")
@click.pass_obj
def schema(obj: dict[str, Any], model_id: str, markdown: bool) -> None:
    """Print the profile's JSON Schema (editors use it to check profiles as you type)."""
    from .models import get_model
    from .schema import reference_markdown, schema_text

    model = get_model(model_id, obj["templates"])
    click.echo(reference_markdown(model) if markdown else schema_text(model), nl=False)


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--against", default="model", show_default=True,
              metavar="model|adopted|VERSION",
              help="The text the changes are from: model (the model with the city's values, "
                   "at the release the city is on), adopted (the policy in force: the latest "
                   "version adopted, kept by smpgen when the adoption was recorded), or "
                   "another release of the model (0.2.0).")
@format_option
@out_option
@force_option
@click.pass_obj
def redline(obj: dict[str, Any], profile: Path, against: str, formats: tuple[Format, ...],
            out_dir: Path, force: bool) -> None:
    """Write PROFILE's policy as a redline: every difference from the model as Word
    tracked changes (DOCX), underlined and struck through (PDF, HTML)."""
    from .api import redline as write

    _report(write(profile, against=against, formats=formats or DEFAULT_OPTIONS.formats,
                  out_dir=out_dir, templates=obj["templates"], force=force))


@cli.command()
@click.argument("profiles", nargs=-1, required=True)
@click.option("--to", "to", metavar="VERSION",
              help="The release to upgrade to (default: the model's newest).")
@click.option("--all", "every", is_flag=True,
              help="PROFILES are folders: upgrade every profile in them, in worker "
                   "processes, with a summary.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=DEFAULT_OPTIONS.jobs,
              show_default=True, help="Processes for --all: one worker per profile. 0: one "
                                      "per core.")
@out_option
@force_option
@click.pass_obj
def upgrade(obj: dict[str, Any], profiles: tuple[str, ...], to: str | None, every: bool,
            jobs: int, out_dir: Path, force: bool) -> None:
    """Carry each city's text to a newer release of its model, merged clause by clause: a
    clause the city did not touch takes the new text, one the model did not change keeps
    the city's, one both changed is a conflict (the city's text is kept, the new text shown
    beside it in the redline). Critical changes are always listed. Records the new release
    in the profile and writes a redline against the city's current text. Exits 1 if any
    city has a conflict or fails."""
    from .batch import expand, upgrade_many

    if every:
        not_folders = [p for p in profiles if not Path(p).is_dir()]
        if not_folders:
            raise UserError(f"{not_folders[0]}: --all takes folders of profiles")
        paths = expand(profiles)
    else:
        paths = [Path(p) for p in profiles]
    if not every and len(paths) == 1:
        from .api import upgrade as carry

        result = carry(paths[0], to=to, out_dir=out_dir, templates=obj["templates"],
                       force=force)
        click.echo("\n".join(printable(line) for line in result.lines()))
        for written in result.written:
            click.echo(printable(f"wrote {written}"))
        if result.conflicts:
            sys.exit(1)
        return
    items = upgrade_many(paths, to=to, out_dir=out_dir, templates=obj["templates"],
                         force=force, jobs=jobs)
    for item in items:
        if item.status == "failed":
            click.echo(printable(f"Error: {item.profile} failed:"), err=True)
            click.echo("\n".join(item.messages), err=True)
            continue
        click.echo("\n".join(item.messages))
        for written in item.paths:
            click.echo(printable(f"wrote {written}"))
    counts = {s: sum(i.status == s for i in items)
              for s in ("current", "clean", "merged", "conflicts", "failed")}
    click.echo(", ".join(f"{n} {status}" for status, n in counts.items() if n)
               or "no profiles")
    if counts["failed"] or counts["conflicts"]:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=False, path_type=Path))
@click.pass_obj
def check(obj: dict[str, Any], paths: tuple[Path, ...]) -> None:
    """Check PDF, HTML and DOCX files for accessibility before posting them: PDFs against
    PDF/UA-1 (page-validation's checker and smpgen's own checks), HTML with axe-core's
    WCAG 2.1 A and AA rules in headless Chromium, DOCX files with smpgen's lint. PATHS are
    files or folders (searched for the three kinds). Prints each problem located; exits 1
    if any file has one."""
    from .api import check as run_checks

    report = run_checks(list(paths))
    for finding in report.findings:
        click.echo(printable(finding.format()))
    failed = report.failed
    files = len(report.checked)
    click.echo(f"checked {files} file{'s' * (files != 1)}: "
               + (f"{len(report.findings)} problem{'s' * (len(report.findings) != 1)} in "
                  f"{len(failed)} file{'s' * (len(failed) != 1)}" if failed
                  else "no problems found"), err=bool(failed))
    if failed:
        sys.exit(1)


@cli.command("import")
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("docx", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@out_option
@click.pass_obj
def import_(obj: dict[str, Any], profile: Path, docx: Path, out_dir: Path) -> None:
    """Take the edits in a policy DOCX, edited in Word or LibreOffice (typed, or tracked
    changes, accepted or not), into the city's customization folder beside PROFILE, clause
    by clause. Prints what it took; exits 1 if something could not be placed."""
    from .api import import_docx

    taken = import_docx(profile, docx, out_dir=out_dir, templates=obj["templates"])
    if taken.nothing and not taken.not_placed:
        click.echo(printable(f"{docx}: no change from {profile.stem}'s policy"))
    for line in taken.summary():
        click.echo(printable(line), err=line.startswith("not placed"))
    for path in taken.written:
        click.echo(printable(f"wrote {path}"))
    if taken.not_placed:
        sys.exit(1)


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def deviations(obj: dict[str, Any], profile: Path) -> None:
    """List how PROFILE's policy differs from its model: each clause changed, added,
    dropped or moved, each section added, dropped, moved or renamed, with the reason the
    city recorded in its customization."""
    from .api import deviations as find

    found = find(profile, templates=obj["templates"])
    if not found:
        click.echo(printable(f"{profile}: the policy is the model's text, with the city's values"))
    for d in found:
        click.echo(printable(d.line()))


@cli.command()
@click.argument("folder", default="city_profiles", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0,
              help="The port to listen on (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.pass_obj
def serve(obj: dict[str, Any], folder: Path, port: int, no_browser: bool) -> None:
    """Edit the profiles in FOLDER (city_profiles/ by default) in your browser: a form
    for each city with its guidance, checked as you type, the policy previewed beside it,
    saved back into the YAML with its comments kept, and its files to download. Listens
    on 127.0.0.1 only; Ctrl-C stops it."""
    from .serve import serve as run_server

    run_server(folder, port=port, open_browser=not no_browser, templates=obj["templates"],
               announce=lambda line: click.echo(printable(line)))
    click.echo("Stopped.")


GRADE_ORDER = {"critical": 0, "substantive": 1, "editorial": 2}


def main() -> None:
    """Entry point of the ``smpgen`` script."""
    cli(prog_name="smpgen")
