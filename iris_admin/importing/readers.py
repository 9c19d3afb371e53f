"""Reading the first sheet of an uploaded .xlsx, .xls or .csv file as plain rows.

:func:`open_sheet` is the only entry point. The format is detected from the content,
hostile files are refused by :mod:`iris_admin.importing.safety` before a parser runs,
and every reader yields the same Python values for the same spreadsheet content:

* ``None`` for empty cells, error cells (``#N/A``, ``#DIV/0!``, ...) and blank text;
* ``str`` stripped of surrounding whitespace (``"0042"`` stays text);
* ``int`` for integral numbers (``4711``, never ``4711.0``), ``float`` otherwise;
* ``bool`` for boolean cells;
* ``datetime.date`` for dates without a time part, ``datetime.datetime`` otherwise;
* time-of-day cells (``12:30``) and durations (``[h]:mm``) become ``"HH:MM:SS"`` text,
  because nothing in a customer import wants them and the cell type set stays small;
* formula cells give their cached value (a formula saved without one reads as empty).

CSV files give text (or ``None``) only: a CSV carries no types.

Readers: python-calamine for .xlsx (several times faster than openpyxl), xlrd
for .xls, the csv module for .csv. openpyxl in read-only mode is the fallback for
.xlsx files calamine cannot be trusted with (see :func:`_xlsx_rows`).

No Flask imports here: callers translate ``UnreadableFile.code`` if they need to.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeAlias

import openpyxl
import python_calamine
import xlrd
from openpyxl.worksheet.worksheet import Worksheet

from iris_admin.importing import safety
from iris_admin.importing.safety import UnreadableFile

__all__ = [
    "CellValue",
    "ReadLimits",
    "SheetRows",
    "UnreadableFile",
    "open_sheet",
]

CellValue: TypeAlias = str | int | float | bool | dt.date | dt.datetime | None
# What open_sheet reads: the bytes, a binary file object, or a path.
SheetSource: TypeAlias = bytes | IO[bytes] | str | os.PathLike[str]
Row: TypeAlias = list[CellValue]
NumberedRow: TypeAlias = tuple[int, Row]

# calamine keeps the whole rectangle between the first and the last cell in memory at
# 32 bytes per cell (its Data enum), empty or not. Above this many cells (~128 MB) the
# streaming openpyxl reader is used instead: slower, but its memory does not grow with
# the file.
CALAMINE_MAX_CELLS = 4_000_000

_CSV_DELIMITERS = (",", ";", "\t")  # in order of preference when counts tie
_CSV_BLANK = " \t\r\n" + "".join(_CSV_DELIMITERS)  # what an empty CSV line may hold
_CSV_SNIFF_CHARS = 64 * 1024
_UTF8_CHECK_STEP = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = 20 * 1024 * 1024  # upload size; refused before reading
    max_rows: int = 200_000  # data rows after the header
    max_columns: int = 200
    max_uncompressed_bytes: int = 300 * 1024 * 1024  # sum of the zip members (xlsx)
    max_compression_ratio: float = 200.0  # per zip member, zip-bomb guard


@dataclass
class SheetRows:
    header: list[str | None]
    """Header cells as stripped text, ``None`` for empty ones; trailing empties dropped."""
    header_row_number: int
    """1-based spreadsheet row number of the header (the first non-empty row)."""
    rows: Iterator[NumberedRow]
    """``(spreadsheet row number, cells)`` for each non-empty row after the header.

    Produced lazily; limits (rows, columns) and late damage are reported by raising
    :class:`UnreadableFile` while iterating.
    """
    format: str
    """``"xlsx"``, ``"xls"`` or ``"csv"``."""


def open_sheet(
    data: SheetSource,
    filename: str,
    limits: ReadLimits = ReadLimits(),
) -> SheetRows:
    """Open the first sheet of an upload and return its header and its data rows.

    ``data`` is the file content, a binary file object or a path; ``filename`` is the
    name the user gave it (only used for the .csv and .xlsm rules, never to pick a
    parser). Raises :class:`UnreadableFile` with a user-facing message.
    """
    payload = _read_payload(data, limits.max_bytes)
    if not payload:
        raise UnreadableFile("empty", "The file is empty.")
    file_format, raw_rows = _raw_rows(payload, filename or "", limits)
    header_row_number, header = _find_header(raw_rows)
    if len(header) > limits.max_columns:
        raise UnreadableFile("too_many_columns", limit=limits.max_columns)
    return SheetRows(
        header=[_header_text(cell) for cell in header],
        header_row_number=header_row_number,
        rows=_limited(raw_rows, limits),
        format=file_format,
    )


def _read_payload(data: SheetSource, max_bytes: int) -> bytes:
    """The upload as bytes, refusing oversized ones before reading them whole.

    Holding ≤ 20 MB in memory is cheap and every parser wants random access anyway.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        size = len(data)
        if size > max_bytes:
            raise _too_large(max_bytes)
        return bytes(data)
    if isinstance(data, (str, os.PathLike)):
        if os.path.getsize(data) > max_bytes:
            raise _too_large(max_bytes)
        with open(data, "rb") as stream:
            return _read_stream(stream, max_bytes)
    return _read_stream(data, max_bytes)


