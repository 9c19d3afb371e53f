"""What an import found and did, row by row: the fixed set of statuses and the totals.

One bad row never stops the run: it becomes a row with status ``error`` that carries
its spreadsheet row number, the column, the value and the message, so errors can be
shown as a table and written into the annotated .xlsx the user downloads.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


class ImportMode(enum.StrEnum):
    ADD = "add"  # add new customers, update existing ones
    ALL = "all"  # as add, and list the customers that are not in the file
    DELETE = "delete"  # delete the customers listed


class RowStatus(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DELETE = "delete"
    MISSING = "missing"  # mode all: in the database, not in the file (nothing happens)
    ERROR = "error"  # blocks the import
    SKIP = "skip"  # mode delete: reported and left alone (no match, may not be deleted)


# The statuses that write something when the import is applied.
WRITING_STATUSES = (RowStatus.NEW, RowStatus.UPDATE, RowStatus.DELETE)


@dataclass
class RowMessage:
    """One problem with a row: which column, which value, what is wrong."""

    message: str
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "column": self.column, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowMessage:
        return cls(message=data["message"], column=data.get("column"), value=data.get("value"))

    def __str__(self) -> str:
        if self.column:
            return f"{self.column}: {self.message}"
        return self.message


@dataclass
class RowResult:
    """The plan for one spreadsheet row (or, in mode all, one missing customer).

    ``values`` holds what will be written: every field for a new customer, only the
    changed fields for an update. ``changes`` maps a field to (old, new) as shown to
    the user. ``payer_row`` is the ``seq`` of a new row in the same file that is this
    customer's default payer (its id exists only once that row is inserted).
    """

    seq: int
    row_number: int | None
    status: RowStatus
    customer_id: int | None = None
    code: str | None = None
    name: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    payer_row: int | None = None
    messages: list[RowMessage] = field(default_factory=list)
    staged: dict[str, Any] | None = None

    def error(self, message: str, column: str | None = None, value: Any = None) -> None:
        self.status = RowStatus.ERROR
        self.messages.append(
            RowMessage(message=message, column=column, value=None if value is None else str(value))
        )

    def skip(self, message: str, column: str | None = None, value: Any = None) -> None:
        self.status = RowStatus.SKIP
        self.messages.append(
            RowMessage(message=message, column=column, value=None if value is None else str(value))
        )

    @property
    def message_text(self) -> str:
        return "; ".join(str(message) for message in self.messages)


@dataclass
class ImportResult:
    """Totals of a plan, the file-level problems and the warnings."""

    mode: ImportMode
    totals: Counter = field(default_factory=Counter)
    file_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0  # data rows read from the file

    def count(self, status: RowStatus) -> int:
        return self.totals.get(status.value, 0)

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or self.count(RowStatus.ERROR) > 0

    @property
    def changes(self) -> int:
        return sum(self.count(status) for status in WRITING_STATUSES)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "totals": dict(self.totals),
            "file_errors": list(self.file_errors),
            "warnings": list(self.warnings),
            "rows": self.rows,
        }
