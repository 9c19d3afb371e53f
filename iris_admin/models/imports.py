"""Customer imports: the stored preview plan, its progress and the history.

A run is created when a file is uploaded (or the CLI starts). Its rows are the plan:
one row per spreadsheet row (and, in mode *all*, one per missing customer), with the
status and what would change. Because the plan lives here and not in a worker's
memory, the confirmation works on any worker and after a restart, and a background
job's progress and result can be shown by every worker.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .accounts import User
from .base import IrisBase, TimestampMixin


class RunStatus(enum.StrEnum):
    PLANNING = "planning"  # reading the file and building the preview
    READY = "ready"  # preview stored; waiting for the user's confirmation
    APPLYING = "applying"  # the commit runs (one transaction)
    APPLIED = "applied"  # committed; part of the history
    FAILED = "failed"  # preview or commit failed; nothing of the commit was kept
    EXPIRED = "expired"  # preview not confirmed in time
    DISCARDED = "discarded"  # preview cancelled, or a CLI dry run


ACTIVE_STATUSES = (RunStatus.PLANNING.value, RunStatus.APPLYING.value)


class ImportRun(TimestampMixin, IrisBase):
    __tablename__ = "iris_import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("iris_user.id", ondelete="SET NULL"), index=True
    )
    # Who started it, kept as text so the history survives the account.
    user_label: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(10), default="web")  # web | cli
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_format: Mapped[str | None] = mapped_column(String(10))
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.PLANNING.value)
    locale: Mapped[str | None] = mapped_column(String(20))

    # Progress of the current phase, for the progress bar (any worker reads it).
    phase: Mapped[str | None] = mapped_column(String(20))
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    # hostname:pid of the process running the background job, to notice crashes.
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)

    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    file_errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The file's header row and which field each column holds (for the errors file).
    header: Mapped[list[Any]] = mapped_column(JSON, default=list)
    columns: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(Text)

    # The uploaded bytes: read by a background preview, and again for the errors file
    # (the plan does not copy every cell); dropped with the plan rows by the purge.
    upload: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    planned_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    user: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_iris_import_run_status", "status", "created_at"),)

    def count(self, status: str) -> int:
        return int((self.totals or {}).get(status, 0))

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or self.count("error") > 0

    def __str__(self) -> str:
        return f"Import #{self.id} {self.file_name} ({self.mode})"


class ImportRow(IrisBase):
    """One row of a stored plan; ``data`` holds values, changes, messages and the raw cells."""

    __tablename__ = "iris_import_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("iris_import_run.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    row_number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    # No foreign key: the plan must survive the customer (a deleted customer is history).
    customer_id: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("run_id", "seq"),
        Index("ix_iris_import_row_status", "run_id", "status", "seq"),
    )


class ImportChange(IrisBase):
    """A customer as a confirmed plan will write it: one per new or updated row.

    Stored by the preview in the customer table's own columns (the search text and
    merged custom values included), so the commit is a few ``INSERT ... SELECT`` /
    ``UPDATE ... FROM`` statements inside the database instead of Python per row.
    """

    __tablename__ = "iris_import_change"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("iris_import_run.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # new | update
    # The customer updated; for a new one, the id it gets (assigned by the commit).
    customer_id: Mapped[int | None] = mapped_column(Integer)
    # A default payer that is a new customer of the same file: its row's seq.
    payer_row: Mapped[int | None] = mapped_column(Integer)
    payer_label: Mapped[str | None] = mapped_column(Text)
    # An update writes only the fields it changes (bit i: ``VALUE_FIELDS[i]``), so an
    # edit made after the preview to another field is kept.
    changed: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str | None] = mapped_column(String(50))
    name: Mapped[str | None] = mapped_column(String(200))
    is_business: Mapped[bool | None] = mapped_column(Boolean)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    telephone: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(40))
    default_payer_id: Mapped[int | None] = mapped_column(Integer)
    status_id: Mapped[int | None] = mapped_column(Integer)
    # Update: NULL when no searchable field changes.
    search_text: Mapped[str | None] = mapped_column(Text)
    # New: all values. Update: only the changed keys (null removes one), merged into
    # the stored ones by the commit; NULL when none changes.
    custom_values: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    __table_args__ = (Index("ix_iris_import_change_kind", "run_id", "kind", "seq"),)
