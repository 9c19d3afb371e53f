"""Writing spreadsheets: the import template, exports, the errors file, the missing list.

Every file uses the template's columns (the built-in ones, then one per active custom
field, headed by its label), so an export can be edited and imported back unchanged
(the round trip). No value ever runs as a formula when the file is opened:
in .xlsx every text is written as a text cell (never a formula, whatever it starts
with); in CSV a value that starts with = + - @ or a tab gets a leading quote, which
the import removes again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..custom_fields import TYPE_LABELS, CustomFieldColumn
from ..models import Customer, CustomerStatus, FieldType, ImportRow
from .columns import COLUMNS, TEMPLATE_HEADERS
from .custom_columns import CustomColumns

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
_LAST_ROW = 1_048_576
_CSV_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTHS = {
    "code": 12,
    "name": 30,
    "is_business": 18,
    "first_name": 16,
    "last_name": 18,
    "street": 28,
    "postal_code": 12,
    "city": 18,
    "country": 10,
    "email": 30,
    "telephone": 18,
    "mobile": 18,
    "default_payer": 16,
    "status": 12,
}


# -- customers as template rows -------------------------------------------------------
def customer_rows(
    session: Session,
    ids_query: Any = None,
    batch_size: int = 1000,
    custom: CustomColumns | None = None,
) -> Iterator[list[Any]]:
    """Every customer (or those whose id ``ids_query`` selects) in template column order,
    the ``custom`` fields' cells last."""
    payer = aliased(Customer)
    status_names = dict(session.execute(select(CustomerStatus.id, CustomerStatus.name)).all())
    custom = custom or CustomColumns()
    query = (
        select(
            Customer.code,
            Customer.name,
            Customer.is_business,
            Customer.first_name,
            Customer.last_name,
            Customer.street,
            Customer.postal_code,
            Customer.city,
            Customer.country,
            Customer.email,
            Customer.telephone,
            Customer.mobile,
            payer.code.label("payer_code"),
            payer.name.label("payer_name"),
            Customer.status_id,
            *([Customer.custom_values] if custom else []),
        )
        .outerjoin(payer, payer.id == Customer.default_payer_id)
        .order_by(func.lower(Customer.name), Customer.id)
        .execution_options(yield_per=batch_size)
    )
    if ids_query is not None:
        query = query.where(Customer.id.in_(ids_query))
    for record in session.execute(query):
        yield [
            record.code,
            record.name,
            "yes" if record.is_business else "no",
            record.first_name,
            record.last_name,
            record.street,
            record.postal_code,
            record.city,
            record.country,
            record.email,
            record.telephone,
            record.mobile,
            # A payer without a code is found back by its name (see the matching rules).
            record.payer_code or record.payer_name,
            status_names.get(record.status_id),
            *(custom.export_cells(record.custom_values) if custom else ()),
        ]


def missing_ids_query(run_id: int) -> Any:
    return select(ImportRow.customer_id).where(
        ImportRow.run_id == run_id, ImportRow.status == "missing"
    )


