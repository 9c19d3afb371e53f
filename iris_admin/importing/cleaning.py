"""The normalising step of an import: the per-row work that needs nothing but the row.

Reading a row's cells as text and checking its country, e-mail address and phone
numbers is most of the CPU time of a big preview (a phone number alone takes ~17 µs),
and none of it depends on the database or on other rows: :func:`clean_batch` does it
for a batch of rows, without Flask or a session, before the planner matches the rows
to customers and diffs them.

Only values that pass are kept: for a value that does not, the planner runs the same
check again to say why, so this step holds no messages and no locale (and could run
in another process as it is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..validation import InvalidValue
from .columns import cell_text, clean_country, clean_email, clean_phone

Batch = list[tuple[int, list[Any]]]

CHECKED_FIELDS = ("country", "email", "telephone", "mobile")


@dataclass(frozen=True)
class CleanSettings:
    """What :func:`clean_batch` needs to know about the file (picklable)."""

    fixed_positions: tuple[tuple[str, int], ...]
    from_csv: bool
    region: str


@dataclass
class CleanRow:
    """One row's texts (column key -> trimmed text or None), the checked values that
    passed, and the national digits of its phone numbers (for the search text)."""

    text: Mapping[str, str | None]
    checked: dict[str, Any]
    phone_digits: dict[str, str]


def row_texts(cells: Sequence[Any], settings: CleanSettings) -> dict[str, str | None]:
    text: dict[str, str | None] = {}
    width = len(cells)
    from_csv = settings.from_csv
    for key, position in settings.fixed_positions:
        value = cells[position] if position < width else None
        # Nearly every cell is text: inline, without a call (100,000 rows x 14).
        if type(value) is str and not (from_csv and value[:1] == "'"):
            text[key] = value.strip() or None
        else:
            text[key] = cell_text(value, from_csv=from_csv)
    return text


def check_row(
    text: Mapping[str, str | None],
    stored: Mapping[str, Any] | None,
    settings: CleanSettings,
    countries: dict[str | None, Any],
) -> CleanRow:
    """Check a row's country, e-mail address and phones, against the customer it
    updates (``stored``) if any: a value as stored was checked before and is not
    checked again (re-importing an export parses no phone number)."""
    checked: dict[str, Any] = {}
    digits: dict[str, str] = {}
    for key in CHECKED_FIELDS:
        if key not in text:
            continue
        value = text[key]
        if stored is not None and value is not None and value == stored.get(key):
            continue
        try:
            if key == "country":
                found = countries.get(value)
                if found is None:
                    try:
                        found = clean_country(value)
                    except InvalidValue as exc:
                        found = exc
                    countries[value] = found
                if isinstance(found, InvalidValue):
                    continue
                checked[key] = found
            elif key == "email":
                checked[key] = clean_email(value)
            else:
                checked[key] = clean_phone(value, settings.region, digits)
        except InvalidValue:
            continue  # the planner checks it again and says why
    return CleanRow(text=text, checked=checked, phone_digits=digits)


def clean_batch(batch: Batch, settings: CleanSettings) -> list[CleanRow]:
    """Texts and checks of rows that are new customers (the planner checks updates
    against the stored customer with :func:`check_row`)."""
    countries: dict[str | None, Any] = {}
    return [
        check_row(row_texts(cells, settings), None, settings, countries) for _number, cells in batch
    ]