def _read_stream(stream: IO[bytes], max_bytes: int) -> bytes:
    if _seekable(stream):
        position = stream.tell()
        size = stream.seek(0, io.SEEK_END) - position
        stream.seek(position)
        if size > max_bytes:
            raise _too_large(max_bytes)
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_large(max_bytes)
    return content


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _too_large(max_bytes: int) -> UnreadableFile:
    return UnreadableFile("too_large", limit_mb=f"{max_bytes / (1024 * 1024):g}")


def _raw_rows(
    payload: bytes, filename: str, limits: ReadLimits
) -> tuple[str, Iterator[NumberedRow]]:
    """Pick the reader from the content; empty rows may come out as ``[]`` or not at all."""
    container = safety.sniff_container(payload[:8])
    if container == "zip":
        return "xlsx", _xlsx_rows(payload, filename, limits)
    if container == "ole":
        safety.inspect_ole(payload)
        return "xls", _xls_rows(payload)
    if filename.lower().endswith(".csv"):
        return "csv", _csv_rows(payload)
    # Including .xlsx/.xls files that are really CSV, HTML or XML exports.
    raise UnreadableFile("not_a_spreadsheet")


def _find_header(raw_rows: Iterator[NumberedRow]) -> NumberedRow:
    for number, cells in raw_rows:
        if cells:
            return number, cells
    raise UnreadableFile("empty")


def _limited(raw_rows: Iterator[NumberedRow], limits: ReadLimits) -> Iterator[NumberedRow]:
    count = 0
    for number, cells in raw_rows:
        if not cells:
            continue
        if len(cells) > limits.max_columns:
            raise UnreadableFile("too_many_columns", limit=limits.max_columns)
        count += 1
        if count > limits.max_rows:
            raise UnreadableFile("too_many_rows", limit=limits.max_rows)
        yield number, cells


def _header_text(cell: CellValue) -> str | None:
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"  # as Excel displays them
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


# --------------------------------------------------------------------------- cell values


def _clean_datetime(value: dt.datetime) -> dt.date | dt.datetime:
    if value.hour or value.minute or value.second or value.microsecond or value.tzinfo:
        return value
    return value.date()


def _clean_time(value: dt.time) -> str:
    return value.replace(microsecond=0).isoformat()


