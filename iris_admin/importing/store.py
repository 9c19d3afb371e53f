"""The stored plan: creating import runs, planning them into rows, paging, expiring.

The database holds the plan (``iris_import_run`` and ``iris_import_row``), so the
preview can be shown and confirmed by any worker, after a restart too, and the
progress of a background run is visible everywhere. Functions take a SQLAlchemy
session; no Flask request is needed (the CLI and background jobs use them too).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from ..models import ImportChange, ImportRow, ImportRun, RunStatus, User
from ..models.base import affected_rows, utcnow
from .plan import VALUE_FIELDS, FileRefused, Planner, PlanSettings
from .results import ImportMode, ImportResult, RowMessage, RowResult, RowStatus

if TYPE_CHECKING:
    import psycopg

    from .readers import SheetSource

log = logging.getLogger(__name__)

ROWS = ImportRow.__table__
RUNS = ImportRun.__table__
CHANGES = ImportChange.__table__

# Which statuses each filter of the preview table shows.
FILTERS: dict[str, tuple[str, ...]] = {
    "changes": (RowStatus.NEW.value, RowStatus.UPDATE.value, RowStatus.DELETE.value),
    "errors": (RowStatus.ERROR.value, RowStatus.SKIP.value),
    "unchanged": (RowStatus.UNCHANGED.value,),
    "missing": (RowStatus.MISSING.value,),
    "all": tuple(status.value for status in RowStatus),
}


# Seconds between two progress reports stored in the database.
PROGRESS_INTERVAL = 1.0


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class TooManyRowsForRequest(Exception):
    """More rows than a web request plans itself; the plan continues in the background."""


@dataclass
class ReadOptions:
    """How to open an upload (passed to the reader) and how to plan it."""

    max_bytes: int
    batch_size: int = 1000
    default_region: str = "NL"


# -- rows <-> records -------------------------------------------------------------------
_ROW_COLUMNS = ("run_id", "seq", "row_number", "status", "customer_id", "code", "name", "data")
_CHANGE_COLUMNS = (
    "run_id",
    "seq",
    "kind",
    "customer_id",
    "payer_row",
    "payer_label",
    "changed",
    *VALUE_FIELDS,
    "search_text",
    "custom_values",
)


def row_data(row: RowResult) -> dict[str, Any]:
    """The ``data`` of an ``iris_import_row``: what the preview shows besides the
    columns. What the commit writes is the row's ``staged`` customer, in
    ``iris_import_change``."""
    data: dict[str, Any] = {}
    if row.changes:
        data["changes"] = {key: list(pair) for key, pair in row.changes.items()}
    if row.payer_row is not None:
        data["payer_row"] = row.payer_row
    if row.messages:
        data["messages"] = [message.as_dict() for message in row.messages]
    return data


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if not value:  # most rows: nothing to show besides the columns
        return "{}" if isinstance(value, dict) else json.dumps(value)
    return json.dumps(value, separators=(",", ":"))


def _row_tuple(run_id: int, row: RowResult) -> tuple[Any, ...]:
    return (
        run_id,
        row.seq,
        row.row_number,
        row.status.value,
        row.customer_id,
        row.code,
        row.name,
        _json_text(row_data(row)),
    )


def _change_tuple(run_id: int, row: RowResult) -> tuple[Any, ...]:
    staged = row.staged
    assert staged is not None
    return (
        run_id,
        row.seq,
        row.status.value,
        row.customer_id,
        row.payer_row,
        staged.get("payer_label"),
        staged.get("changed", 0),
        *[staged[name] for name in VALUE_FIELDS],
        staged.get("search_text"),
        _json_text(staged.get("custom_values")),
    )


def _bulk_insert(
    session: Session, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """One executemany straight to the driver: plan rows are plain values (JSON already
    encoded), and SQLAlchemy's per-row parameter processing would double the time of
    storing a 100,000-row preview."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # COPY, in the session's transaction: for 100,000 plan rows 0.3 s instead of
        # 3.5 s with executemany (measured here, mostly time waiting for the server).
        # The one PostgreSQL driver supported is psycopg 3 (see the postgresql extra).
        driver_connection = cast("psycopg.Connection[Any]", connection.connection.dbapi_connection)
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    if connection.dialect.paramstyle == "qmark":
        marks = ", ".join("?" for _ in columns)
    else:
        marks = ", ".join("%s" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows
    )


# The staged customer of a new row, read with its plan row: shown in the preview.
_NEW_VALUE_COLUMNS = [CHANGES.c[name] for name in VALUE_FIELDS] + [CHANGES.c.payer_label]


def _with_new_values(query: Select) -> Select:
    return query.add_columns(*_NEW_VALUE_COLUMNS).outerjoin(
        CHANGES,
        and_(
            CHANGES.c.run_id == ROWS.c.run_id,
            CHANGES.c.seq == ROWS.c.seq,
            ROWS.c.status == RowStatus.NEW.value,
        ),
    )


