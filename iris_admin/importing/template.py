"""Writing spreadsheets: the import template, exports, the errors file, the missing list.

Every file uses the template's columns, so an export can be edited and imported back
unchanged (the round trip). No value ever runs as a formula when the file is opened:
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

from ..models import Customer, CustomerStatus, ImportRow
from .columns import COLUMNS, TEMPLATE_HEADERS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
_LAST_ROW = 1_048_576
_CSV_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTHS = {"code": 12, "name": 30, "is_business": 18, "first_name": 16, "last_name": 18,
           "street": 28, "postal_code": 12, "city": 18, "country": 10, "email": 30,
           "telephone": 18, "mobile": 18, "default_payer": 16, "status": 12}


# -- customers as template rows -------------------------------------------------------
def customer_rows(session: Session, ids_query: Any = None,
                  batch_size: int = 1000) -> Iterator[list[Any]]:
    """Every customer (or those whose id ``ids_query`` selects) in template column order."""
    payer = aliased(Customer)
    status_names = dict(session.execute(select(CustomerStatus.id, CustomerStatus.name)).all())
    query = (
        select(
            Customer.code, Customer.name, Customer.is_business, Customer.first_name,
            Customer.last_name, Customer.street, Customer.postal_code, Customer.city,
            Customer.country, Customer.email, Customer.telephone, Customer.mobile,
            payer.code.label("payer_code"), payer.name.label("payer_name"), Customer.status_id,
        )
        .outerjoin(payer, payer.id == Customer.default_payer_id)
        .order_by(func.lower(Customer.name), Customer.id)
        .execution_options(yield_per=batch_size)
    )
    if ids_query is not None:
        query = query.where(Customer.id.in_(ids_query))
    for record in session.execute(query):
        yield [
            record.code, record.name, "yes" if record.is_business else "no", record.first_name,
            record.last_name, record.street, record.postal_code, record.city, record.country,
            record.email, record.telephone, record.mobile,
            # A payer without a code is found back by its name (see the matching rules).
            record.payer_code or record.payer_name, status_names.get(record.status_id),
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


def write_customers_xlsx(out: IO[bytes], rows: Iterable[Sequence[Any]],
                         statuses: Sequence[str], *, explanation: bool = True) -> None:
    """The template (no rows) or an export: header, rows, drop-downs, text columns."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_l("Customers")))
    for position, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(position)]
        dimension.width = _WIDTHS.get(column.key, 14)
        if column.text:
            # New cells typed in these columns stay text: leading zeros, "+31 ...".
            dimension.number_format = "@"
    sheet.freeze_panes = "A2"
    _add_validations(sheet, book, statuses)
    sheet.append(_header_cells(sheet, TEMPLATE_HEADERS))
    for values in rows:
        sheet.append(_safe_row(sheet, values))
    if explanation:
        _write_explanation(book)
    book.save(out)


def _add_validations(sheet: Any, book: Workbook, statuses: Sequence[str]) -> None:
    keys = [column.key for column in COLUMNS]
    business = get_column_letter(keys.index("is_business") + 1)
    yes_no = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    yes_no.error = str(_l("Choose yes or no."))
    yes_no.add(f"{business}2:{business}{_LAST_ROW}")
    sheet.data_validations.append(yes_no)
    if statuses:
        lists = book.create_sheet("Lists")
        lists.sheet_state = "hidden"
        for name in statuses:
            lists.append([_text_cell(lists, name)])
        status = get_column_letter(keys.index("status") + 1)
        status_list = DataValidation(
            type="list", formula1=f"Lists!$A$1:$A${len(statuses)}", allow_blank=True
        )
        status_list.error = str(_l("Choose one of the status codes."))
        status_list.add(f"{status}2:{status}{_LAST_ROW}")
        sheet.data_validations.append(status_list)


def _write_explanation(book: Workbook) -> None:
    sheet = book.create_sheet(str(_l("Explanation")))
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 90
    sheet.column_dimensions["D"].width = 22
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append(_header_cells(sheet, [str(_l("Column")), str(_l("Required")),
                                       str(_l("What to fill in")), str(_l("Example"))]))
    required = {"name": _l("yes (*)")}
    for column in COLUMNS:
        cells = [column.header, str(required.get(column.key, _l("no"))), str(column.help),
                 column.example]
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


def explanation_notes() -> list[str]:
    return [
        str(_l("(*) A person row may give First name and Last name instead of Name.")),
        str(_l("Headers may be in any order and in English or Dutch; unknown columns are "
               "ignored. Empty rows are skipped.")),
        str(_l("A row with a code updates the customer with that code (ignoring case and "
               "spaces); a code that is not in the system adds a new customer.")),
        str(_l("A row without a code updates the customer without a code with the same name, "
               "but only when exactly one such customer exists; otherwise it adds a new "
               "customer (or, when several match, it is an error: add the code).")),
        str(_l("An empty cell empties the field of an existing customer, except Status "
               "(kept). Columns that are not in the file are left as they are.")),
        str(_l("Modes: add adds and updates; all does the same and lists the customers "
               "that are not in the file (nothing is deleted); delete removes the customers "
               "listed, after confirmation.")),
    ]


def write_annotated_xlsx(out: IO[bytes], header: Sequence[Any],
                         rows: Iterable[tuple[Sequence[Any], str, str | None]],
                         *, with_status: bool = False) -> None:
    """The uploaded rows with a column saying what is wrong (to fix and upload again)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_l("Customers")))
    width = len(header)
    extra = [str(_l("Problems in this row"))]
    if with_status:
        extra.insert(0, str(_l("Import status")))
    sheet.append(_header_cells(sheet, [str(cell) if cell is not None else "" for cell in header]
                               + extra))
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


def write_customers_csv(out: IO[bytes], rows: Iterable[Sequence[Any]],
                        delimiter: str = ",") -> None:
    """UTF-8 with a BOM (so Excel shows accents right), the template's header."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(TEMPLATE_HEADERS)
    for values in rows:
        writer.writerow(["" if value is None else neutralise_csv(value) for value in values])
    text.flush()
    text.detach()


def status_names(session: Session) -> list[str]:
    return list(session.scalars(
        select(CustomerStatus.name).order_by(CustomerStatus.sort_order, CustomerStatus.id)
    ))


def export_customers(session: Session, out: IO[bytes], file_format: str, *,
                     ids_query: Any = None, csv_delimiter: str = ",") -> None:
    rows = customer_rows(session, ids_query)
    if file_format == "csv":
        write_customers_csv(out, rows, delimiter=csv_delimiter)
    else:
        write_customers_xlsx(out, rows, status_names(session))


def write_template(session: Session, out: IO[bytes]) -> None:
    write_customers_xlsx(out, [], status_names(session))
