"""Apply a stored plan: set-based writes, all in ONE transaction.

Either every change of the plan is kept and the run is recorded in the history, or
nothing is (the transaction is rolled back, the run is marked failed with the reason).
The preview staged every new and changed customer in the customer table's own
columns (``iris_import_change``, ``search_text`` included: bulk statements bypass the
ORM event that keeps it on single saves), so the commit is an ``INSERT ... SELECT``, an
``UPDATE ... FROM`` and one statement linking default payers, whatever the size.

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
    JSON,
    Boolean,
    DateTime,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..models import ImportRun, IrisBase, RunStatus
from ..models.base import affected_rows, utcnow
from ..models.customers import SEARCHABLE_FIELDS, build_search_text
from ..search_index import bulk_indexing
from .custom_columns import CUSTOM_VALUES
from .plan import CUSTOMERS, FIELD_BITS, VALUE_FIELDS, deletion_blockers
from .results import ImportMode, RowStatus
from .store import CHANGES, RUNS, finish_failed, iter_rows

log = logging.getLogger(__name__)

# New customers from which PostgreSQL's statistics are refreshed within the commit.
_ANALYZE_AFTER_ROWS = 1000
_NEXT_CUSTOMER_ID = text("nextval(pg_get_serial_sequence('iris_customer', 'id'))")

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
        message = str(
            _l(
                "The import was not saved because the customers changed since the preview "
                "(for example, someone added a customer with one of the codes in the file). "
                "Nothing was imported. Upload the file again for a new preview."
            )
        )
        finish_failed(session, run_id, message)
        raise ApplyFailed(message) from exc
    except Exception as exc:
        session.rollback()
        log.exception("Import run %s failed and was rolled back", run_id)
        message = str(
            _l("The import failed and was rolled back; nothing was imported. Please try again.")
        )
        try:
            finish_failed(session, run_id, message)
        except SQLAlchemyError:
            log.exception("Could not mark import run %s failed", run_id)
        raise ApplyFailed(message) from exc
    return done


def _apply(
    session: Session, run_id: int, batch_size: int, progress: ApplyProgress | None
) -> dict[str, int]:
    now = utcnow()
    _lock(session, run_id, now)
    run = session.get(ImportRun, run_id)
    assert run is not None
    if run.status != RunStatus.APPLYING.value:
        raise ApplyFailed(str(_l("This import is not waiting to be applied.")))
    if run.has_errors:
        raise ApplyFailed(str(_l("The preview has errors; fix the file and upload it again.")))
    newer = session.scalar(
        select(RUNS.c.id)
        .where(
            RUNS.c.status == RunStatus.APPLIED.value,
            RUNS.c.applied_at >= run.planned_at,
            RUNS.c.id != run_id,
        )
        .limit(1)
    )
    if newer is not None:
        raise ApplyFailed(
            str(
                _l(
                    "Another import (#%(other)d) was applied after this preview was made, so the "
                    "preview is out of date. Nothing was imported. Upload the file again.",
                    other=newer,
                )
            )
        )

    total = sum(
        run.count(status.value) for status in (RowStatus.NEW, RowStatus.UPDATE, RowStatus.DELETE)
    )
    state = _ApplyState(
        session, run, batch_size, now, _ProgressBeside(session, run_id, progress), total
    )
    state.progress(0, total)
    deleting = run.mode == ImportMode.DELETE.value
    with bulk_indexing(
        session,
        inserted=run.count(RowStatus.NEW.value),
        updated=state.count_text_updates(),
        deleted=run.count(RowStatus.DELETE.value) if deleting else 0,
    ):
        state.insert_new()
        state.update_existing()
        state.link_payers()
        if deleting:
            state.delete_listed(run_id)

    session.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(
            status=RunStatus.APPLIED.value,
            phase=None,
            applied_at=utcnow(),
            finished_at=utcnow(),
            progress_done=state.done,
            progress_total=total,
            heartbeat_at=utcnow(),
        )
    )
    return dict(state.counts)


def _lock(session: Session, run_id: int, now: Any) -> None:
    """Serialise imports: the first statement of the transaction takes the write lock."""
    if session.get_bind().dialect.name == "postgresql":
        # The run's row stays unlocked, so the progress can be written beside the
        # transaction (see _ProgressBeside).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        return
    session.execute(update(RUNS).where(RUNS.c.id == run_id).values(heartbeat_at=now))


class _ProgressBeside:
    """The commit's progress, stored where every worker sees it while the commit runs.

    PostgreSQL: through a second connection in autocommit mode, on the run's row (the
    commit's transaction does not touch that row before its last statement). SQLite
    allows one writer at a time and the commit is it, so there the figures reach the
    database with the commit; until then only the process running it has them.
    """

    def __init__(self, session: Session, run_id: int, report: ApplyProgress | None) -> None:
        self.run_id = run_id
        self.report = report
        bind = session.get_bind()
        self.engine = bind.engine if bind.dialect.name == "postgresql" else None

    def __call__(self, done: int, total: int) -> None:
        self._store(done, total)
        if self.report:
            self.report(done, total)

    def _store(self, done: int, total: int) -> None:
        if self.engine is None:
            return
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as beside:
                beside.execute(
                    update(RUNS)
                    .where(RUNS.c.id == self.run_id)
                    .values(progress_done=done, progress_total=total, heartbeat_at=utcnow())
                )
        except SQLAlchemyError:
            log.warning("Could not store the progress of import run %s", self.run_id, exc_info=True)


class _ApplyState:
    """The statements of one commit. New and updated customers come from the plan's
    staged rows (``iris_import_change``) in a few set-based statements, so the work
    happens inside the database whatever the number of rows."""

    def __init__(
        self,
        session: Session,
        run: ImportRun,
        batch_size: int,
        now: Any,
        progress: ApplyProgress,
        total: int,
    ) -> None:
        self.session = session
        self.run_id = run.id
        self.planned_from = run.created_at
        self.planned = {status.value: run.count(status.value) for status in RowStatus}
        self.batch_size = batch_size
        self.now = now
        self.progress = progress
        self.total = total
        self.done = 0
        self.counts: Counter = Counter()
        self.dialect = session.get_bind().dialect.name
        self.id_offset: int | None = None

    def _advance(self, count: int) -> None:
        self.done += count
        self.progress(self.done, self.total)

    def _staged(self, kind: RowStatus) -> Any:
        return and_(CHANGES.c.run_id == self.run_id, CHANGES.c.kind == kind.value)

    # -- new customers ------------------------------------------------------------------
    def insert_new(self) -> None:
        self._assign_ids()
        columns = [
            "id",
            *VALUE_FIELDS,
            "search_text",
            CUSTOM_VALUES,
            "notify_issue_updates",
            "created_at",
            "updated_at",
        ]
        rows = (
            select(
                self._new_id(CHANGES, inserting=True),
                *[CHANGES.c[name] for name in VALUE_FIELDS],
                func.coalesce(CHANGES.c.search_text, ""),
                CHANGES.c[CUSTOM_VALUES],
                literal(False, Boolean),
                literal(self.now, DateTime),
                literal(self.now, DateTime),
            )
            .where(self._staged(RowStatus.NEW))
            .order_by(CHANGES.c.seq)
        )
        self.session.execute(insert(CUSTOMERS).from_select(columns, rows))
        # (rowcount of INSERT ... SELECT is -1 with some drivers)
        inserted = self.planned[RowStatus.NEW.value]
        if self.dialect == "postgresql" and inserted >= _ANALYZE_AFTER_ROWS:
            # The statements below join customers to the plan: planned with the table's
            # statistics from before the insert (say, empty), a join of 100,000 rows
            # became a nested loop of 5 minutes. ANALYZE reads a sample (~0.3 s).
            self.session.execute(text(f"ANALYZE {CUSTOMERS.name}"))
        self.counts[RowStatus.NEW.value] += inserted
        self._advance(inserted)

    def _new_id(self, staged: Any, *, inserting: bool = False) -> Any:
        """The id the customer of a staged new row gets (see ``_assign_ids``)."""
        if self.id_offset is not None:
            return staged.c.seq + self.id_offset
        if inserting:
            return func.coalesce(staged.c.customer_id, _NEXT_CUSTOMER_ID)
        return staged.c.customer_id

    def _payee_id(self, staged: Any) -> Any:
        """The customer a staged row with a new default payer is (updated or new)."""
        if self.id_offset is None:
            # PostgreSQL: every payee has its id already (see _assign_ids); a plain
            # column keeps the join on the primary key.
            return staged.c.customer_id
        return func.coalesce(staged.c.customer_id, self._new_id(staged))

    def _assign_ids(self) -> None:
        """Every new customer's id, known before the insert to link default payers.

        PostgreSQL: taken from the id sequence, as a plain insert does. SQLite: the next
        rowids, as the row's ``seq`` plus an offset (the ids of a file's update rows are
        left unused); safe because this transaction holds the write lock since its
        first statement.
        """
        if self.dialect == "postgresql":
            # Only payers and payees of new payers need their id before the insert;
            # the insert numbers the others itself (updating every staged row first
            # would cost as much as the insert).
            payer_rows = select(CHANGES.c.payer_row).where(
                CHANGES.c.run_id == self.run_id, CHANGES.c.payer_row.is_not(None)
            )
            self.session.execute(
                update(CHANGES)
                .where(
                    self._staged(RowStatus.NEW),
                    or_(CHANGES.c.payer_row.is_not(None), CHANGES.c.seq.in_(payer_rows)),
                )
                .values(customer_id=_NEXT_CUSTOMER_ID)
            )
            return
        if self.dialect != "sqlite":
            raise ApplyFailed(str(_l("Importing new customers needs SQLite or PostgreSQL.")))
        first_seq = (
            self.session.scalar(select(func.min(CHANGES.c.seq)).where(self._staged(RowStatus.NEW)))
            or 0
        )
        next_id = (self.session.scalar(select(func.max(CUSTOMERS.c.id))) or 0) + 1
        self.id_offset = next_id - first_seq

    # -- changed customers --------------------------------------------------------------
    def count_text_updates(self) -> int:
        """Updated customers whose search text changes (see ``bulk_indexing``)."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(CHANGES)
                .where(self._staged(RowStatus.UPDATE), CHANGES.c.search_text.is_not(None))
            )
            or 0
        )

    def update_existing(self) -> None:
        staged = self._staged(RowStatus.UPDATE)
        gone = self.session.execute(
            select(CHANGES.c.name)
            .outerjoin(CUSTOMERS, CUSTOMERS.c.id == CHANGES.c.customer_id)
            .where(staged, CUSTOMERS.c.id.is_(None))
            .limit(1)
        ).first()
        if gone is not None:
            raise ApplyFailed(
                str(
                    _l(
                        "Customer %(name)s was deleted after the preview was made. Nothing was "
                        "imported. Upload the file again.",
                        name=gone.name,
                    )
                )
            )
        # A customer edited since the preview keeps that edit (only changed fields are
        # written), but its staged search text was made from the values read then.
        edited = list(
            self.session.scalars(
                select(CHANGES.c.customer_id)
                .join(CUSTOMERS, CUSTOMERS.c.id == CHANGES.c.customer_id)
                .where(staged, CUSTOMERS.c.updated_at >= self.planned_from)
            )
        )
        # Only the columns some row changes are in the statement: SQLite rewrites the
        # index entries of every column it sets, changed or not.
        changed_somewhere = 0
        for mask in self.session.scalars(select(CHANGES.c.changed).where(staged).distinct()):
            changed_somewhere |= mask or 0
        values: dict[str, Any] = {
            name: case(
                (CHANGES.c.changed.op("&")(FIELD_BITS[name]) != 0, CHANGES.c[name]),
                else_=CUSTOMERS.c[name],
            )
            for name in VALUE_FIELDS
            if changed_somewhere & FIELD_BITS[name]
        }
        values["search_text"] = func.coalesce(CHANGES.c.search_text, CUSTOMERS.c.search_text)
        values[CUSTOM_VALUES] = case(
            (CHANGES.c[CUSTOM_VALUES].is_(None), CUSTOMERS.c[CUSTOM_VALUES]),
            else_=self._merged_custom_values(),
        )
        values["updated_at"] = literal(self.now, DateTime)
        updated = affected_rows(
            self.session.execute(
                update(CUSTOMERS)
                .where(staged, CUSTOMERS.c.id == CHANGES.c.customer_id)
                .values(values)
            )
        )
        for chunk in _chunks(edited, self.batch_size):
            self._refresh_search_text(chunk)
        self.counts[RowStatus.UPDATE.value] += updated
        self._advance(updated)

    def _merged_custom_values(self) -> Any:
        """The stored custom values with the staged keys set (a JSON null removes one)."""
        stored, staged = CUSTOMERS.c[CUSTOM_VALUES], CHANGES.c[CUSTOM_VALUES]
        if self.dialect == "postgresql":
            # Values are flat scalars, so stripping nulls removes exactly those keys.
            merged = func.jsonb_strip_nulls(
                func.coalesce(cast(stored, JSONB), cast(literal("{}"), JSONB)).op("||")(
                    cast(staged, JSONB)
                )
            )
            return cast(merged, JSON)
        # RFC 7396 merge patch: the same rule.
        return func.json_patch(func.coalesce(stored, "{}"), staged)

    def _refresh_search_text(self, customer_ids: Sequence[int]) -> None:
        searchable = [CUSTOMERS.c[name] for name in SEARCHABLE_FIELDS]
        records = [
            {"b_id": record.id, "search_text": build_search_text(record._asdict())}
            for record in self.session.execute(
                select(CUSTOMERS.c.id, *searchable).where(CUSTOMERS.c.id.in_(customer_ids))
            )
        ]
        if records:
            self.session.execute(
                update(CUSTOMERS)
                .where(CUSTOMERS.c.id == bindparam("b_id"))
                .values(search_text=bindparam("search_text")),
                records,
            )

    def link_payers(self) -> None:
        """Default payers that are new customers of this file: their ids exist now."""
        has_links = self.session.scalar(
            select(CHANGES.c.seq)
            .where(CHANGES.c.run_id == self.run_id, CHANGES.c.payer_row.is_not(None))
            .limit(1)
        )
        if has_links is None:
            return
        payee, payer = CHANGES.alias("payee"), CHANGES.alias("payer")
        self.session.execute(
            update(CUSTOMERS)
            .where(
                payee.c.run_id == self.run_id,
                payee.c.payer_row.is_not(None),
                CUSTOMERS.c.id == self._payee_id(payee),
                payer.c.run_id == self.run_id,
                payer.c.seq == payee.c.payer_row,
            )
            .values(default_payer_id=self._new_id(payer))
        )

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
            raise ApplyFailed(
                str(
                    _l(
                        "Since the preview, %(count)d customer(s) got issues or became a "
                        "default payer, so they may not be deleted (%(list)s). Nothing was "
                        "deleted. Upload the file again.",
                        count=len(blocked),
                        list=listed,
                    )
                )
            )
        cascades, restricts = _tables_referring_to_customers()
        for chunk in _chunks(ids, self.batch_size):
            for table, column in restricts:
                in_use = self.session.scalar(
                    select(func.count()).select_from(table).where(column.in_(chunk))
                )
                if in_use:
                    raise ApplyFailed(
                        str(
                            _l(
                                "Some customers to delete are still used (%(table)s). Nothing was "
                                "deleted.",
                                table=table.name,
                            )
                        )
                    )
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
            deleted = affected_rows(
                self.session.execute(delete(CUSTOMERS).where(CUSTOMERS.c.id.in_(chunk)))
            )
            if deleted != len(chunk):
                raise ApplyFailed(
                    str(
                        _l(
                            "Some customers to delete were already deleted by someone else. "
                            "Nothing was deleted. Upload the file again.",
                        )
                    )
                )
            self.counts[RowStatus.DELETE.value] += len(chunk)
            self._advance(len(chunk))


def _chunks(items: Sequence[Any], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