def record_row(record: Any) -> RowResult:
    data = record.data or {}
    status = RowStatus(record.status)
    values: dict[str, Any] = {}
    mapping = record._mapping
    if status is RowStatus.NEW and "payer_label" in mapping:
        values = {name: mapping[CHANGES.c[name]] for name in VALUE_FIELDS}
        if mapping["payer_label"]:
            values["default_payer_label"] = mapping["payer_label"]
    return RowResult(
        seq=record.seq,
        row_number=record.row_number,
        status=status,
        customer_id=record.customer_id,
        code=record.code,
        name=record.name,
        values=values,
        changes={key: tuple(pair) for key, pair in data.get("changes", {}).items()},
        payer_row=data.get("payer_row"),
        messages=[RowMessage.from_dict(item) for item in data.get("messages", [])],
    )


class RunSink:
    """Writes plan rows of one run with bulk statements."""

    def __init__(self, session: Session, run_id: int) -> None:
        self.session = session
        self.run_id = run_id

    def write(self, rows: list[RowResult]) -> None:
        if not rows:
            return
        run_id = self.run_id
        _bulk_insert(self.session, ROWS, _ROW_COLUMNS, [_row_tuple(run_id, row) for row in rows])
        changes = [_change_tuple(run_id, row) for row in rows if row.staged is not None]
        if changes:
            _bulk_insert(self.session, CHANGES, _CHANGE_COLUMNS, changes)

    def patch(self, rows: list[RowResult]) -> None:
        """Rows whose status changed after they were written (mode delete only)."""
        if not rows:
            return
        statement = (
            update(ROWS)
            .where(ROWS.c.run_id == bindparam("b_run"), ROWS.c.seq == bindparam("b_seq"))
            .values(status=bindparam("b_status"), data=bindparam("b_data"))
        )
        records = []
        for row in rows:
            records.append(
                {
                    "b_run": self.run_id,
                    "b_seq": row.seq,
                    "b_status": row.status.value,
                    "b_data": row_data(row),
                }
            )
        self.session.execute(statement, records)


# -- runs -------------------------------------------------------------------------------
def user_label(user: User | None) -> str:
    if user is None:
        return str(_l("command line"))
    return f"{user.name} <{user.email}>"


def create_run(
    session: Session,
    *,
    mode: ImportMode,
    file_name: str,
    file_size: int,
    ttl_seconds: int,
    user: User | None = None,
    source: str = "web",
    locale: str | None = None,
    upload: bytes | None = None,
) -> ImportRun:
    now = utcnow()
    run = ImportRun(
        mode=mode.value,
        file_name=file_name[:255],
        file_size=file_size,
        user_id=user.id if user is not None else None,
        user_label=user_label(user) if user is not None or source == "cli" else "",
        source=source,
        locale=locale,
        status=RunStatus.PLANNING.value,
        phase="reading",
        progress_done=0,
        expires_at=now + timedelta(seconds=ttl_seconds),
        upload=upload,
        totals={},
        file_errors=[],
        warnings=[],
        header=[],
        columns={},
    )
    session.add(run)
    session.commit()
    return run


def _limited(
    rows: Iterable[tuple[int, list[Any]]], limit: int | None
) -> Iterator[tuple[int, list[Any]]]:
    for count, item in enumerate(rows, start=1):
        if limit is not None and count > limit:
            raise TooManyRowsForRequest()
        yield item


