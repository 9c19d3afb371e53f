"""Extra customer fields that admins define in the app.

Definitions are rows of ``iris_custom_field``; the values live in one JSON column on
the customer (``Customer.custom_values``, ``{key: value}``). Why a JSON column and not
a value table:

- adding or removing a field is a row here, never a migration;
- the overview, the export and the import read and write a customer's values in the
  same row and statement as its other columns (no join, no extra query per row, and
  the import's bulk writes stay one statement per batch);
- values keep their JSON type (numbers, true/false, ISO dates), and SQLite (JSON1)
  and PostgreSQL both read single keys in SQL when needed
  (``Customer.custom_values[key]``), e.g. to count the customers that hold a value.

The rules for values (types, cleaning, display) are in :mod:`iris_admin.custom_fields`.
"""

from __future__ import annotations

import enum

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import IrisBase, TimestampMixin


class FieldType(enum.StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DATE = "date"
    BOOL = "bool"
    CHOICE = "choice"


class CustomField(TimestampMixin, IrisBase):
    __tablename__ = "iris_custom_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    # The name of the value in Customer.custom_values; fixed once the field exists.
    key: Mapped[str] = mapped_column(String(50), unique=True)
    field_type: Mapped[str] = mapped_column(String(20), default=FieldType.TEXT.value)
    # The options of a choice field, in the order shown.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    help_text: Mapped[str | None] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(Integer, default=100)
    # An inactive field is hidden everywhere but its values are kept.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.label
