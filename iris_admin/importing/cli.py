"""``flask --app wsgi iris import FILE`` and ``flask --app wsgi iris export OUT``.

The CLI uses the same stored plan as the web pages (the run shows up in the import
history), plans and applies in the foreground with a progress bar, and exits 0 only
when the import was applied or a dry run found no errors.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app

from ..cli import iris_cli
from ..extension import iris_state
from .apply import ApplyFailed, apply_run
from .jobs import read_options
from .report import annotated_rows
from .results import ImportMode, RowStatus
from .store import claim_for_apply, create_run, discard_run, iter_rows, plan_run
from .template import export_customers, write_annotated_xlsx

MAX_ERRORS_SHOWN = 50


class _Counter:
    """Rows read so far; the total is unknown until the file is read."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.interactive = sys.stdout.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        if self.interactive:
            suffix = f" of {total:,}" if total else ""
            click.echo(f"\r{self.label}: {done:,}{suffix} rows", nl=False)

    def close(self) -> None:
        if self.interactive:
            click.echo("")


@iris_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mode",
    type=click.Choice([mode.value for mode in ImportMode]),
    default="add",
    show_default=True,
    help="add: add and update; all: also list customers not in the file; "
    "delete: delete the customers listed.",
)
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--yes", is_flag=True, help="Do not ask before deleting (mode delete).")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every row with its status and problems to this .xlsx file.",
)
def import_command(file: Path, mode: str, dry_run: bool, yes: bool, report: Path | None) -> None:
    """Import customers from an .xlsx, .xls or .csv file (the template's columns)."""
    session = iris_state().session
    options = read_options()
    import_mode = ImportMode(mode)
    run = create_run(
        session,
        mode=import_mode,
        file_name=file.name,
        file_size=file.stat().st_size,
        ttl_seconds=int(current_app.config["IRIS_IMPORT_PREVIEW_TTL"]),
        source="cli",
        # Kept for the errors file of the web history (too big a file is refused anyway).
        upload=file.read_bytes() if file.stat().st_size <= options.max_bytes else None,
    )
    counter = _Counter("Reading")
    try:
        result = plan_run(session, run, file, options, progress=counter)
    finally:
        counter.close()
    session.refresh(run)

    for warning in result.warnings:
        click.echo(f"Warning: {warning}")
    if result.file_errors:
        for problem in result.file_errors:
            click.echo(f"Error: {problem}", err=True)
        discard_run(session, run)
        sys.exit(1)

    _print_summary(run.totals, import_mode)
    errors = list(
        iter_rows(
            session, run.id, (RowStatus.ERROR.value, RowStatus.SKIP.value), options.batch_size
        )
    )
    _print_row_problems(errors)
    if report is not None:
        _write_report(session, run.id, run.header, file, report, options)
        click.echo(f"Report written to {report}.")
    if import_mode is ImportMode.ALL and run.count("missing"):
        click.echo(
            f"{run.count('missing'):,} customer(s) are in the system but not in the "
            "file (nothing is deleted; see --report)."
        )

    if run.has_errors:
        click.echo("Nothing was imported: fix the errors and run the import again.", err=True)
        discard_run(session, run)
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        discard_run(session, run)
        return
    changes = sum(run.count(status) for status in ("new", "update", "delete"))
    if changes == 0:
        click.echo("Nothing to change.")
        discard_run(session, run)
        return
    if (
        import_mode is ImportMode.DELETE
        and not yes
        and not click.confirm(f"Delete {run.count('delete'):,} customer(s)?", default=False)
    ):
        click.echo("Nothing was deleted.")
        discard_run(session, run)
        sys.exit(1)

    refusal = claim_for_apply(session, run)
    if refusal:
        raise click.ClickException(refusal)
    with click.progressbar(length=changes, label="Applying", file=sys.stdout) as bar:
        last = [0]

        def advance(done: int, total: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        try:
            done = apply_run(session, run.id, batch_size=options.batch_size, progress=advance)
        except ApplyFailed as exc:
            click.echo("")
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
    parts = [
        f"{done.get(status, 0):,} {label}"
        for status, label in (("new", "added"), ("update", "updated"), ("delete", "deleted"))
        if done.get(status)
    ]
    click.echo(f"Import #{run.id} applied: " + ", ".join(parts) + ".")


def _print_summary(totals: dict[str, int], mode: ImportMode) -> None:
    labels = [("new", "new"), ("update", "to update"), ("unchanged", "unchanged")]
    if mode is ImportMode.DELETE:
        labels = [("delete", "to delete"), ("skip", "left alone")]
    if mode is ImportMode.ALL:
        labels.append(("missing", "not in the file"))
    labels.append(("error", "with errors"))
    click.echo(", ".join(f"{int(totals.get(key, 0)):,} {label}" for key, label in labels))


def _print_row_problems(rows: list[Any]) -> None:
    for row in rows[:MAX_ERRORS_SHOWN]:
        where = f"Row {row.row_number}" if row.row_number else "Row"
        for message in row.messages:
            column = f", {message.column}" if message.column else ""
            value = f" ({message.value!r})" if message.value not in (None, "") else ""
            click.echo(f"{where}{column}{value}: {message.message}")
    if len(rows) > MAX_ERRORS_SHOWN:
        click.echo(f"... and {len(rows) - MAX_ERRORS_SHOWN:,} more rows; see --report.")


def _write_report(
    session: Any, run_id: int, header: list[Any], file: Path, path: Path, options: Any
) -> None:
    rows = annotated_rows(
        session, run_id, file, file.name, options, header=header, with_status=True
    )
    with open(path, "wb") as out:
        write_annotated_xlsx(out, header, rows, with_status=True)


@iris_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_command(out: Path) -> None:
    """Write all customers to OUT.xlsx or OUT.csv in the import template's columns."""
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise click.UsageError("OUT must end in .xlsx or .csv.")
    session = iris_state().session
    partial = out.with_name(out.name + ".part")
    with open(partial, "wb") as stream:
        export_customers(
            session,
            stream,
            suffix[1:],
            csv_delimiter=current_app.config["IRIS_EXPORT_CSV_DELIMITER"],
        )
    os.replace(partial, out)
    click.echo(f"Exported the customers to {out}.")
