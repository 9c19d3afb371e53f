"""Apply a stored plan: bulk writes, all in ONE transaction.

Either every change of the plan is kept and the run is recorded in the history, or
nothing is (the transaction is rolled back, the run is marked failed with the reason).
Writes are bulk statements per batch; ``search_text`` is set here with
:func:`iris_admin.models.customers.build_search_text` because bulk statements bypass
the ORM event that keeps it on single saves.

Two imports never interleave: the transaction starts with a write to the run (SQLite
takes its database write lock there, PostgreSQL an advisory lock), and a plan made
before another import was applied is refused, because its diff is out of date.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..models import ImportRun, IrisBase, RunStatus
from ..models.base import utcnow
from ..models.customers import SEARCHABLE_FIELDS, build_search_text
from .custom_columns import CUSTOM_VALUES, merge_custom_values
from .plan import (
    CUSTOMERS,
    PHONE_DIGITS,
    SEARCH_TEXT,
    VALUE_FIELDS,
    deletion_blockers,
    national_of,
)
from .results import ImportMode, RowResult, RowStatus
from .store import RUNS, finish_failed, iter_rows

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every import.
_ADVISORY_LOCK_KEY = 0x1815_2026


class ApplyFailed(Exception):
    """The import was rolled back; ``str(exc)`` tells the user why."""


ApplyProgress = Callable[[int, int], None]


def apply_run(
    session: Session,
    run_id: int,
    *,
    batch_size: int = 1000,
    progress: ApplyProgress | None = None,
) -> dict[str, int]:
    """Apply the plan of a run claimed for applying; returns what was done, by status."""
    try:
        done = _apply(session, run_id, batch_size, progress)
        session.commit()
    except ApplyFailed as exc:
        session.rollback()
        finish_failed(session, run_id, str(exc))
        raise
    except IntegrityError as exc:
        session.rollback()
        log.warning("Import run %s rolled back: %s", run_id, exc.orig)
        message = str(_l(
            "The import was not saved because the customers changed since the preview "
            "(for example, someone added a customer with one of the codes in the file). "
            "Nothing was imported. Upload the file again for a new preview."
        ))
        finish_failed(session, run_id, message)
        raise ApplyFailed(message) from exc
    except Exception as exc:
        session.rollback()
        log.exception("Import run %s failed and was rolled back", run_id)
        message = str(_l("The import failed and was rolled back; nothing was imported. "
                         "Please try again."))
        try:
            finish_failed(session, run_id, message)
        except SQLAlchemyError:
            log.exception("Could not mark import run %s failed", run_id)
        raise ApplyFailed(message) from exc
    return done


def _apply(session: Session, run_id: int, batch_size: int,
           progress: ApplyProgress | None) -> dict[str, int]:
    now = utcnow()
    _lock(session, run_id, now)
    run = session.get(ImportRun, run_id)
    assert run is not None
    if run.status != RunStatus.APPLYING.value:
        raise ApplyFailed(str(_l("This import is not waiting to be applied.")))
    if run.has_errors:
        raise ApplyFailed(str(_l("The preview has errors; fix the file and upload it again.")))
    newer = session.scalar(
        select(RUNS.c.id).where(
            RUNS.c.status == RunStatus.APPLIED.value,
            RUNS.c.applied_at >= run.planned_at,
            RUNS.c.id != run_id,
        ).limit(1)
    )
    if newer is not None:
        raise ApplyFailed(str(_l(
            "Another import (#%(other)d) was applied after this preview was made, so the "
            "preview is out of date. Nothing was imported. Upload the file again.",
            other=newer,
        )))

    total = sum(run.count(status.value) for status in
                (RowStatus.NEW, RowStatus.UPDATE, RowStatus.DELETE))
    state = _ApplyState(session, batch_size, now, progress, total)
    state.insert_new(run_id)
    state.update_existing(run_id)
    state.link_payers()
    if run.mode == ImportMode.DELETE.value:
        state.delete_listed(run_id)

    session.execute(
        update(RUNS).where(RUNS.c.id == run_id).values(
            status=RunStatus.APPLIED.value, phase=None, applied_at=utcnow(),
            finished_at=utcnow(), progress_done=state.done, progress_total=total,
            heartbeat_at=utcnow(),
        )
    )
    return dict(state.counts)


def _lock(session: Session, run_id: int, now: Any) -> None:
    """Serialise imports: the first statement of the transaction takes the write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    session.execute(update(RUNS).where(RUNS.c.id == run_id).values(heartbeat_at=now))


