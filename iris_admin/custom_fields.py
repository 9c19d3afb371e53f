"""Custom customer fields: the rules for their definitions and values.

Used by the customer form, the customer page, the admin of the definitions and the
import/export (:func:`custom_field_columns`). Values are stored in
``Customer.custom_values`` as ``{key: value}`` with JSON types:

=============  ===========================  ==========================================
type           stored as                    accepted input (form, import cells)
=============  ===========================  ==========================================
text           "text" (≤ 500 characters)    any text
long_text      "text" (≤ 10,000)            any text, line breaks kept
number         12 or 12.5                   number cells; "12", "12.5", "12,5",
                                            "1.234,5", "1,234.5" (the last . or , is
                                            the decimal separator)
date           "2026-01-31"                 date cells (also Excel serial numbers),
                                            2026-01-31, 31-01-2026, 31/01/2026, 31.01.2026
bool           true / false                 yes/no, ja/nee, true/false, 1/0, x
choice         one of the options           an option, ignoring case
=============  ===========================  ==========================================

An empty value is not stored (the key is absent). No Flask request objects here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .models import Customer, CustomField, FieldType
from .validation import InvalidValue

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_LENGTH = {FieldType.TEXT.value: 500, FieldType.LONG_TEXT.value: 10_000}
MAX_OPTIONS = 200

TYPE_LABELS: dict[str, Any] = {
    FieldType.TEXT.value: _l("Text"),
    FieldType.LONG_TEXT.value: _l("Long text"),
    FieldType.NUMBER.value: _l("Number"),
    FieldType.DATE.value: _l("Date"),
    FieldType.BOOL.value: _l("Yes/no"),
    FieldType.CHOICE.value: _l("Choice"),
}

# The type names as plain strings: an import cleans every cell of a custom column, and
# an enum member's .value costs a descriptor call each time.
_TEXT, _LONG_TEXT = FieldType.TEXT.value, FieldType.LONG_TEXT.value
_NUMBER, _DATE = FieldType.NUMBER.value, FieldType.DATE.value
_BOOL, _CHOICE = FieldType.BOOL.value, FieldType.CHOICE.value
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_TRUE = frozenset({"yes", "y", "ja", "j", "true", "waar", "1", "x", "on"})
_FALSE = frozenset({"no", "n", "nee", "false", "onwaar", "0", "off"})
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")


# -- definitions -----------------------------------------------------------------------
def key_from_label(label: str) -> str:
    """A key proposal: "Contract end (date)" -> "contract_end_date"."""
    key = re.sub(r"[^a-z0-9]+", "_", (label or "").casefold()).strip("_")
    if not key or not key[0].isalpha():
        key = f"field_{key}".rstrip("_")
    return key[:50].rstrip("_")


def check_key(key: str) -> None:
    if not KEY_PATTERN.match(key or ""):
        raise InvalidValue(
            _l(
                "A key starts with a letter and holds only lower-case letters, digits and _ "
                "(at most 50)."
            )
        )


def clean_options(text_or_list: str | Iterable[str] | None) -> list[str]:
    """Options from a text with one option per line (or a list): trimmed, no duplicates."""
    if text_or_list is None:
        return []
    items = text_or_list.splitlines() if isinstance(text_or_list, str) else list(text_or_list)
    options: list[str] = []
    seen: set[str] = set()
    for item in items:
        option = str(item).strip()
        if option and option.casefold() not in seen:
            seen.add(option.casefold())
            options.append(option[:200])
    if len(options) > MAX_OPTIONS:
        raise InvalidValue(
            _l("A choice field can have at most %(count)d options.", count=MAX_OPTIONS)
        )
    return options


def active_fields(session: Session) -> list[CustomField]:
    return list(
        session.scalars(
            select(CustomField)
            .where(CustomField.active.is_(True))
            .order_by(CustomField.sort_order, CustomField.label, CustomField.id)
        )
    )


def customers_with_value(session: Session, key: str) -> int:
    """How many customers hold a value for ``key`` (one indexed-free count, fine for admin use)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.custom_values[key].as_string().is_not(None))
        )
        or 0
    )


