"""Custom fields through the import pages and the CLI: fields defined in the admin, the
template and exports (web and ``flask iris export``), preview lines, row errors,
confirming, and the round trip export → import = no changes for every type."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.importing.store import iter_rows
from iris_admin.models import Customer, ImportRun
from tests.conftest import Client
from tests.factories import make_customer
from tests.import_files import HEADERS
from tests.web.test_import_pages import run_id_of, text, upload

FIELDS = [
    {"label": "Account manager", "field_type": "text"},
    {"label": "Notes", "field_type": "long_text"},
    {"label": "Employees", "field_type": "number"},
    {"label": "Contract end", "field_type": "date"},
    {"label": "Newsletter", "field_type": "bool"},
    {"label": "Segment", "field_type": "choice", "options_text": "Gold\nSilver\nBronze"},
]
LABELS = [f["label"] for f in FIELDS]
VALUES = {
    "C1": {
        "account_manager": "Eva de Vries",
        "notes": "- back door\n- ring twice",
        "employees": 1234.5,
        "contract_end": "2027-03-31",
        "newsletter": False,
        "segment": "Silver",
    },
    "C2": {
        "account_manager": '=HYPERLINK("x")',
        "notes": "0042",
        "employees": -5,
        "contract_end": "2026-01-31",
        "newsletter": True,
        "segment": "Gold",
    },
    "C3": {},
}


def define_fields(client: Client, *, required: tuple[str, ...] = ()) -> None:
    """Through the admin's custom field form, as an admin does it."""
    for order, values in enumerate(FIELDS):
        data = {
            "key": "",
            "options_text": "",
            "help_text": "",
            "sort_order": str(order),
            "active": "y",
            **values,
        }
        if values["label"] in required:
            data["required"] = "y"
        response = client.post("/admin/customfield/new/", data)
        assert response.status_code == 302, text(response)


@pytest.fixture
def fields(admin_client: Client) -> Client:
    define_fields(admin_client)
    return admin_client


def with_values() -> None:
    for code, values in VALUES.items():
        customer = make_customer(f"Customer {code}", code=code)
        customer.custom_values = dict(values)
    db_session().commit()


def stored() -> dict[str, dict]:
    session = db_session()
    session.expire_all()
    return {c.code: c.custom_values for c in session.scalars(select(Customer))}