class _ApplyState:
    def __init__(self, session: Session, batch_size: int, now: Any,
                 progress: ApplyProgress | None, total: int) -> None:
        self.session = session
        self.batch_size = batch_size
        self.now = now
        self.progress = progress
        self.total = total
        self.done = 0
        self.counts: Counter = Counter()
        # seq of a new row -> id of the customer it became
        self.new_ids: dict[int, int] = {}
        # (customer id, or None with the seq of a new row, payer seq)
        self.payer_links: list[tuple[int | None, int, int]] = []
        self._next_id: int | None = None
        self.staged = session.get_bind().dialect.name == "sqlite"

    def _advance(self, count: int) -> None:
        self.done += count
        if self.progress:
            self.progress(self.done, self.total)

    def _batches(self, run_id: int, status: RowStatus):
        batch: list[RowResult] = []
        for row in iter_rows(self.session, run_id, (status.value,), self.batch_size):
            batch.append(row)
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    # -- new customers ------------------------------------------------------------------
    def insert_new(self, run_id: int) -> None:
        statement = insert(CUSTOMERS)
        for batch in self._batches(run_id, RowStatus.NEW):
            ids = self._reserve_ids(len(batch))
            records = []
            for row, customer_id in zip(batch, ids, strict=True):
                values = {name: row.values.get(name) for name in VALUE_FIELDS}
                values["search_text"] = (row.values.get(SEARCH_TEXT)
                                         or build_search_text(values))
                values[CUSTOM_VALUES] = row.values.get(CUSTOM_VALUES) or {}
                values["created_at"] = values["updated_at"] = self.now
                values["id"] = customer_id
                records.append(values)
                self.new_ids[row.seq] = customer_id
                if row.payer_row is not None:
                    self.payer_links.append((customer_id, row.seq, row.payer_row))
            # One executemany per batch: explicit ids, so no RETURNING row by row.
            if self.staged:
                self._insert_staged(records)
            else:
                self.session.execute(statement, records)
            self.counts[RowStatus.NEW.value] += len(batch)
            self._advance(len(batch))

    def _reserve_ids(self, count: int) -> list[int]:
        """Ids for new customers, known before the insert (to link default payers).

        SQLite: the next rowids; safe because this transaction holds the write lock since
        its first statement. PostgreSQL: taken from the id sequence, as a plain insert does.
        """
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            return list(self.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('iris_customer', 'id')) "
                     "FROM generate_series(1, :count)"), {"count": count}
            ))
        if dialect != "sqlite":
            raise ApplyFailed(str(_l("Importing new customers needs SQLite or PostgreSQL.")))
        if self._next_id is None:
            self._next_id = (self.session.scalar(select(func.max(CUSTOMERS.c.id))) or 0) + 1
        first = self._next_id
        self._next_id += count
        return list(range(first, first + count))

    # -- SQLite: staged writes ----------------------------------------------------------
    # The search index (FTS5, kept by triggers) flushes its pending terms at the end of
    # every statement: 100,000 single-row inserts take 12 s where one INSERT ... SELECT
    # of the same rows takes 2.5 s. So on SQLite each batch goes into a temporary table
    # first and reaches iris_customer in one statement (the triggers still run, so the
    # index stays in step exactly as with any other write).
    def _stage(self, name: str, columns: list[str], key: str | None = None) -> Table:
        stage_columns = [Column(key, Integer, primary_key=True)] if key else []
        stage_columns += [Column(column, CUSTOMERS.c[column].type) for column in columns]
        table = Table(name, MetaData(), *stage_columns, prefixes=["TEMPORARY"])
        table.drop(self.session.connection(), checkfirst=True)
        table.create(self.session.connection())
        return table

    def _insert_staged(self, records: list[dict[str, Any]]) -> None:
        columns = list(records[0])
        stage = self._stage("iris_stage_new_customer", columns)
        self.session.execute(insert(stage), records)
        self.session.execute(
            insert(CUSTOMERS).from_select(columns, select(*[stage.c[c] for c in columns]))
        )
        stage.drop(self.session.connection())

    def _update_staged(self, fields: tuple[str, ...], records: list[dict[str, Any]]) -> None:
        stage = self._stage("iris_stage_changed_customer", list(fields), key="b_id")
        self.session.execute(insert(stage), records)
        self.session.execute(
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id == stage.c.b_id)
            .values({name: stage.c[name] for name in fields})
        )
        stage.drop(self.session.connection())

    # -- changed customers --------------------------------------------------------------
    def update_existing(self, run_id: int) -> None:
        searchable = [CUSTOMERS.c[name] for name in SEARCHABLE_FIELDS]
        for batch in self._batches(run_id, RowStatus.UPDATE):
            ids = [row.customer_id for row in batch]
            # Custom values are merged into the stored ones, read in the same query.
            with_custom = any(CUSTOM_VALUES in row.values for row in batch)
            custom = [CUSTOMERS.c.custom_values] if with_custom else []
            current = {
                record.id: record._mapping
                for record in self.session.execute(
                    select(CUSTOMERS.c.id, *searchable, *custom).where(CUSTOMERS.c.id.in_(ids))
                )
            }
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in batch:
                if row.customer_id not in current:
                    raise ApplyFailed(str(_l(
                        "Customer %(name)s was deleted after the preview was made. Nothing "
                        "was imported. Upload the file again.", name=row.name,
                    )))
                changes = dict(row.values)
                digits = changes.pop(PHONE_DIGITS, None) or {}
                if row.payer_row is not None:
                    changes.pop("default_payer_id", None)
                    self.payer_links.append((row.customer_id, -1, row.payer_row))
                if any(name in changes for name in SEARCHABLE_FIELDS):
                    merged = {**dict(current[row.customer_id]), **changes}
                    changes["search_text"] = build_search_text(
                        merged, lambda phone, digits=digits: national_of(digits, phone))
                if CUSTOM_VALUES in changes:
                    changes[CUSTOM_VALUES] = merge_custom_values(
                        current[row.customer_id][CUSTOM_VALUES], changes[CUSTOM_VALUES]
                    )
                changes["updated_at"] = self.now
                key = tuple(sorted(changes))
                groups.setdefault(key, []).append({"b_id": row.customer_id, **changes})
            for fields, records in groups.items():
                if self.staged:
                    self._update_staged(fields, records)
                    continue
                statement = (
                    update(CUSTOMERS)
                    .where(CUSTOMERS.c.id == bindparam("b_id"))
                    .values({name: bindparam(name) for name in fields})
                )
                self.session.execute(statement, records)
            self.counts[RowStatus.UPDATE.value] += len(batch)
            self._advance(len(batch))

    def link_payers(self) -> None:
        """Default payers that are new customers of this file: known only after the insert."""
        records = []
        for customer_id, _seq, payer_seq in self.payer_links:
            payer_id = self.new_ids.get(payer_seq)
            if payer_id is None:
                raise ApplyFailed(str(_l("A default payer of this file was not created.")))
            records.append({"b_id": customer_id, "b_payer": payer_id})
        statement = (
            update(CUSTOMERS).where(CUSTOMERS.c.id == bindparam("b_id"))
            .values(default_payer_id=bindparam("b_payer"))
        )
        for start in range(0, len(records), self.batch_size):
            self.session.execute(statement, records[start:start + self.batch_size])

    # -- deleted customers ----------------------------------------------------------------
    def delete_listed(self, run_id: int) -> None:
        ids: list[int] = []
        names: dict[int, str] = {}
        for row in iter_rows(self.session, run_id, (RowStatus.DELETE.value,), self.batch_size):
            assert row.customer_id is not None
            ids.append(row.customer_id)
            names[row.customer_id] = row.name or str(row.customer_id)
        if not ids:
            return
        blocked = deletion_blockers(self.session, ids, self.batch_size)
        if blocked:
            listed = "; ".join(
                f"{names[cid]}: {', '.join(reasons)}" for cid, reasons in list(blocked.items())[:5]
            )
            raise ApplyFailed(str(_l(
                "Since the preview, %(count)d customer(s) got issues or became a default "
                "payer, so they may not be deleted (%(list)s). Nothing was deleted. Upload the "
                "file again.", count=len(blocked), list=listed,
            )))
        cascades, restricts = _tables_referring_to_customers()
        for chunk in _chunks(ids, self.batch_size):
            for table, column in restricts:
                in_use = self.session.scalar(
                    select(func.count()).select_from(table).where(column.in_(chunk))
                )
                if in_use:
                    raise ApplyFailed(str(_l(
                        "Some customers to delete are still used (%(table)s). Nothing was "
                        "deleted.", table=table.name,
                    )))
        for chunk in _chunks(ids, self.batch_size):
            # Payers and payees deleted together: unlink first, whatever the row order.
            self.session.execute(
                update(CUSTOMERS).where(CUSTOMERS.c.id.in_(chunk)).values(default_payer_id=None)
            )
        for chunk in _chunks(ids, self.batch_size):
            for table, column, action in cascades:
                if action == "SET NULL":
                    self.session.execute(
                        update(table).where(column.in_(chunk)).values({column.name: None})
                    )
                else:
                    self.session.execute(delete(table).where(column.in_(chunk)))
            deleted = self.session.execute(
                delete(CUSTOMERS).where(CUSTOMERS.c.id.in_(chunk))
            ).rowcount
            if deleted != len(chunk):
                raise ApplyFailed(str(_l(
                    "Some customers to delete were already deleted by someone else. Nothing "
                    "was deleted. Upload the file again.",
                )))
            self.counts[RowStatus.DELETE.value] += len(chunk)
            self._advance(len(chunk))


def _chunks(items: Sequence[Any], size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _tables_referring_to_customers() -> tuple[list[Any], list[Any]]:
    """Tables with a foreign key to customers: (cascading ones, restricting ones).

    Found from the metadata, so tables added later (portal, plugins) are handled; the
    database's own ON DELETE is not relied on (SQLite enforces it only with a pragma).
    """
    cascades: list[tuple[Any, Any, str]] = []
    restricts: list[tuple[Any, Any]] = []
    for table in IrisBase.metadata.sorted_tables:
        if table is CUSTOMERS:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is not CUSTOMERS:
                continue
            action = (fk.ondelete or "").upper()
            if action in ("CASCADE", "SET NULL"):
                cascades.append((table, fk.parent, action))
            elif table.name != "iris_issue":  # issues are checked with their own message
                restricts.append((table, fk.parent))
    # Children of children first (a cascade table may itself be referred to).
    return list(reversed(cascades)), restricts
