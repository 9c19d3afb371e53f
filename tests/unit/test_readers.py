"""The reading layer of the customer import, on real files built in each test.

xlwt (writes .xls) and msoffcrypto-tool (encrypts .xlsx as Excel does) are test-only
dependencies, installed by the test extras; a missing one fails the tests, never skips them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import resource
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from iris_admin.importing import readers, safety
from iris_admin.importing.readers import ReadLimits, SheetRows, UnreadableFile, open_sheet

from . import _readers_files as files

REPO_ROOT = Path(__file__).resolve().parents[2]
HOSTILE_SECONDS = 5.0
HOSTILE_BYTES = 200 * 1024 * 1024
DEFAULT_LIMITS = ReadLimits()

# One customer list, typed as a user would type it into Excel. Written with an empty
# first row and an empty column A, and an empty row between the two customers.
HEADER = [
    "Code",
    "Name",
    "Zip",
    "Credit",
    "Since",
    "Updated",
    "Active",
    "Remark",
    "Call at",
    "Rate",
]
CUSTOMERS = [
    [
        "0042",
        "  Müller & Söhne GmbH ",
        "01067",
        4711,
        dt.date(2024, 1, 31),
        dt.datetime(2024, 1, 31, 13, 45, 10),
        True,
        None,
        dt.time(12, 30),
        3.5,
    ],
    [
        "0043",
        "Zoë's Café",
        "80331",
        -12,
        dt.date(1999, 12, 31),
        dt.datetime(2000, 2, 29, 23, 59, 59),
        False,
        "VIP",
        dt.time(8, 0, 5),
        0.25,
    ],
]
SHEET = [[], HEADER, CUSTOMERS[0], [], CUSTOMERS[1]]

EXPECTED_HEADER = [None, *HEADER]
EXPECTED_ROWS = [
    (
        3,
        [
            None,
            "0042",
            "Müller & Söhne GmbH",
            "01067",
            4711,
            dt.date(2024, 1, 31),
            dt.datetime(2024, 1, 31, 13, 45, 10),
            True,
            None,
            "12:30:00",
            3.5,
        ],
    ),
    (
        5,
        [
            None,
            "0043",
            "Zoë's Café",
            "80331",
            -12,
            dt.date(1999, 12, 31),
            dt.datetime(2000, 2, 29, 23, 59, 59),
            False,
            "VIP",
            "08:00:05",
            0.25,
        ],
    ),
]


def as_csv_text(value: object) -> str:
    """How Excel writes a typed value into a CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def csv_bytes(rows: list[list[object]], delimiter: str = ",", *, bom: bool = False) -> bytes:
    lines = [
        delimiter.join(as_csv_text(value) for value in [None, *row]) if row else "" for row in rows
    ]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def read_all(sheet: SheetRows) -> list[tuple[int, list[object]]]:
    return list(sheet.rows)