def _clean_duration(value: dt.timedelta) -> str:
    hours, rest = divmod(round(value.total_seconds()), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _keep(value: CellValue) -> CellValue:
    return value


# For the rarer types; dispatch on the exact type, so that bool is never taken for
# its int base class. Each cleaner takes the type it is filed under, which a dict's
# value type cannot say: hence Any for the argument.
_CLEANERS: dict[type, Callable[[Any], CellValue]] = {
    int: _keep,
    bool: _keep,
    type(None): _keep,
    dt.datetime: _clean_datetime,
    dt.date: _keep,
    dt.time: _clean_time,
    dt.timedelta: _clean_duration,
}


def _clean_other(value: object) -> CellValue:
    return str(value).strip() or None


def _clean_row(values: Sequence[object]) -> Row:
    # The hot loop: once per cell, 1.4 million times for 100,000 rows x 14 columns.
    # Text and numbers, nearly all cells, are handled inline without a call. Every
    # spreadsheet number is a double; is_integer() is False for nan and inf.
    cells: Row = []
    append = cells.append
    for value in values:
        if isinstance(value, str):
            append(value.strip() or None)
        elif isinstance(value, float):
            append(int(value) if value.is_integer() else value)
        else:
            append(_CLEANERS.get(type(value), _clean_other)(value))
    while cells and cells[-1] is None:
        cells.pop()
    return cells


# --------------------------------------------------------------------------- .xlsx


def _xlsx_rows(payload: bytes, filename: str, limits: ReadLimits) -> Iterator[NumberedRow]:
    report = safety.inspect_xlsx(
        payload,
        filename,
        max_uncompressed_bytes=limits.max_uncompressed_bytes,
        max_compression_ratio=limits.max_compression_ratio,
    )
    # calamine sizes its grid from the cells actually present (a declared <dimension>
    # is ignored) and its string table from the announced count: both must be known
    # to be small before it may run.
    if report.fits_calamine(CALAMINE_MAX_CELLS):
        return _calamine_rows(payload)
    return _openpyxl_rows(payload)


def _calamine_rows(payload: bytes) -> Iterator[NumberedRow]:
    sheet = _calamine_first_sheet(payload)
    if sheet.start is None:
        return
    # python-calamine 0.9 iter_rows() starts at spreadsheet row 1 (empty rows above the
    # data included) but at the first used column; the other readers start at column A.
    # Both facts are pinned by the tests on sheets with leading empty rows and columns.
    padding: Row = [None] * sheet.start[1]
    for number, values in enumerate(sheet.iter_rows(), start=1):
        # Error cells come out as "" and so read as empty, like in the other readers.
        cells = _clean_row(values)
        if cells:
            yield number, padding + cells if padding else cells


def _calamine_first_sheet(payload: bytes) -> python_calamine.CalamineSheet:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(payload))
        index = next(
            (
                position
                for position, meta in enumerate(workbook.sheets_metadata)
                if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            ),
            None,
        )
        if index is None:
            raise UnreadableFile("empty")
        return workbook.get_sheet_by_index(index)
    except python_calamine.PasswordError as exc:
        raise UnreadableFile("encrypted") from exc
    except UnreadableFile:
        raise
    except BaseException as exc:
        # Besides CalamineError, pyo3 turns Rust panics into PanicException, which
        # derives from BaseException; anything else is not ours to swallow.
        if isinstance(exc, Exception) or type(exc).__name__ == "PanicException":
            raise UnreadableFile("truncated") from exc
        raise


def _openpyxl_rows(payload: bytes) -> Iterator[NumberedRow]:
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(payload), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # whatever openpyxl trips over is a damaged file to the user
        raise UnreadableFile("truncated") from exc
    try:
        if not workbook.worksheets:
            raise UnreadableFile("empty")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # never trust <dimension>
        for number, values in _openpyxl_values(sheet):
            yield number, _clean_row(values)
    finally:
        workbook.close()


def _openpyxl_values(sheet: Worksheet) -> Iterator[tuple[int, list[object]]]:
    try:
        # iter_rows() yields one row per spreadsheet row from row 1, gaps included as
        # empty tuples; a hostile sheet has a million of those, so they are dropped here.
        for number, row in enumerate(sheet.iter_rows(), start=1):
            if row:
                yield number, [None if cell.data_type == "e" else cell.value for cell in row]
    except Exception as exc:
        raise UnreadableFile("truncated") from exc


# --------------------------------------------------------------------------- .xls


def _xls_rows(payload: bytes) -> Iterator[NumberedRow]:
    book, sheet = _xls_first_sheet(payload)
    try:
        for index in range(sheet.nrows):
            types = sheet.row_types(index)
            values = sheet.row_values(index)
            cells = _clean_row(
                [
                    _xls_value(kind, value, book.datemode)
                    for kind, value in zip(types, values, strict=True)
                ]
            )
            if cells:
                yield index + 1, cells
    finally:
        book.release_resources()