def plan_run(
    session: Session,
    run: ImportRun,
    source: SheetSource,
    options: ReadOptions,
    *,
    row_limit: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportResult:
    """Read ``source`` and store the plan of ``run``; the run ends READY (or FAILED).

    With ``row_limit``, raises :class:`TooManyRowsForRequest` (leaving no rows behind)
    as soon as the file turns out to have more rows, so a web request can hand the
    work to a background job instead.
    """
    from .readers import ReadLimits, UnreadableFile, open_sheet

    run_id = run.id
    file_name = run.file_name
    mode = ImportMode(run.mode)

    last_report = [0.0]

    def report(done: int, total: int | None) -> None:
        if progress:
            progress(done, total)
        # Each report is a commit (the rows so far and the figures, for every worker
        # to show); on SQLite every commit waits for the disk, so once a second is enough.
        now = time.monotonic()
        if now - last_report[0] < PROGRESS_INTERVAL:
            return
        last_report[0] = now
        session.execute(
            update(RUNS)
            .where(RUNS.c.id == run_id)
            .values(
                progress_done=done,
                progress_total=total,
                phase="planning",
                heartbeat_at=utcnow(),
            )
        )
        session.commit()

    try:
        sheet = open_sheet(source, file_name, ReadLimits(max_bytes=options.max_bytes))
        total = getattr(sheet, "total_rows", None)
        session.execute(
            update(RUNS)
            .where(RUNS.c.id == run_id)
            .values(
                file_format=sheet.format,
                header=[None if cell is None else str(cell) for cell in sheet.header],
                phase="planning",
                progress_total=total,
            )
        )
        # The planner (not build_plan): its header match, custom fields included, is
        # stored with the run below without reading the definitions a second time.
        planner = Planner(
            session,
            PlanSettings(
                mode=mode, batch_size=options.batch_size, default_region=options.default_region
            ),
            RunSink(session, run_id),
        )
        result = planner.run(
            sheet.header,
            _limited(sheet.rows, row_limit),
            file_format=sheet.format,
            progress=report,
            total_rows=total,
        )
    except TooManyRowsForRequest:
        session.rollback()
        clear_rows(session, run_id)
        session.commit()
        raise
    except (UnreadableFile, FileRefused) as exc:
        session.rollback()
        clear_rows(session, run_id)
        finish_failed(session, run_id, str(exc), file_error=True)
        return ImportResult(mode=mode, file_errors=[str(exc)])
    except Exception:
        session.rollback()
        log.exception("Planning import run %s failed", run_id)
        clear_rows(session, run_id)
        finish_failed(
            session,
            run_id,
            str(
                _l(
                    "The file could not be processed because of an "
                    "internal error. Nothing was changed."
                )
            ),
        )
        raise

    if session.get_bind().dialect.name == "postgresql" and result.rows >= 1000:
        # The commit joins the staged rows to the customers: let the planner know
        # their number (autovacuum would, but maybe not before the user confirms).
        session.execute(text(f"ANALYZE {CHANGES.name}"))
    columns = planner.match.columns if planner.match is not None else {}
    now = utcnow()
    session.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(
            status=RunStatus.READY.value,
            phase=None,
            rows_read=result.rows,
            totals=dict(result.totals),
            file_errors=result.file_errors,
            warnings=result.warnings,
            columns=columns,
            planned_at=now,
            finished_at=None,
            progress_done=result.rows,
            progress_total=result.rows,
            heartbeat_at=now,
        )
    )
    session.commit()
    return result


def finish_failed(session: Session, run_id: int, message: str, *, file_error: bool = False) -> None:
    values: dict[str, Any] = {
        "status": RunStatus.FAILED.value,
        "message": message,
        "phase": None,
        "finished_at": utcnow(),
        "upload": None,
    }
    if file_error:
        values["file_errors"] = [message]
    session.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))
    session.commit()


def clear_rows(session: Session, run_id: int) -> None:
    session.execute(delete(ROWS).where(ROWS.c.run_id == run_id))
    session.execute(delete(CHANGES).where(CHANGES.c.run_id == run_id))


def discard_run(session: Session, run: ImportRun) -> bool:
    """Throw a preview away (cancel, or a CLI dry run); False when it was not a preview."""
    claimed = affected_rows(
        session.execute(
            update(RUNS)
            .where(
                RUNS.c.id == run.id,
                RUNS.c.status.in_((RunStatus.READY.value, RunStatus.FAILED.value)),
            )
            .values(status=RunStatus.DISCARDED.value, finished_at=utcnow(), upload=None)
        )
    )
    if claimed:
        clear_rows(session, run.id)
    session.commit()
    return bool(claimed)


def claim_for_apply(session: Session, run: ImportRun) -> str | None:
    """Move a READY run to APPLYING (once, even with two clicks); else say why not."""
    now = utcnow()
    claimed = affected_rows(
        session.execute(
            update(RUNS)
            .where(
                RUNS.c.id == run.id, RUNS.c.status == RunStatus.READY.value, RUNS.c.expires_at > now
            )
            .values(
                status=RunStatus.APPLYING.value,
                phase="applying",
                progress_done=0,
                progress_total=None,
                started_at=now,
                heartbeat_at=now,
                worker=worker_id(),
                message=None,
            )
        )
    )
    session.commit()
    if claimed:
        return None
    session.refresh(run)
    if run.status == RunStatus.READY.value:
        expire_run(session, run)
        return str(_l("This preview has expired. Upload the file again."))
    return str(
        _l(
            "This import is not waiting for confirmation (it is %(status)s).",
            status=status_label(run.status),
        )
    )


def expire_run(session: Session, run: ImportRun) -> None:
    session.execute(
        update(RUNS)
        .where(RUNS.c.id == run.id, RUNS.c.status == RunStatus.READY.value)
        .values(status=RunStatus.EXPIRED.value, finished_at=utcnow(), upload=None)
    )
    clear_rows(session, run.id)
    session.commit()


