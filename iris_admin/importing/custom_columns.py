"""The admin-defined custom fields as import/export columns, for one import or export.

:class:`CustomColumns` is loaded once per import or export (one query) and holds
everything the planner, the apply step and the spreadsheet writers need about the
custom fields, so none of them queries the definitions again:

* header matching: a custom column matches its label or its key, compared like the
  built-in headers (:func:`~iris_admin.importing.columns.header_key`); built-in
  headers and aliases always win, so a custom field can never take a built-in column;
* cleaning a row's cells by type (the rules of :mod:`iris_admin.custom_fields`) and
  the diff against the stored ``Customer.custom_values``;
* the cells an export writes, which the import reads back unchanged.

In a plan row, ``values["custom_values"]`` holds ``{field key: value}``: every value
of a new customer, or only the changed ones of an existing customer (None: cleared).
The apply step merges the latter into the stored values, so a custom column absent
from the file leaves the stored value alone. ``changes["custom:<key>"]`` holds
(old, new) as shown in the preview.

No Flask imports: used from web requests, background jobs and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..custom_fields import COLUMN_KEY_PREFIX, CustomFieldColumn, custom_field_columns
from ..models import FieldType
from ..validation import InvalidValue
from .columns import builtin_header_index, cell_text, header_key

# The key of a plan row's values that holds the custom field values.
CUSTOM_VALUES = "custom_values"

# Types whose cells are cleaned from their text form; the others read native cells
# too (number cells, date cells and Excel serial numbers, boolean cells).
_TEXT_TYPES = frozenset({FieldType.TEXT.value, FieldType.LONG_TEXT.value, FieldType.CHOICE.value})

RowFailure = Callable[[str, str, Any], None]  # message, column label, value


def is_custom_key(name: str) -> bool:
    return name.startswith(COLUMN_KEY_PREFIX)


def field_key_of(name: str) -> str:
    """ "custom:segment" -> "segment"."""
    return name[len(COLUMN_KEY_PREFIX) :]


@dataclass
class CustomColumns:
    """The active custom fields as columns after the built-in ones, in the fields' order."""

    columns: tuple[CustomFieldColumn, ...] = ()
    # header_key(name) -> column key ("custom:<field key>"), built-in names excluded.
    header_index: dict[str, str] = field(default_factory=dict)
    # column key -> the header the template and exports write.
    headers_by_key: dict[str, str] = field(default_factory=dict)
    # field key -> column (the diff looks columns up per row).
    by_field_key: dict[str, CustomFieldColumn] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> CustomColumns:
        return cls.of(custom_field_columns(session))

    @classmethod
    def of(cls, columns: Iterable[CustomFieldColumn]) -> CustomColumns:
        columns = tuple(columns)
        taken = set(builtin_header_index())
        index: dict[str, str] = {}
        headers: dict[str, str] = {}
        # Labels before keys: a label never loses to another field's key.
        for column in columns:
            name = header_key(column.header)
            if name in taken or name in index:
                continue
            index[name] = column.key
            headers[column.key] = column.header
        for column in columns:
            for alias in column.aliases:
                name = header_key(alias)
                if name not in taken and name not in index:
                    index[name] = column.key
            if column.key not in headers:
                # The label is a built-in header or another field's: write a header that
                # still finds this field (the admin form refuses such labels, but older
                # definitions or direct database edits may have them).
                header = f"{column.header} ({column.field_key})"
                index.setdefault(header_key(header), column.key)
                headers[column.key] = header
        return cls(columns, index, headers, {column.field_key: column for column in columns})

    def __bool__(self) -> bool:
        return bool(self.columns)

    @property
    def headers(self) -> list[str]:
        return [self.headers_by_key[column.key] for column in self.columns]

    @property
    def labels(self) -> dict[str, str]:
        """Column key -> label, for the preview's "Label: old → new" lines."""
        return {column.key: column.label for column in self.columns}

    # -- export -------------------------------------------------------------------------
    def export_cells(self, stored: Mapping[str, Any] | None) -> list[Any]:
        values = stored or {}
        return [column.export(values.get(column.field_key)) for column in self.columns]

    # -- import ---------------------------------------------------------------------------
    def positions(self, matched: Mapping[str, int]) -> list[tuple[CustomFieldColumn, int]]:
        """The custom columns the file has, with their positions, in the fields' order."""
        return [(column, matched[column.key]) for column in self.columns if column.key in matched]

    def read_cells(
        self,
        cells: Sequence[Any],
        positions: Sequence[tuple[CustomFieldColumn, int]],
        *,
        from_csv: bool,
    ) -> dict[str, Any]:
        """The row's custom cells by field key: text trimmed (None when empty), CSV
        formula quotes removed; number, date and yes/no columns keep native cells."""
        found: dict[str, Any] = {}
        width = len(cells)
        for column, position in positions:
            value = cells[position] if position < width else None
            if isinstance(value, str) or column.field_type in _TEXT_TYPES:
                value = cell_text(value, from_csv=from_csv)
            found[column.field_key] = value
        return found

    def clean_row(
        self,
        cells: Mapping[str, Any],
        stored: Mapping[str, Any] | None,
        *,
        is_new: bool,
        fail: RowFailure,
    ) -> dict[str, Any]:
        """The values to store for the columns the file has (None: no value).

        A bad value or a missing required value is reported through ``fail``; a new
        customer also needs the required fields whose column is not in the file.

        A cell exactly as the export writes the stored value is unchanged without being
        cleaned again: faster, and such a value is kept even when it would no longer
        pass (say, an option removed since), so the round trip changes nothing.
        """
        cleaned: dict[str, Any] = {}
        old_values = stored or {}
        for column in self.columns:
            key = column.field_key
            if key not in cells:
                if is_new and column.required:
                    fail(_required(column), column.label, None)
                continue
            value = cells[key]
            old = old_values.get(key)
            exported = column.export(old) if old is not None else None
            if exported is not None and same_value(value, exported):
                continue  # as stored
            try:
                cleaned[key] = column.clean(value)
            except InvalidValue as exc:
                if (
                    exported is not None
                    and value is not None
                    and cell_text(value) == cell_text(exported)
                ):
                    continue  # as stored, in another cell type ("4711" / 4711)
                fail(str(exc), column.label, value)
        return cleaned

    def diff(
        self, cleaned: Mapping[str, Any], stored: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
        """(values to write, changes to show) for the cleaned values of one row."""
        if not cleaned:
            return {}, {}
        old_values = stored or {}
        values: dict[str, Any] = {}
        changes: dict[str, tuple[Any, Any]] = {}
        for key, new in cleaned.items():
            old = old_values.get(key)
            if same_value(old, new):
                continue
            values[key] = new
            column = self.by_field_key[key]
            changes[column.key] = (column.export(old), column.export(new))
        return values, changes


def same_value(old: Any, new: Any) -> bool:
    """Equal and of the same kind: True is not the number 1, 12 is 12.0."""
    return (
        old == new
        and isinstance(old, bool) == isinstance(new, bool)
        and isinstance(old, str) == isinstance(new, str)
    )


def _required(column: CustomFieldColumn) -> str:
    return str(_l("%(field)s is required.", field=column.label))