def remove_field(session: Session, custom_field: CustomField, batch_size: int = 500) -> int:
    """Delete the definition and its values from every customer; the number of customers changed.

    The caller commits (one transaction: the field and its values go together or not at all).
    """
    key = custom_field.key
    changed = 0
    last_id = 0
    while True:
        # Keyset paging by id: every customer is read once, whatever the updates do.
        rows = session.execute(
            select(Customer.id, Customer.custom_values)
            .where(Customer.id > last_id, Customer.custom_values[key].as_string().is_not(None))
            .order_by(Customer.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        for customer_id, values in rows:
            remaining = {k: v for k, v in (values or {}).items() if k != key}
            # Core UPDATE: no ORM events, so search_text and updated_at stay as they are.
            session.execute(
                update(Customer.__table__)
                .where(Customer.__table__.c.id == customer_id)
                .values(custom_values=remaining)
            )
        changed += len(rows)
    session.delete(custom_field)
    # Customers already loaded in this session must not write the old values back.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Customer) and key in (obj.custom_values or {}):
            session.expire(obj, ["custom_values"])
    return changed


# -- values -----------------------------------------------------------------------------
def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise InvalidValue(_l("Not a number: %(value)s.", value=str(value)))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = re.sub(r"[\s\u00a0']", "", str(value))
        if "," in text and "." in text:
            decimal = "," if text.rfind(",") > text.rfind(".") else "."
            thousands = "." if decimal == "," else ","
            text = text.replace(thousands, "").replace(decimal, ".")
        else:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise InvalidValue(_l("Not a number: %(value)s.", value=str(value).strip())) from None
    if math.isnan(number) or math.isinf(number):
        raise InvalidValue(_l("Not a number: %(value)s.", value=str(value).strip()))
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date cell read as a serial number (old .xls files, some readers).
        if 1 <= value < 2_958_466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise InvalidValue(
            _l("Not a date: %(value)s. Use a date like 2026-01-31.", value=str(value))
        )
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):  # the common case, without strptime's cost
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidValue(
                _l("Not a date: %(value)s. Use a date like 2026-01-31.", value=text)
            ) from None
    # "2026-01-31 00:00:00" from a spreadsheet that stored a date-time.
    text = re.sub(r"[ T]00:00(:00(\.0+)?)?$", "", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidValue(_l("Not a date: %(value)s. Use a date like 2026-01-31.", value=text))


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(_l("Not yes or no: %(value)s. Use yes or no.", value=str(value).strip()))


def clean_value(custom_field: CustomField | FieldSpec, value: Any) -> Any:
    """The value to store for ``custom_field`` (None: no value), or InvalidValue.

    A required field refuses an empty value.
    """
    if _is_empty(value):
        if custom_field.required:
            raise InvalidValue(_l("%(field)s is required.", field=custom_field.label))
        return None
    kind = custom_field.field_type
    if kind in (_TEXT, _LONG_TEXT):
        text = str(value).strip() if not isinstance(value, (date, datetime)) else value.isoformat()
        if kind == _TEXT:
            text = " ".join(text.split())
        limit = MAX_LENGTH[kind]
        if len(text) > limit:
            raise InvalidValue(
                _l(
                    "Too long: %(length)d characters, at most %(limit)d allowed.",
                    length=len(text),
                    limit=limit,
                )
            )
        return text
    if kind == _NUMBER:
        return parse_number(value)
    if kind == _DATE:
        return parse_date(value).isoformat()
    if kind == _BOOL:
        return parse_bool(value)
    if kind == _CHOICE:
        wanted = str(value).strip().casefold()
        for option in custom_field.options or []:
            if option.casefold() == wanted:
                return option
        raise InvalidValue(
            _l(
                "Unknown choice: %(value)s. Choose one of: %(options)s.",
                value=str(value).strip(),
                options=", ".join(custom_field.options or []),
            )
        )
    raise InvalidValue(_l("Unknown field type %(type)s.", type=kind))


def stored_as_python(custom_field: CustomField | FieldSpec, stored: Any) -> Any:
    """A stored value as Python: dates become ``date``; the rest is as stored."""
    if stored is None:
        return None
    if custom_field.field_type == FieldType.DATE.value and isinstance(stored, str):
        try:
            return date.fromisoformat(stored)
        except ValueError:
            return stored
    return stored


def export_value(custom_field: CustomField | FieldSpec, stored: Any) -> Any:
    """The cell written to exports, in a form the import reads back unchanged."""
    if stored is None:
        return None
    if custom_field.field_type == _BOOL:
        return "yes" if stored else "no"
    if custom_field.field_type == _DATE:
        return str(stored)  # ISO text: the same in xlsx and CSV, never a locale date
    return stored


def set_custom_values(customer: Customer, changes: Mapping[str, Any]) -> None:
    """Apply ``{key: value or None}`` to the customer; None removes the key.

    Assigns a new dict, so SQLAlchemy sees the change (the JSON column is not mutable-tracked).
    """
    values = dict(customer.custom_values or {})
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    customer.custom_values = values


# -- import and export ---------------------------------------------------------------------
@dataclass(frozen=True)
class CustomFieldColumn:
    """One custom field as a spreadsheet column, for the import template and the export.

    ``key`` never collides with the built-in column keys; ``header`` is the label
    (the template writes it, the import matches it ignoring case, spaces and
    hyphens), ``aliases`` also match (the field's key). ``clean(cell)`` gives the
    value to store under ``field_key`` in ``Customer.custom_values`` (None: no value),
    or raises :class:`~iris_admin.validation.InvalidValue` with the row error's
    message; ``export(stored)`` gives the cell to write.
    """

    key: str
    field_key: str
    header: str
    label: str
    field_type: str
    required: bool
    help: str
    example: str
    options: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # Written as a text cell (keeps leading zeros; dates as ISO text).
    text: bool = True
    clean: Callable[[Any], Any] = field(default=lambda value: value, compare=False)
    export: Callable[[Any], Any] = field(default=lambda value: value, compare=False)


COLUMN_KEY_PREFIX = "custom:"

_HELP = {
    FieldType.TEXT.value: _l("Text, at most 500 characters."),
    FieldType.LONG_TEXT.value: _l("Text, at most 10,000 characters; line breaks are kept."),
    FieldType.NUMBER.value: _l("A number, e.g. 12 or 12.5 (12,5 works too)."),
    FieldType.DATE.value: _l("A date: 2026-01-31 or 31-01-2026."),
    FieldType.BOOL.value: _l("yes or no (ja/nee, true/false, 1/0 work too)."),
}
_EXAMPLE = {
    FieldType.TEXT.value: "Gold",
    FieldType.LONG_TEXT.value: "Deliveries at the back door",
    FieldType.NUMBER.value: "12",
    FieldType.DATE.value: "2026-01-31",
    FieldType.BOOL.value: "yes",
}


@dataclass(frozen=True)
class FieldSpec:
    """A definition detached from any session (safe in background imports and threads)."""

    key: str
    label: str
    field_type: str
    options: tuple[str, ...]
    required: bool
    help_text: str | None = None

    @classmethod
    def of(cls, custom_field: CustomField) -> FieldSpec:
        return cls(
            custom_field.key,
            custom_field.label,
            custom_field.field_type,
            tuple(custom_field.options or ()),
            bool(custom_field.required),
            custom_field.help_text,
        )


def _column_for(custom_field: CustomField) -> CustomFieldColumn:
    spec = FieldSpec.of(custom_field)
    kind = custom_field.field_type
    options = tuple(custom_field.options or ())
    if kind == FieldType.CHOICE.value:
        help_text = str(_l("One of: %(options)s.", options=", ".join(options)))
        example = options[0] if options else ""
    else:
        help_text = str(_HELP.get(kind, ""))
        example = _EXAMPLE.get(kind, "")
    if custom_field.help_text:
        help_text = f"{custom_field.help_text} {help_text}"
    if custom_field.required:
        help_text = f"{help_text} {_l('Required.')}"
    return CustomFieldColumn(
        key=COLUMN_KEY_PREFIX + custom_field.key,
        field_key=custom_field.key,
        header=custom_field.label,
        label=custom_field.label,
        field_type=kind,
        required=bool(custom_field.required),
        help=help_text,
        example=example,
        options=options,
        aliases=(custom_field.key,),
        text=kind != FieldType.NUMBER.value,
        clean=partial(clean_value, spec),
        export=partial(export_value, spec),
    )


def custom_field_columns(session: Session) -> list[CustomFieldColumn]:
    """The active custom fields as extra columns of the import template and the export,
    in their order (after the built-in columns). Read once per import or export."""
    return [_column_for(custom_field) for custom_field in active_fields(session)]