def status_label(status: str) -> str:
    labels = {
        RunStatus.PLANNING.value: _l("preparing the preview"),
        RunStatus.READY.value: _l("waiting for confirmation"),
        RunStatus.APPLYING.value: _l("being applied"),
        RunStatus.APPLIED.value: _l("applied"),
        RunStatus.FAILED.value: _l("failed"),
        RunStatus.EXPIRED.value: _l("expired"),
        RunStatus.DISCARDED.value: _l("discarded"),
    }
    return str(labels.get(status, status))


def purge_old(session: Session, *, keep_days: int, now: datetime | None = None) -> None:
    """Expire unconfirmed previews and drop the rows of old runs (the history stays)."""
    now = now or utcnow()
    expired = session.scalars(
        select(RUNS.c.id).where(RUNS.c.status == RunStatus.READY.value, RUNS.c.expires_at <= now)
    ).all()
    if expired:
        session.execute(
            update(RUNS)
            .where(RUNS.c.id.in_(expired))
            .values(status=RunStatus.EXPIRED.value, finished_at=now)
        )
        session.execute(delete(ROWS).where(ROWS.c.run_id.in_(expired)))
        session.execute(delete(CHANGES).where(CHANGES.c.run_id.in_(expired)))
        session.execute(update(RUNS).where(RUNS.c.id.in_(expired)).values(upload=None))
    old = session.scalars(
        select(RUNS.c.id).where(
            RUNS.c.status.in_(
                (
                    RunStatus.APPLIED.value,
                    RunStatus.FAILED.value,
                    RunStatus.DISCARDED.value,
                    RunStatus.EXPIRED.value,
                )
            ),
            RUNS.c.created_at <= now - timedelta(days=keep_days),
        )
    ).all()
    if old:
        session.execute(delete(ROWS).where(ROWS.c.run_id.in_(old)))
        session.execute(delete(CHANGES).where(CHANGES.c.run_id.in_(old)))
        session.execute(update(RUNS).where(RUNS.c.id.in_(old)).values(upload=None))
    session.commit()


def mark_stale_failed(
    session: Session,
    run: ImportRun,
    *,
    stale_seconds: int,
    alive: Callable[[int], bool] | None = None,
) -> bool:
    """A run whose worker died stays 'planning' or 'applying' forever; mark it failed.

    Dead means: the worker process on this host no longer exists (or its thread is gone,
    as ``alive`` tells), or nothing was reported for ``stale_seconds``.
    """
    if run.status not in (RunStatus.PLANNING.value, RunStatus.APPLYING.value):
        return False
    dead = False
    host, _, pid_text = (run.worker or "").rpartition(":")
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            dead = alive is not None and not alive(run.id)
        else:
            dead = not _process_exists(pid)
    last = run.heartbeat_at or run.updated_at
    if last is not None and (utcnow() - last).total_seconds() > stale_seconds:
        dead = True
    if not dead:
        return False
    message = str(
        _l(
            "The import stopped unexpectedly (the server was restarted or the job "
            "crashed). Nothing of it was kept; upload the file again."
        )
    )
    session.execute(
        update(RUNS)
        .where(RUNS.c.id == run.id, RUNS.c.status == run.status)
        .values(
            status=RunStatus.FAILED.value,
            message=message,
            finished_at=utcnow(),
            phase=None,
            upload=None,
        )
    )
    session.commit()
    session.refresh(run)
    return True


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- reading the stored plan --------------------------------------------------------------
def count_rows(session: Session, run_id: int, statuses: tuple[str, ...]) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ROWS)
            .where(ROWS.c.run_id == run_id, ROWS.c.status.in_(statuses))
        )
        or 0
    )


def page_rows(
    session: Session, run_id: int, statuses: tuple[str, ...], *, page: int, per_page: int
) -> list[RowResult]:
    query = _with_new_values(
        select(ROWS)
        .where(ROWS.c.run_id == run_id, ROWS.c.status.in_(statuses))
        .order_by(ROWS.c.seq)
        .limit(per_page)
        .offset(max(page, 0) * per_page)
    )
    return [record_row(record) for record in session.execute(query)]


def iter_rows(
    session: Session,
    run_id: int,
    statuses: tuple[str, ...] | None = None,
    batch_size: int = 1000,
    *,
    with_values: bool = False,
) -> Iterator[RowResult]:
    """Every row of a run in file order, read in batches (keyset, not OFFSET)."""
    last = -1
    while True:
        query = select(ROWS).where(ROWS.c.run_id == run_id, ROWS.c.seq > last)
        if statuses is not None:
            query = query.where(ROWS.c.status.in_(statuses))
        if with_values:
            query = _with_new_values(query)
        records = session.execute(query.order_by(ROWS.c.seq).limit(batch_size)).all()
        if not records:
            return
        for record in records:
            yield record_row(record)
        last = records[-1].seq