# -- xlsx ---------------------------------------------------------------------------------
def _text_cell(sheet: Any, value: Any) -> Any:
    """A value that openpyxl would turn into a formula or an error cell, kept as text."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _safe_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    row = []
    for value in values:
        if isinstance(value, str) and value[:1] in ("=", "#"):
            row.append(_text_cell(sheet, value))
        else:
            row.append(value)
    return row


def _header_cells(sheet: Any, headers: Sequence[str]) -> list[Any]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cells.append(cell)
    return cells


def write_customers_xlsx(
    out: IO[bytes],
    rows: Iterable[Sequence[Any]],
    statuses: Sequence[str],
    *,
    explanation: bool = True,
    custom: CustomColumns | None = None,
) -> None:
    """The template (no rows) or an export: header, rows, drop-downs, text columns."""
    custom = custom or CustomColumns()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_l("Customers")))
    widths_and_text = [(_WIDTHS.get(column.key, 14), column.text) for column in COLUMNS]
    widths_and_text += [(_custom_width(column), column.text) for column in custom.columns]
    for position, (width, text) in enumerate(widths_and_text, start=1):
        dimension = sheet.column_dimensions[get_column_letter(position)]
        dimension.width = width
        if text:
            # New cells typed in these columns stay text: leading zeros, "+31 ...".
            dimension.number_format = "@"
    sheet.freeze_panes = "A2"
    _add_validations(sheet, book, statuses, custom)
    sheet.append(_header_cells(sheet, [*TEMPLATE_HEADERS, *custom.headers]))
    for values in rows:
        sheet.append(_safe_row(sheet, values))
    if explanation:
        _write_explanation(book, custom)
    book.save(out)


def _custom_width(column: CustomFieldColumn) -> int:
    if column.field_type == FieldType.LONG_TEXT.value:
        return 40
    return max(14, min(40, len(column.header) + 4))


def _yes_no(letter: str) -> DataValidation:
    yes_no = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    yes_no.error = str(_l("Choose yes or no."))
    yes_no.add(f"{letter}2:{letter}{_LAST_ROW}")
    return yes_no


def _add_validations(
    sheet: Any, book: Workbook, statuses: Sequence[str], custom: CustomColumns
) -> None:
    keys = [column.key for column in COLUMNS] + [column.key for column in custom.columns]

    def letter(key: str) -> str:
        return get_column_letter(keys.index(key) + 1)

    sheet.data_validations.append(_yes_no(letter("is_business")))
    # Drop-down lists live in a hidden sheet, one column each (status first): options
    # may hold commas and quotes, and an inline list is limited to 255 characters.
    lists_for: list[tuple[str, Sequence[str], str]] = []
    if statuses:
        lists_for.append((letter("status"), statuses, str(_l("Choose one of the status codes."))))
    for column in custom.columns:
        if column.field_type == FieldType.BOOL.value:
            sheet.data_validations.append(_yes_no(letter(column.key)))
        elif column.field_type == FieldType.CHOICE.value and column.options:
            lists_for.append(
                (
                    letter(column.key),
                    column.options,
                    str(_l("Choose one of the options of %(label)s.", label=column.label)),
                )
            )
    if not lists_for:
        return
    lists = book.create_sheet("Lists")
    lists.sheet_state = "hidden"
    height = max(len(values) for _, values, _ in lists_for)
    for index in range(height):
        lists.append(
            [
                _text_cell(lists, values[index]) if index < len(values) else None
                for _, values, _ in lists_for
            ]
        )
    for position, (target, values, error) in enumerate(lists_for, start=1):
        source = get_column_letter(position)
        validation = DataValidation(
            type="list",
            formula1=f"Lists!${source}$1:${source}${len(values)}",
            allow_blank=True,
        )
        validation.error = error
        validation.add(f"{target}2:{target}{_LAST_ROW}")
        sheet.data_validations.append(validation)


def _write_explanation(book: Workbook, custom: CustomColumns | None = None) -> None:
    sheet = book.create_sheet(str(_l("Explanation")))
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 90
    sheet.column_dimensions["D"].width = 22
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append(
        _header_cells(
            sheet,
            [
                str(_l("Column")),
                str(_l("Required")),
                str(_l("What to fill in")),
                str(_l("Example")),
            ],
        )
    )
    required = {"name": _l("yes (*)")}
    explained = [
        (column.header, str(required.get(column.key, _l("no"))), str(column.help), column.example)
        for column in COLUMNS
    ]
    if custom is not None:
        explained.extend(
            (
                custom.headers_by_key[column.key],
                str(_l("yes")) if column.required else str(_l("no")),
                custom_column_help(column),
                column.example,
            )
            for column in custom.columns
        )
    for cells in explained:
        row = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.alignment = wrap
            row.append(cell)
        sheet.append(row)
    sheet.append([])
    for line in explanation_notes():
        cell = WriteOnlyCell(sheet, value=line)
        cell.data_type = "s"
        sheet.append([cell])


def custom_column_help(column: CustomFieldColumn) -> str:
    """What the explanation sheet says about a custom column: type, rules, options."""
    kind = str(TYPE_LABELS.get(column.field_type, column.field_type))
    return str(_l("Custom field, type %(type)s. %(help)s", type=kind, help=column.help))


def explanation_notes() -> list[str]:
    return [
        str(_l("(*) A person row may give First name and Last name instead of Name.")),
        str(
            _l(
                "Headers may be in any order and in English or Dutch; unknown columns are "
                "ignored. Empty rows are skipped."
            )
        ),
        str(
            _l(
                "A row with a code updates the customer with that code (ignoring case and "
                "spaces); a code that is not in the system adds a new customer."
            )
        ),
        str(
            _l(
                "A row without a code updates the customer without a code with the same name, "
                "but only when exactly one such customer exists; otherwise it adds a new "
                "customer (or, when several match, it is an error: add the code)."
            )
        ),
        str(
            _l(
                "An empty cell empties the field of an existing customer, except Status "
                "(kept). Columns that are not in the file are left as they are."
            )
        ),
        str(
            _l(
                "Custom fields have a column each after Status, headed by the field's label "
                "(its key works too). Values are checked by type: a date like 2026-01-31, a "
                "number, yes or no, or one of a choice field's options. A required custom "
                "field may not be empty."
            )
        ),
        str(
            _l(
                "Modes: add adds and updates; all does the same and lists the customers "
                "that are not in the file (nothing is deleted); delete removes the customers "
                "listed, after confirmation."
            )
        ),
    ]


def write_annotated_xlsx(
    out: IO[bytes],
    header: Sequence[Any],
    rows: Iterable[tuple[Sequence[Any], str, str | None]],
    *,
    with_status: bool = False,
) -> None:
    """The uploaded rows with a column saying what is wrong (to fix and upload again)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_l("Customers")))
    width = len(header)
    extra = [str(_l("Problems in this row"))]
    if with_status:
        extra.insert(0, str(_l("Import status")))
    sheet.append(
        _header_cells(sheet, [str(cell) if cell is not None else "" for cell in header] + extra)
    )
    red = Font(color="C00000")
    for raw, problems, status in rows:
        values = list(raw)[:width] + [None] * max(0, width - len(raw))
        row = _safe_row(sheet, values)
        if with_status:
            row.append(status)
        cell = WriteOnlyCell(sheet, value=problems or None)
        cell.data_type = "s" if problems else "n"
        if problems:
            cell.font = red
        row.append(cell)
        sheet.append(row)
    book.save(out)


