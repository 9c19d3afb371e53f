"""The template and exports: columns, text cells, drop-downs, formula safety, round trip."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from iris_admin.extension import db_session
from iris_admin.importing.results import RowStatus
from iris_admin.importing.template import export_customers, write_template
from tests.factories import make_customer
from tests.import_files import HEADERS, plan_in_memory


def template_book():
    out = io.BytesIO()
    write_template(db_session(), out)
    return out.getvalue(), openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def test_template_has_the_header_and_an_explanation_sheet(app):
    _, book = template_book()
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS
    explanation = book["Explanation"]
    described = [row[0] for row in explanation.iter_rows(min_row=2, values_only=True) if row[0]]
    assert described[:14] == HEADERS
    assert book["Lists"].sheet_state == "hidden"


def test_template_code_and_phone_columns_are_text(app):
    _, book = template_book()
    sheet = book.worksheets[0]
    for letter in ("A", "K", "L"):  # Code, Telephone, Mobile phone
        assert sheet.column_dimensions[letter].number_format == "@"


def test_template_has_drop_downs_for_business_and_status(app):
    _, book = template_book()
    validations = {
        str(v.sqref).split(":")[0]: v.formula1
        for v in book.worksheets[0].data_validations.dataValidation
    }
    assert validations["C2"] == '"yes,no"'
    assert validations["N2"].startswith("Lists!$A$1")
    assert [row[0] for row in book["Lists"].iter_rows(values_only=True)] == ["Active", "Inactive"]


def export(file_format: str) -> bytes:
    out = io.BytesIO()
    export_customers(db_session(), out, file_format)
    return out.getvalue()


def test_xlsx_export_never_writes_formulas(app):
    make_customer(
        '=HYPERLINK("http://evil.example","click")',
        code="=1+1",
        telephone="+31 6 12345678",
        city="@SUM(A1)",
    )
    data = export("xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    row = next(
        iter(
            openpyxl.load_workbook(io.BytesIO(data))
            .worksheets[0]
            .iter_rows(min_row=2, values_only=True)
        )
    )
    assert row[0] == "=1+1" and row[10] == "+31 6 12345678"


def test_csv_export_has_a_bom_and_neutralises_formulas(app):
    make_customer(
        "Café -dash", code="=1+1", telephone="+31 6 12345678", city="@home", street="\tTabbed"
    )
    data = export("csv")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADERS)
    line = text.splitlines()[1]
    assert line.startswith("'=1+1,")
    assert "'+31 6 12345678" in line and "'@home" in line and "Café -dash" in line


def test_round_trip_export_then_import_changes_nothing(app):
    payer = make_customer("Moeder B.V.", code="0001")
    codeless_payer = make_customer("Zonder Code")
    make_customer(
        "Acme",
        code="0042",
        street="Keizersgracht 1",
        postal_code="1015 AB",
        city="Amsterdam",
        country="NL",
        email="info@acme.example",
        telephone="+31 20 123 4567",
        mobile="+31 6 12345678",
        default_payer=payer,
    )
    make_customer(
        "Jan Jansen",
        code="P-7",
        is_business=False,
        first_name="Jan",
        last_name="Jansen",
        default_payer=codeless_payer,
    )
    make_customer("=cmd|' /C calc'!A0", code="+31", city="-5", street="@risk")
    for file_format in ("xlsx", "csv"):
        result, rows = plan_in_memory(export(file_format), f"export.{file_format}", mode="all")
        assert not result.has_errors, [r.messages for r in rows]
        assert {r.status for r in rows} == {RowStatus.UNCHANGED}, [
            (r.code, r.changes) for r in rows if r.status is not RowStatus.UNCHANGED
        ]
        assert result.count(RowStatus.UNCHANGED) == 5