def refused(
    data: bytes,
    filename: str,
    code: str,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> UnreadableFile:
    """Assert that opening and reading the file fails with ``code``, quickly."""
    started = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        read_all(open_sheet(data, filename, limits))
    elapsed = time.monotonic() - started
    assert caught.value.code == code, caught.value
    assert elapsed < HOSTILE_SECONDS
    assert str(caught.value) and str(caught.value)[-1] in ".)"
    return caught.value


def refused_in_bounded_memory(data: bytes, filename: str, code: str) -> None:
    tracemalloc.start()
    try:
        refused(data, filename, code)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < HOSTILE_BYTES


def run_isolated(tmp_path: Path, data: bytes, filename: str) -> dict:
    """Read the file in a fresh interpreter limited to 3 GB of address space.

    calamine failures are process aborts (a Rust allocation failure), not exceptions,
    and its allocations are invisible to tracemalloc: a child process is the honest
    way to check both survival and peak memory.
    """
    path = tmp_path / filename
    path.write_bytes(data)
    script = textwrap.dedent(
        """
        import json, resource, sys, time
        from iris_admin.importing.readers import UnreadableFile, open_sheet

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        result = {}
        try:
            sheet = open_sheet(sys.argv[1], sys.argv[2])
            result["header"] = sheet.header
            result["rows"] = [number for number, _ in sheet.rows]
        except UnreadableFile as exc:
            result["code"] = exc.code
        result["seconds"] = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result["extra_mb"] = (peak - before) / 1024
        print(json.dumps(result))
        """
    )

    def limit_address_space() -> None:
        limit = 3 * 1024**3
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    completed = subprocess.run(
        [sys.executable, "-c", script, str(path), filename],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO_ROOT,
        preexec_fn=limit_address_space,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture
def openpyxl_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route every .xlsx through the streaming openpyxl fallback."""
    monkeypatch.setattr(readers, "CALAMINE_MAX_CELLS", 0)


def require_xlwt() -> None:
    """Fails loudly when the test extras are not installed (never a silent skip)."""
    import xlwt  # noqa: F401  only: is it installed?


# --------------------------------------------------------------------------- same values


def xlsx_via_calamine() -> bytes:
    return files.openpyxl_xlsx(SHEET, first_column=2)


def xls_via_xlrd() -> bytes:
    require_xlwt()
    return files.xlwt_xls(SHEET, first_column=1)


@pytest.mark.parametrize(
    ("build", "filename", "file_format", "fallback"),
    [
        (xlsx_via_calamine, "customers.xlsx", "xlsx", False),
        (xlsx_via_calamine, "customers.xlsx", "xlsx", True),
        (xls_via_xlrd, "customers.xls", "xls", False),
    ],
    ids=["xlsx-calamine", "xlsx-openpyxl", "xls-xlrd"],
)
def test_every_reader_gives_identical_values(
    build: Callable[[], bytes],
    filename: str,
    file_format: str,
    fallback: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if fallback:
        monkeypatch.setattr(readers, "CALAMINE_MAX_CELLS", 0)
    sheet = open_sheet(build(), filename)

    assert sheet.format == file_format
    assert sheet.header == EXPECTED_HEADER
    assert sheet.header_row_number == 2
    rows = read_all(sheet)
    assert rows == EXPECTED_ROWS
    # Equal is not enough: 4711 == 4711.0 and True == 1 in Python.
    assert [[type(cell) for cell in cells] for _, cells in rows] == [
        [type(cell) for cell in cells] for _, cells in EXPECTED_ROWS
    ]


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_gives_the_same_content_as_text(delimiter: str, bom: bool) -> None:
    sheet = open_sheet(csv_bytes(SHEET, delimiter, bom=bom), "customers.csv")

    assert sheet.format == "csv"
    assert sheet.header == EXPECTED_HEADER
    assert sheet.header_row_number == 2
    assert read_all(sheet) == [
        (number, [None if cell is None else as_csv_text(cell) for cell in cells])
        for number, cells in EXPECTED_ROWS
    ]


def test_input_may_be_bytes_a_binary_file_or_a_path(tmp_path: Path) -> None:
    content = xlsx_via_calamine()
    path = tmp_path / "upload.bin"
    path.write_bytes(content)

    for source in (content, io.BytesIO(content), path, str(path)):
        assert read_all(open_sheet(source, "customers.xlsx")) == EXPECTED_ROWS


def test_format_comes_from_the_content_not_the_extension() -> None:
    assert open_sheet(xlsx_via_calamine(), "customers.xls").format == "xlsx"
    assert open_sheet(xlsx_via_calamine(), "customers.csv").format == "xlsx"


# --------------------------------------------------------------------------- xlsx details

FORMULA_SHEET = files.worksheet_xml(
    '<row r="1">'
    + "".join(
        files.inline_string_cell(f"{column}1", title)
        for column, title in zip(
            "ABCDEFG", ["Total", "Label", "Flag", "Error", "Code", "Due", "Third"], strict=True
        )
    )
    + "</row>"
    '<row r="2">'
    '<c r="A2"><f>SUM(2000,2711)</f><v>4711</v></c>'
    '<c r="B2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
    '<c r="C2" t="b"><f>TRUE()</f><v>1</v></c>'
    '<c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    '<c r="E2" t="s"><v>0</v></c>'
    '<c r="F2" s="1"><f>DATE(2024,1,31)</f><v>45322</v></c>'
    '<c r="G2"><f>1/3</f><v>0.33333333333333331</v></c>'
    "</row>"
)
FORMULA_ROW = [4711, "ab", True, None, "0042", dt.date(2024, 1, 31), 1 / 3]


def test_formula_cells_give_their_cached_values() -> None:
    workbook = files.handmade_xlsx(FORMULA_SHEET, shared_strings=["  0042 "])
    sheet = open_sheet(workbook, "formulas.xlsx")

    assert sheet.header == ["Total", "Label", "Flag", "Error", "Code", "Due", "Third"]
    assert read_all(sheet) == [(2, FORMULA_ROW)]


@pytest.mark.usefixtures("openpyxl_only")
def test_formula_cells_give_their_cached_values_through_openpyxl_too() -> None:
    workbook = files.handmade_xlsx(FORMULA_SHEET, shared_strings=["  0042 "])

    assert read_all(open_sheet(workbook, "formulas.xlsx")) == [(2, FORMULA_ROW)]


def test_cells_without_references_are_read_by_position() -> None:
    # Some writers omit r="A1"; calamine would then size its grid blindly, so these
    # files take the streaming path, with the same result.
    sheet_xml = files.worksheet_xml(
        '<row r="1"><c t="inlineStr"><is><t>Code</t></is></c>'
        '<c t="inlineStr"><is><t>Name</t></is></c></row>'
        '<row r="3"><c><v>42</v></c><c r="C3" t="inlineStr"><is><t>x</t></is></c>'
        "<c><v>7</v></c></row>"
    )
    workbook = files.handmade_xlsx(sheet_xml)
    assert not safety.inspect_xlsx(
        workbook, "x.xlsx", max_uncompressed_bytes=10**9, max_compression_ratio=200
    ).cells_located

    sheet = open_sheet(workbook, "x.xlsx")

    assert sheet.header == ["Code", "Name"]
    assert read_all(sheet) == [(3, [42, None, "x", 7])]


def test_namespace_prefixed_cells_are_read() -> None:
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<x:worksheet xmlns:x="{files.MAIN_NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Code</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2"><x:v>4711</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    sheet = open_sheet(files.handmade_xlsx(sheet_xml), "prefixed.xlsx")

    assert sheet.header == ["Code"]
    assert read_all(sheet) == [(2, [4711])]


def test_a_huge_declared_dimension_is_not_trusted(tmp_path: Path) -> None:
    rows = [["Code", "Name"]] + [[f"{index:04d}", f"Customer {index}"] for index in range(26)]
    workbook = files.set_dimension(files.openpyxl_xlsx(rows), "A1:XFD1048576")

    result = run_isolated(tmp_path, workbook, "dimension.xlsx")

    assert result["header"] == ["Code", "Name"]
    assert result["rows"] == list(range(2, 28))
    assert result["seconds"] < HOSTILE_SECONDS
    assert result["extra_mb"] < 100


def test_a_far_away_cell_does_not_make_calamine_allocate_the_rectangle(tmp_path: Path) -> None:
    # One cell in A1 and one in XFD1048576: calamine alone would ask for 16384 x 1048576
    # cells of 32 bytes and abort the whole process.
    sheet_xml = files.worksheet_xml(
        '<row r="1">' + files.inline_string_cell("A1", "Code") + "</row>"
        '<row r="2"><c r="A2"><v>1</v></c></row>'
        '<row r="1048576">' + files.inline_string_cell("XFD1048576", "boom") + "</row>"
    )

    result = run_isolated(tmp_path, files.handmade_xlsx(sheet_xml), "far.xlsx")

    assert result["code"] == "too_many_columns"
    assert result["seconds"] < HOSTILE_SECONDS
    assert result["extra_mb"] < 200


@pytest.mark.parametrize(
    "shared_strings",
    [
        f'<sst xmlns="{files.MAIN_NS}" uniqueCount="4000000000"><si><t>Code</t></si></sst>',
        f"<x:sst xmlns:x='{files.MAIN_NS}' uniqueCount='4000000000'>"
        "<x:si><x:t>Code</x:t></x:si></x:sst>",
        f'<sst xmlns="{files.MAIN_NS}" uniqueCount="&#52;000000000"><si><t>Code</t></si></sst>',
    ],
    ids=["plain", "prefixed", "character-reference"],
)
def test_an_announced_string_count_is_not_trusted(tmp_path: Path, shared_strings: str) -> None:
    # calamine reserves room for the announced count up front: 96 GB, then an abort.
    sheet_xml = files.worksheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>'
    )
    workbook = files.handmade_xlsx(
        sheet_xml,
        replace_members={
            "xl/sharedStrings.xml": '<?xml version="1.0" encoding="UTF-8"?>\n' + shared_strings
        },
    )

    result = run_isolated(tmp_path, workbook, "strings.xlsx")

    assert result["header"] == ["Code"]
    assert result["rows"] == [2]
    assert result["extra_mb"] < 100


def test_honest_string_counts_keep_the_fast_reader() -> None:
    strings = [f"Customer {index}" for index in range(50)]
    sheet_xml = files.worksheet_xml(
        "".join(f'<row r="{n + 1}"><c r="A{n + 1}" t="s"><v>{n}</v></c></row>' for n in range(50))
    )
    report = safety.inspect_xlsx(
        files.handmade_xlsx(sheet_xml, shared_strings=strings),
        "x.xlsx",
        max_uncompressed_bytes=10**9,
        max_compression_ratio=200,
    )

    assert report.counts_plausible
    assert report.fits_calamine(readers.CALAMINE_MAX_CELLS)


def test_the_extent_scan_finds_the_largest_reference_in_any_order() -> None:
    generator = random.Random(20240131)
    for _ in range(20):
        references = {
            (generator.randint(1, 300_000), generator.randint(1, 700))
            for _ in range(generator.randint(1, 400))
        }
        ordered = sorted(references) if generator.random() < 0.5 else list(references)
        cells = "".join(
            f'<row r="{row}"><c r="{safety.column_letters(column)}{row}"><v>1</v></c></row>'
            for row, column in ordered
        )
        report = safety.inspect_xlsx(
            files.handmade_xlsx(files.worksheet_xml(cells)),
            "x.xlsx",
            max_uncompressed_bytes=10**9,
            max_compression_ratio=200,
        )
        assert report.cells_located
        assert report.max_row == max(row for row, _ in references)
        assert report.max_col == max(column for _, column in references)


def test_error_cells_and_blank_text_read_as_empty() -> None:
    sheet_xml = files.worksheet_xml(
        '<row r="1">' + files.inline_string_cell("A1", "Code") + "</row>"
        '<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>'
        '<row r="3">' + files.inline_string_cell("A3", "   ") + "</row>"
        '<row r="4"><c r="A4" t="s"><v>0</v></c><c r="B4" s="1"/></row>'
        '<row r="5">' + files.inline_string_cell("A5", "last") + "</row>"
    )
    sheet = open_sheet(files.handmade_xlsx(sheet_xml, shared_strings=[""]), "x.xlsx")

    assert read_all(sheet) == [(5, ["last"])]


def test_trailing_empty_columns_are_dropped_but_inner_ones_kept() -> None:
    sheet = open_sheet(b"Code;;Name;;;\n1;;x;;;\n", "x.csv")

    assert sheet.header == ["Code", None, "Name"]
    assert read_all(sheet) == [(2, ["1", None, "x"])]


def test_non_text_header_cells_become_text() -> None:
    workbook = files.openpyxl_xlsx([[2024, 3.5, dt.date(2024, 1, 31), True, "  Name  "], [1]])

    assert open_sheet(workbook, "x.xlsx").header == ["2024", "3.5", "2024-01-31", "TRUE", "Name"]


def test_a_header_without_data_rows_is_not_an_error() -> None:
    sheet = open_sheet(files.openpyxl_xlsx([["Code", "Name"]]), "x.xlsx")

    assert sheet.header == ["Code", "Name"]
    assert read_all(sheet) == []


def test_the_first_worksheet_is_read_when_there_are_several() -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["First"])
    workbook.create_sheet("Other").append(["Second"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert open_sheet(buffer.getvalue(), "x.xlsx").header == ["First"]


# --------------------------------------------------------------------------- csv details


def test_csv_delimiter_is_counted_outside_quotes_in_the_header_line() -> None:
    content = b'"Name, first";"Street, No";City\n"Doe, Jane";"Main St, 1";Berlin\n'
    sheet = open_sheet(content, "x.csv")

    assert sheet.header == ["Name, first", "Street, No", "City"]
    assert read_all(sheet) == [(2, ["Doe, Jane", "Main St, 1", "Berlin"])]


def test_csv_rows_are_numbered_as_excel_shows_them() -> None:
    content = (
        b";;;\r\n"  # what Excel writes for an empty row
        b"Code;Note\r\n"
        b'1;"two\r\nlines"\r\n'
        b"\r\n"
        b" ; \r\n"
        b"2;x\r\n"
    )
    sheet = open_sheet(content, "x.csv")

    assert sheet.header_row_number == 2
    assert read_all(sheet) == [(3, ["1", "two\r\nlines"]), (6, ["2", "x"])]


def test_csv_that_is_not_utf8_is_refused() -> None:
    message = refused("Name;Straße\nMüller;Hauptstraße\n".encode("latin-1"), "x.csv", "not_utf8")
    assert "UTF-8" in str(message)
    refused("Name;Street\n".encode("utf-16"), "x.csv", "not_utf8")


def test_csv_with_a_broken_record_is_refused_while_reading() -> None:
    # The csv module refuses fields over 128 KiB; nothing legitimate gets near that.
    content = b"Code,Name\n" + b"1,x\n" * 5000 + b"2," + b"x" * 200_000 + b"\n"

    refused(content, "x.csv", "malformed_csv")


def test_csv_without_any_content_is_empty() -> None:
    refused(b"\xef\xbb\xbf\r\n ;; \r\n\r\n", "x.csv", "empty")


# --------------------------------------------------------------------------- limits


def test_an_oversized_upload_is_refused_before_it_is_read(tmp_path: Path) -> None:
    limits = ReadLimits(max_bytes=1000)
    content = csv_bytes([["Code"]] + [[f"{index:05d}"] for index in range(500)])
    path = tmp_path / "big.csv"
    path.write_bytes(content)

    class Unreadable(io.BytesIO):
        def read(self, *args: object) -> bytes:  # type: ignore[override]
            raise AssertionError("a seekable upload must be measured, not read")

    for source in (content, path, Unreadable(content)):
        error = refused(source, "big.csv", "too_large", limits)  # type: ignore[arg-type]
        assert error.params == {"limit_mb": f"{1000 / 1024 / 1024:g}"}


def test_rows_beyond_the_limit_are_refused(tmp_path: Path) -> None:
    rows = [["Code"]] + [[f"{index:04d}"] for index in range(5)]
    limits = ReadLimits(max_rows=4)
    builders: list[Callable[[], bytes]] = [
        lambda: files.openpyxl_xlsx(rows),
        lambda: csv_bytes(rows),
    ]
    for build, filename in zip(builders, ["x.xlsx", "x.csv"], strict=True):
        sheet = open_sheet(build(), filename, limits)
        seen = []
        with pytest.raises(UnreadableFile) as caught:
            for number, _ in sheet.rows:
                seen.append(number)
        assert caught.value.code == "too_many_rows"
        assert caught.value.params == {"limit": 4}
        assert len(seen) == 4
    assert len(read_all(open_sheet(csv_bytes(rows), "x.csv", ReadLimits(max_rows=5)))) == 5


def test_columns_beyond_the_limit_are_refused() -> None:
    limits = ReadLimits(max_columns=3)
    refused(b"a,b,c,d\n1,2,3,4\n", "x.csv", "too_many_columns", limits)
    refused(files.openpyxl_xlsx([["a", "b"], [1, 2, 3, 4]]), "x.xlsx", "too_many_columns", limits)
    assert read_all(open_sheet(b"a,b,c,,,\n1,2,3,,\n", "x.csv", limits)) == [(2, ["1", "2", "3"])]


# --------------------------------------------------------------------------- hostile files


def test_empty_files_are_refused() -> None:
    refused(b"", "x.xlsx", "empty")
    refused(b"", "x.csv", "empty")
    refused(files.openpyxl_xlsx([]), "x.xlsx", "empty")


def test_files_that_are_not_spreadsheets_are_refused() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    refused(png, "photo.xlsx", "not_a_spreadsheet")
    refused(png, "photo.csv", "not_a_spreadsheet")
    refused(b"Code;Name\n1;x\n", "customers.txt", "not_a_spreadsheet")
    refused(b"<html><table><tr><td>1</td></tr></table></html>", "export.xls", "not_a_spreadsheet")
    document = files.zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"})
    refused(document, "letter.xlsx", "not_a_spreadsheet")


def test_a_csv_renamed_to_xlsx_is_refused() -> None:
    error = refused(csv_bytes(SHEET), "customers.xlsx", "not_a_spreadsheet")
    assert "not an Excel workbook" in str(error)


def test_other_spreadsheet_formats_are_refused_with_their_name() -> None:
    xlsb = files.zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x83\x01"})
    assert ".xlsb" in str(refused(xlsb, "x.xlsx", "unsupported_format"))
    ods = files.zip_of(
        {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
        zipfile.ZIP_STORED,
    )
    assert ".ods" in str(refused(ods, "x.ods", "unsupported_format"))


def test_truncated_workbooks_are_refused() -> None:
    workbook = xlsx_via_calamine()
    refused(workbook[: len(workbook) // 2], "x.xlsx", "truncated")
    refused(workbook[:-10], "x.xlsx", "truncated")


def test_a_corrupted_member_is_refused() -> None:
    workbook = bytearray(files.openpyxl_xlsx([["Code"]] + [[f"{i:06d}"] for i in range(2000)]))
    start = bytes(workbook).find(b"xl/worksheets/sheet1.xml") + 200
    workbook[start : start + 50] = bytes(50)

    refused(bytes(workbook), "x.xlsx", "truncated")


def test_a_truncated_xls_is_refused() -> None:
    require_xlwt()
    workbook = files.xlwt_xls(SHEET)
    refused(workbook[: len(workbook) // 2], "x.xls", "truncated")


def test_a_password_protected_xlsx_is_refused() -> None:
    import msoffcrypto  # noqa: F401  only: is it installed?

    encrypted = files.encrypted_xlsx(xlsx_via_calamine())
    assert encrypted.startswith(safety.OLE_MAGIC)  # Excel's format: OLE2, not zip

    error = refused(encrypted, "customers.xlsx", "encrypted")
    assert str(error) == (
        "The file is password-protected. Remove the password and upload it again."
    )


def test_a_password_protected_xls_is_refused() -> None:
    require_xlwt()

    refused(files.xls_with_filepass(files.xlwt_xls(SHEET)), "x.xls", "encrypted")


def test_an_ole2_file_without_a_workbook_is_refused() -> None:
    require_xlwt()
    renamed = files.xlwt_xls(SHEET).replace(
        "Workbook".encode("utf-16-le"), "Document".encode("utf-16-le")
    )

    refused(renamed, "x.xls", "not_a_spreadsheet")


@pytest.fixture(scope="module")
def honest_bomb() -> bytes:
    """300 MB of zeros in sheet1.xml, 1.3 MB compressed, sizes declared truthfully."""
    return files.zeros_bomb("xl/worksheets/sheet1.xml", 300 * 1024 * 1024, zip64=False)


def test_a_zip_bomb_is_refused_from_its_central_directory(honest_bomb: bytes) -> None:
    refused_in_bounded_memory(honest_bomb, "bomb.xlsx", "zip_bomb")


def test_a_zip_bomb_lying_about_its_size_is_refused(honest_bomb: bytes) -> None:
    liar = files.lie_about_size(honest_bomb, "xl/worksheets/sheet1.xml", 1000)

    refused_in_bounded_memory(liar, "bomb.xlsx", "zip_bomb")


def test_the_total_uncompressed_size_is_limited() -> None:
    workbook = files.openpyxl_xlsx([["Code"]] + [[f"{i:06d}"] for i in range(2000)])

    refused(workbook, "x.xlsx", "zip_bomb", ReadLimits(max_uncompressed_bytes=50_000))


def test_a_zip_with_too_many_members_is_refused() -> None:
    members = {f"xl/media/{index}.bin": b"" for index in range(safety.MAX_ZIP_MEMBERS + 1)}

    refused(files.zip_of(members, zipfile.ZIP_STORED), "x.xlsx", "zip_bomb")


@pytest.mark.parametrize(
    "member", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"]
)
def test_xml_entity_declarations_are_refused(member: str) -> None:
    workbook = files.handmade_xlsx(
        files.worksheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
        shared_strings=["Code"],
    )

    def add_laughs(content: bytes) -> bytes:
        declaration_end = content.index(b"?>") + 2
        laughs = ("<!-- a comment first -->" + files.BILLION_LAUGHS).encode()
        return content[:declaration_end] + laughs + content[declaration_end:]

    refused(files.rewrite_member(workbook, member, add_laughs), "x.xlsx", "xml_entities")


def test_entity_declarations_in_a_utf16_part_are_refused() -> None:
    sheet_xml = files.worksheet_xml(
        '<row r="1">' + files.inline_string_cell("A1", "&lol9;") + "</row>",
        prolog=files.BILLION_LAUGHS,
    ).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    workbook = files.handmade_xlsx(
        "", replace_members={"xl/worksheets/sheet1.xml": sheet_xml.encode("utf-16")}
    )

    refused(workbook, "x.xlsx", "xml_entities")


def test_billion_laughs_in_the_sheet_is_refused_before_any_expansion() -> None:
    sheet_xml = files.worksheet_xml(
        '<row r="1">' + files.inline_string_cell("A1", "&lol9;") + "</row>",
        prolog=files.BILLION_LAUGHS,
    )

    refused_in_bounded_memory(files.handmade_xlsx(sheet_xml), "x.xlsx", "xml_entities")


def test_macro_enabled_workbooks_are_refused() -> None:
    plain = xlsx_via_calamine()
    refused(plain, "customers.xlsm", "macro_enabled")
    sheet_xml = files.worksheet_xml(
        '<row r="1">' + files.inline_string_cell("A1", "Code") + "</row>"
    )
    by_content_type = files.handmade_xlsx(sheet_xml, workbook_type=files.XLSM_CONTENT_TYPE)
    refused(by_content_type, "customers.xlsx", "macro_enabled")
    with_project = files.handmade_xlsx(sheet_xml, extra_members={"xl/vbaProject.bin": b"\x00" * 64})
    error = refused(with_project, "customers.xlsx", "macro_enabled")
    assert ".xlsx" in str(error)
    xlm = files.handmade_xlsx(sheet_xml, extra_members={"xl/macrosheets/sheet1.xml": "<xm/>"})
    refused(xlm, "customers.xlsx", "macro_enabled")


def test_an_xls_with_a_vba_project_is_refused() -> None:
    require_xlwt()

    refused(files.xls_with_vba_storage(files.xlwt_xls(SHEET)), "x.xls", "macro_enabled")


def test_every_code_has_a_message() -> None:
    for code, template in safety.MESSAGES.items():
        error = UnreadableFile(code, limit=1, limit_mb=1, kind="x", row=1)
        assert error.code == code
        assert str(error) == template.format(limit=1, limit_mb=1, kind="x", row=1)