# -- csv ------------------------------------------------------------------------------------
def neutralise_csv(value: Any) -> Any:
    """Values that a spreadsheet would run as a formula get a leading quote."""
    if isinstance(value, str) and value.startswith(_CSV_DANGEROUS_START):
        return "'" + value
    return value


def write_customers_csv(
    out: IO[bytes],
    rows: Iterable[Sequence[Any]],
    delimiter: str = ",",
    custom: CustomColumns | None = None,
) -> None:
    """UTF-8 with a BOM (so Excel shows accents right), the template's header."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow([*TEMPLATE_HEADERS, *(custom.headers if custom else ())])
    for values in rows:
        writer.writerow(["" if value is None else neutralise_csv(value) for value in values])
    text.flush()
    text.detach()


def status_names(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(CustomerStatus.name).order_by(CustomerStatus.sort_order, CustomerStatus.id)
        )
    )


def export_customers(
    session: Session,
    out: IO[bytes],
    file_format: str,
    *,
    ids_query: Any = None,
    csv_delimiter: str = ",",
) -> None:
    custom = CustomColumns.load(session)
    rows = customer_rows(session, ids_query, custom=custom)
    if file_format == "csv":
        write_customers_csv(out, rows, delimiter=csv_delimiter, custom=custom)
    else:
        write_customers_xlsx(out, rows, status_names(session), custom=custom)


def write_template(session: Session, out: IO[bytes]) -> None:
    write_customers_xlsx(out, [], status_names(session), custom=CustomColumns.load(session))