def book_of(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def sheet_file(rows: list[list], header: list[str]) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(header)
    for values in rows:
        book.active.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_of(run_id: int) -> ImportRun:
    session = db_session()
    session.expire_all()
    return session.get(ImportRun, run_id)


# -- template and exports ------------------------------------------------------------------
def test_the_template_download_has_the_custom_columns_explained(fields):
    book = book_of(fields.get("/admin/import/template.xlsx"))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADERS + LABELS
    explained = {
        r[0]: r for r in book["Explanation"].iter_rows(min_row=2, values_only=True) if r[0]
    }
    assert "type Choice" in explained["Segment"][2]
    assert "Gold, Silver, Bronze" in explained["Segment"][2]
    assert "type Yes/no" in explained["Newsletter"][2]
    assert "type Number" in explained["Employees"][2]
    validations = {
        str(v.sqref).split(":")[0]: v.formula1
        for v in book.worksheets[0].data_validations.dataValidation
    }
    assert validations["S2"] == '"yes,no"' and validations["T2"] == "Lists!$B$1:$B$3"


def test_web_exports_have_the_custom_columns(fields):
    with_values()
    sheet = book_of(fields.get("/admin/import/export.xlsx")).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS + LABELS
    by_code = {r[0]: list(r[14:]) for r in rows[1:]}
    assert by_code["C1"] == [
        "Eva de Vries",
        "- back door\n- ring twice",
        1234.5,
        "2027-03-31",
        "no",
        "Silver",
    ]
    assert by_code["C3"] == [None] * 6
    response = fields.get("/admin/import/export.csv")
    records = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert records[0] == HEADERS + LABELS
    by_code = {r[0]: r[14:] for r in records[1:]}
    assert by_code["C2"] == ['\'=HYPERLINK("x")', "0042", "-5", "2026-01-31", "yes", "Gold"]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_through_the_pages_changes_nothing(fields, file_format):
    with_values()
    before = stored()
    exported = fields.get(f"/admin/import/export.{file_format}").data
    run_id = run_id_of(upload(fields, exported, f"customers.{file_format}"))
    run = run_of(run_id)
    assert run.totals == {"unchanged": 3}, text(fields.get(f"/admin/import/{run_id}/?filter=all"))
    page = text(fields.get(f"/admin/import/{run_id}/"))
    assert "3 unchanged" in page and 'id="confirm-button"' not in page
    assert stored() == before


# -- preview, errors, confirm -------------------------------------------------------------------
def test_the_preview_shows_custom_changes_and_confirm_writes_them(fields):
    customer = make_customer("Acme", code="C1")
    customer.custom_values = {"segment": "Gold", "employees": 12, "notes": "kept"}
    db_session().commit()
    data = sheet_file(
        [
            ["C1", "Acme", "Silver", "12", "31-03-2027", "ja"],
            ["C2", "Beta", "bronze", "7", None, None],
        ],
        ["Code", "Name", "segment", "EMPLOYEES", "Contract End", "newsletter"],
    )
    run_id = run_id_of(upload(fields, data))
    page = text(fields.get(f"/admin/import/{run_id}/"))
    assert "1 new" in page and "1 updated" in page
    assert "Segment: Gold → Silver" in page
    assert "Contract end: ∅ → 2027-03-31" in page
    assert "Newsletter: ∅ → yes" in page
    planned = {r.code: r for r in _rows(run_id)}
    assert set(planned["C1"].changes) == {
        "custom:segment",
        "custom:contract_end",
        "custom:newsletter",
    }  # Employees 12 = "12"
    assert "Segment: Bronze" in page and "Employees: 7" in page  # the new customer
    assert stored() == {"C1": {"segment": "Gold", "employees": 12, "notes": "kept"}}

    assert fields.post(f"/admin/import/{run_id}/confirm").status_code == 303
    assert stored() == {
        "C1": {
            "segment": "Silver",
            "employees": 12,
            "notes": "kept",
            "contract_end": "2027-03-31",
            "newsletter": True,
        },
        "C2": {"segment": "Bronze", "employees": 7},
    }
    result = text(fields.get(f"/admin/import/{run_id}/"))
    assert "Segment: Gold → Silver" in result
    details = text(fields.get(f"/admin/customer/details/?id={customer.id}"))
    assert 'id="custom-field-segment"' in details and "Silver" in details


def test_bad_custom_values_are_listed_with_row_column_and_reason(fields):
    data = sheet_file(
        [
            ["Fine", "Gold", "2027-01-01", "3", "yes"],
            ["Bad date", "Gold", "2027-13-01", "3", "yes"],
            ["Bad choice", "Platinum", None, None, None],
            ["Bad number", None, None, "a dozen", None],
            ["Bad yes/no", None, None, None, "perhaps"],
        ],
        ["Name", "Segment", "Contract end", "Employees", "Newsletter"],
    )
    run_id = run_id_of(upload(fields, data))
    assert run_of(run_id).count("error") == 4
    page = text(fields.get(f"/admin/import/{run_id}/?filter=errors"))
    assert 'id="confirm-button"' not in page
    for line in (
        "Contract end: Not a date: 2027-13-01. Use a date like 2026-01-31.",
        "Segment: Unknown choice: Platinum. Choose one of: Gold, Silver, Bronze.",
        "Employees: Not a number: a dozen.",
        "Newsletter: Not yes or no: perhaps. Use yes or no.",
    ):
        assert line in page
    rows = {
        r[0]: r
        for r in book_of(fields.get(f"/admin/import/{run_id}/errors.xlsx")).active.iter_rows(
            min_row=2, values_only=True
        )
    }
    assert rows["Bad choice"][-1].startswith("Segment: Unknown choice: Platinum")
    assert rows["Fine"][-1] is None
    # Each error row carries its spreadsheet row number.
    numbers = [r.row_number for r in _rows(run_id, ("error",))]
    assert numbers == [3, 4, 5, 6]
    assert stored() == {}


def _rows(run_id: int, statuses: tuple[str, ...] | None = None):
    return list(iter_rows(db_session(), run_id, statuses))


def test_a_required_field_defined_in_the_admin_blocks_new_customers_without_it(admin_client):
    define_fields(admin_client, required=("Segment",))
    make_customer("Acme", code="C1", city="Delft")
    data = sheet_file(
        [["C1", "Acme", "Leiden"], ["C2", "New B.V.", None]], ["Code", "Name", "City"]
    )
    run_id = run_id_of(upload(admin_client, data))
    assert run_of(run_id).totals == {"update": 1, "error": 1}
    assert "Segment: Segment is required." in text(
        admin_client.get(f"/admin/import/{run_id}/?filter=errors")
    )


# -- the command line ---------------------------------------------------------------------------
def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["iris", *args])


def test_cli_export_has_the_custom_columns_and_imports_back_unchanged(app, fields, tmp_path):
    with_values()
    before = stored()
    for name in ("out.xlsx", "out.csv"):
        path = tmp_path / name
        result = run_cli(app, "export", str(path))
        assert result.exit_code == 0, result.output
        if name.endswith(".xlsx"):
            rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
            assert list(rows[0]) == HEADERS + LABELS
            assert {r[0]: r[17] for r in rows[1:]} == {
                "C1": "2027-03-31",
                "C2": "2026-01-31",
                "C3": None,
            }
        else:
            records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            assert records[0] == HEADERS + LABELS
        result = run_cli(app, "import", str(path))
        assert result.exit_code == 0, result.output
        assert "0 new, 0 to update, 3 unchanged, 0 with errors" in result.output
        assert "Nothing to change." in result.output
    assert stored() == before


def test_cli_import_reports_custom_row_errors(app, fields, tmp_path):
    path = tmp_path / "in.xlsx"
    path.write_bytes(sheet_file([["C1", "Acme", "Tin"]], ["Code", "Name", "Segment"]))
    result = run_cli(app, "import", str(path))
    assert result.exit_code == 1
    assert "Row 2, Segment ('Tin'): Unknown choice: Tin." in result.output
