"""Building real .xlsx, .xls and .csv files for the import tests, and planning them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import openpyxl
import xlwt

from iris_admin.extension import db_session
from iris_admin.importing.apply import apply_run
from iris_admin.importing.columns import TEMPLATE_HEADERS
from iris_admin.importing.plan import ListSink, PlanSettings, build_plan
from iris_admin.importing.readers import open_sheet
from iris_admin.importing.results import ImportMode, ImportResult, RowResult
from iris_admin.importing.store import (
    ReadOptions,
    claim_for_apply,
    create_run,
    iter_rows,
    plan_run,
)
from iris_admin.models import ImportRun

HEADERS = list(TEMPLATE_HEADERS)


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    header: Sequence[Any] | None = None,
    text_columns: Sequence[int] = (),
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header if header is not None else HEADERS))
    for row in rows:
        sheet.append(list(row))
    for column in text_columns:
        for cells in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            for cell in cells:
                cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(rows: Sequence[Sequence[Any]], header: Sequence[Any] | None = None) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Customers")
    for column, value in enumerate(header if header is not None else HEADERS):
        sheet.write(0, column, value)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(number, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(
    rows: Sequence[Sequence[Any]],
    header: Sequence[Any] | None = None,
    delimiter: str = ",",
    bom: bool = True,
) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(list(header if header is not None else HEADERS))
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return text.getvalue().encode("utf-8-sig" if bom else "utf-8")


def row(**values: Any) -> list[Any]:
    """A template row from keyword arguments: row(code="C1", name="Acme", email=...)."""
    keys = [
        "code",
        "name",
        "is_business",
        "first_name",
        "last_name",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "telephone",
        "mobile",
        "default_payer",
        "status",
    ]
    unknown = set(values) - set(keys)
    assert not unknown, unknown
    return [values.get(key) for key in keys]


def plan_in_memory(
    data: bytes, filename: str = "customers.xlsx", mode: str = "add", batch_size: int = 1000
) -> tuple[ImportResult, list[RowResult]]:
    sheet = open_sheet(data, filename)
    sink = ListSink()
    result = build_plan(
        db_session(),
        sheet.header,
        sheet.rows,
        PlanSettings(mode=ImportMode(mode), batch_size=batch_size),
        sink,
        file_format=sheet.format,
    )
    return result, sink.ordered()


def stored_plan(
    data: bytes, filename: str = "customers.xlsx", mode: str = "add", batch_size: int = 1000
) -> tuple[ImportRun, list[RowResult]]:
    session = db_session()
    run = create_run(
        session, mode=ImportMode(mode), file_name=filename, file_size=len(data), ttl_seconds=3600
    )
    plan_run(session, run, data, ReadOptions(max_bytes=20 * 1024 * 1024, batch_size=batch_size))
    session.refresh(run)
    return run, list(iter_rows(session, run.id))


def import_file(
    data: bytes, filename: str = "customers.xlsx", mode: str = "add", batch_size: int = 1000
) -> ImportRun:
    """Plan and apply, as a confirmed import does; the plan must have no errors."""
    run, rows = stored_plan(data, filename, mode, batch_size)
    assert not run.has_errors, [r.messages for r in rows if r.messages] or run.file_errors
    session = db_session()
    assert claim_for_apply(session, run) is None
    apply_run(session, run.id, batch_size=batch_size)
    session.refresh(run)
    return run