def _xls_first_sheet(payload: bytes) -> tuple[xlrd.book.Book, xlrd.sheet.Sheet]:
    try:
        book = xlrd.open_workbook(
            file_contents=payload,
            on_demand=True,
            ragged_rows=True,  # rows as long as their last cell, not as the widest row
            logfile=safety.NULL_LOG,
        )
        if book.nsheets == 0:
            raise UnreadableFile("empty")
        return book, book.sheet_by_index(0)
    except UnreadableFile:
        raise
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():  # a FILEPASS record: password to open
            raise UnreadableFile("encrypted") from exc
        raise UnreadableFile("truncated") from exc
    except Exception as exc:  # xlrd raises anything from struct.error to IndexError
        raise UnreadableFile("truncated") from exc


def _xls_value(kind: int, value: object, datemode: int) -> object:
    if kind == xlrd.XL_CELL_NUMBER or kind == xlrd.XL_CELL_TEXT:
        return value
    if kind == xlrd.XL_CELL_DATE:
        assert isinstance(value, float)  # xlrd gives a date cell as its serial number
        return _xls_date(value, datemode)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    return None  # empty, blank, and error cells (whose value is an error code)


def _xls_date(serial: float, datemode: int) -> object:
    try:
        moment = xlrd.xldate.xldate_as_datetime(serial, datemode)
    except (xlrd.xldate.XLDateError, ValueError, OverflowError):
        return serial  # not a representable date: keep the number
    # Serial numbers below 1 carry no date, only a time of day (calamine agrees).
    return moment.time() if 0 <= serial < 1 else moment


# --------------------------------------------------------------------------- .csv


def _csv_rows(payload: bytes) -> Iterator[NumberedRow]:
    _require_utf8(payload)
    head = payload[: _CSV_SNIFF_CHARS * 4].decode("utf-8-sig", errors="ignore")
    delimiter = _sniff_delimiter(head[:_CSV_SNIFF_CHARS])
    text = io.TextIOWrapper(io.BytesIO(payload), encoding="utf-8-sig", newline="")
    return _csv_records(text, delimiter)


def _csv_records(text: io.TextIOWrapper, delimiter: str) -> Iterator[NumberedRow]:
    number = 0
    reader = csv.reader(text, delimiter=delimiter)
    try:
        # Numbered by record, as Excel shows a CSV: a quoted value spanning several
        # lines still makes one row.
        for number, fields in enumerate(reader, start=1):
            cells: Row = [field.strip() or None for field in fields]
            while cells and cells[-1] is None:
                cells.pop()
            yield number, cells
    except csv.Error as exc:  # a field over the csv module's size limit, ...
        raise UnreadableFile("malformed_csv", row=number + 1) from exc


def _require_utf8(payload: bytes) -> None:
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("not_utf8")  # Excel's "Unicode text" export
    if b"\x00" in payload[:8192]:
        raise UnreadableFile("not_a_spreadsheet")  # binary content named .csv
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # Checked up front, in steps, so a bad byte near the end is reported before
        # anything is imported and without holding a decoded copy of the whole file.
        for start in range(0, len(payload), _UTF8_CHECK_STEP):
            decoder.decode(payload[start : start + _UTF8_CHECK_STEP])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise UnreadableFile("not_utf8") from exc


def _sniff_delimiter(head: str) -> str:
    """The delimiter that splits the first line with content into the most fields.

    csv.Sniffer guesses from character frequencies over several lines and is easily
    fooled by commas in addresses or decimal numbers; the header line is what counts.
    Each candidate is tried with the csv module itself, so quoted delimiters are not
    counted. Lines holding only delimiters and blanks (Excel writes ``;;;`` for empty
    rows) are skipped. Ties go to the comma.
    """
    widths = {delimiter: _first_record_width(head, delimiter) for delimiter in _CSV_DELIMITERS}
    if not any(widths.values()):
        # Nothing but empty rows: the most frequent candidate makes them read as empty.
        return max(_CSV_DELIMITERS, key=head.count)
    return max(_CSV_DELIMITERS, key=widths.__getitem__)


def _first_record_width(head: str, delimiter: str) -> int:
    try:
        for fields in csv.reader(io.StringIO(head), delimiter=delimiter):
            if any(field.strip(_CSV_BLANK) for field in fields):
                return len(fields)
    except csv.Error:
        pass  # the real reader reports it, with a row number
    return 0
