"""The import pages through HTTP: upload, preview, confirm, result, downloads, permissions."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.importing import jobs
from iris_admin.importing.store import worker_id
from iris_admin.models import Customer, ImportRun, RunStatus
from tests.factories import make_customer, make_issue
from tests.import_files import csv_bytes, row, stored_plan, xlsx_bytes
from tests.unit import _readers_files as bad


def upload(client, data: bytes, filename: str = "customers.xlsx", mode: str = "add"):
    client.refresh_token("/admin/import/")
    return client.post(
        "/admin/import/",
        {"file": (io.BytesIO(data), filename), "mode": mode},
        content_type="multipart/form-data",
    )


def run_id_of(response) -> int:
    match = re.search(r"/admin/import/(\d+)/", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def customers() -> dict:
    session = db_session()
    session.expire_all()
    return {c.code or c.name: c for c in session.scalars(select(Customer))}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_overview_has_the_import_button(admin_client):
    page = text(admin_client.get("/admin/customer/"))
    assert 'id="import-customers"' in page and "/admin/import/" in page


def test_customer_users_cannot_open_the_import(customer_client, anonymous):
    assert customer_client.get("/admin/import/").status_code == 403
    assert anonymous.get("/admin/import/").status_code == 302
    assert customer_client.get("/admin/import/template.xlsx").status_code == 403


def test_staff_may_import_add_but_not_delete(staff_client):
    page = text(staff_client.get("/admin/import/"))
    assert 'id="mode-add"' in page and 'id="mode-delete"' not in page
    assert (
        upload(staff_client, xlsx_bytes([["A"]], header=["Code"]), mode="delete").status_code == 403
    )
    assert not db_session().scalar(select(func.count()).select_from(ImportRun))


def test_upload_shows_a_preview_and_changes_nothing(admin_client):
    make_customer("Acme", code="C1", city="Delft")
    response = upload(
        admin_client,
        xlsx_bytes(
            [
                row(code="C1", name="Acme", is_business="yes", city="Leiden", status="Active"),
                row(code="C2", name="Beta", email="info@beta.example"),
            ]
        ),
    )
    assert response.status_code == 303
    page = text(admin_client.get(response.headers["Location"]))
    assert "1 new" in page and "1 updated" in page
    assert "City: Delft → Leiden" in page
    assert "Email: info@beta.example" in page
    assert 'id="confirm-button"' in page
    assert set(customers()) == {"C1"} and customers()["C1"].city == "Delft"


def test_confirm_applies_and_shows_the_result_and_history(admin_client, admin_user):
    response = upload(admin_client, xlsx_bytes([row(code="C1", name="Acme")]))
    run_id = run_id_of(response)
    confirmed = admin_client.post(f"/admin/import/{run_id}/confirm")
    assert confirmed.status_code == 303
    page = text(admin_client.get(f"/admin/import/{run_id}/"))
    assert "1 customers added" in page
    assert set(customers()) == {"C1"}
    history = text(admin_client.get("/admin/import/history/"))
    assert "customers.xlsx" in history and admin_user.email in history


def test_confirm_twice_applies_once(admin_client):
    run_id = run_id_of(upload(admin_client, xlsx_bytes([row(code="C1", name="Acme")])))
    admin_client.post(f"/admin/import/{run_id}/confirm")
    admin_client.post(f"/admin/import/{run_id}/confirm")
    assert len(customers()) == 1


def test_confirm_needs_the_csrf_token(admin_client):
    run_id = run_id_of(upload(admin_client, xlsx_bytes([row(code="C1", name="Acme")])))
    assert admin_client.post(f"/admin/import/{run_id}/confirm", csrf=False).status_code == 400
    assert customers() == {}


def test_errors_block_the_import_and_list_row_numbers(admin_client):
    response = upload(
        admin_client,
        xlsx_bytes(
            [
                row(code="OK", name="Fine"),
                row(code="BAD", name="Bad", email="nope"),
            ]
        ),
    )
    run_id = run_id_of(response)
    page = text(admin_client.get(response.headers["Location"]))
    assert 'id="import-has-errors"' in page and 'id="confirm-button"' not in page
    assert re.search(r"<td>3</td>.*?Email: Not a valid e-mail address", page, re.DOTALL)
    assert admin_client.post(f"/admin/import/{run_id}/confirm").status_code == 303
    assert customers() == {}


def test_download_errors_gives_the_uploaded_rows_with_a_problem_column(admin_client):
    data = xlsx_bytes(
        [row(code="0042", name="Fine"), row(code="BAD", name="Bad", email="x")], text_columns=[0]
    )
    run_id = run_id_of(upload(admin_client, data))
    response = admin_client.get(f"/admin/import/{run_id}/errors.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-1] == "Problems in this row"
    assert values[1][0] == "0042" and values[1][-1] is None
    assert values[2][0] == "BAD" and "Email" in values[2][-1]
    # Fixed and uploaded again, the extra column is only a warning.
    sheet.cell(row=3, column=10).value = "bad@example.com"
    fixed = io.BytesIO()
    sheet.parent.save(fixed)
    response = upload(admin_client, fixed.getvalue(), "customers-errors.xlsx")
    page = text(admin_client.get(response.headers["Location"]))
    assert "not known and were ignored: Problems in this row" in page
    assert "2 new" in page and 'id="confirm-button"' in page


def test_preview_is_paged_and_filtered(app, admin_client):
    app.config["IRIS_IMPORT_PAGE_SIZE"] = 10
    rows = [row(code=f"C{i:03}", name=f"Customer {i}") for i in range(35)]
    rows.append(row(code="E", name="Broken", email="nope"))
    run_id = run_id_of(upload(admin_client, xlsx_bytes(rows)))
    page = text(admin_client.get(f"/admin/import/{run_id}/?filter=changes&page=1"))
    assert page.count('class="import-row ') == 10
    assert "Page 2 of 4" in page
    errors = text(admin_client.get(f"/admin/import/{run_id}/?filter=errors"))
    assert errors.count('class="import-row ') == 1 and "Broken" in errors


def test_mode_all_lists_missing_customers_and_downloads_them(admin_client):
    make_customer("Kept", code="K")
    make_customer("Gone", code="G", city="Gouda")
    response = upload(admin_client, xlsx_bytes([row(code="K", name="Kept")]), mode="all")
    run_id = run_id_of(response)
    page = text(admin_client.get(f"/admin/import/{run_id}/?filter=missing"))
    assert "1 not in the file" in page and "Gone" in page
    download = admin_client.get(f"/admin/import/{run_id}/missing.xlsx")
    values = list(
        openpyxl.load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True)
    )
    assert values[0][0] == "Code" and values[1][0] == "G" and values[1][7] == "Gouda"
    admin_client.post(f"/admin/import/{run_id}/confirm")
    assert set(customers()) == {"K", "G"}  # nothing is deleted in mode all


def test_delete_mode_needs_the_typed_number(admin_client):
    make_customer("One", code="D1")
    make_customer("Two", code="D2")
    busy = make_customer("Busy", code="B")
    make_issue(busy)
    run_id = run_id_of(
        upload(admin_client, xlsx_bytes([["D1"], ["D2"], ["B"]], header=["Code"]), mode="delete")
    )
    page = text(admin_client.get(f"/admin/import/{run_id}/"))
    assert "2 to delete" in page and "1 left alone" in page and "issue" in page
    admin_client.post(f"/admin/import/{run_id}/confirm", {"confirm_count": "3"})
    assert set(customers()) == {"D1", "D2", "B"}
    admin_client.post(f"/admin/import/{run_id}/confirm", {"confirm_count": "2"})
    assert set(customers()) == {"B"}


def test_discard_throws_the_preview_away(admin_client):
    run_id = run_id_of(upload(admin_client, xlsx_bytes([row(code="C1", name="Acme")])))
    admin_client.post(f"/admin/import/{run_id}/discard")
    admin_client.post(f"/admin/import/{run_id}/confirm")
    assert customers() == {}
    assert db_session().get(ImportRun, run_id).status == RunStatus.DISCARDED.value


def test_template_download(admin_client):
    response = admin_client.get("/admin/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["Code", "Name"]


def test_export_needs_the_import_permission(app, staff_client):
    app.config["IRIS_PERMISSIONS"] = {
        "staff": ["admin.access", "customers.view", "customers.import_delete"]
    }
    assert staff_client.get("/admin/import/export.xlsx").status_code == 403
    assert staff_client.get("/admin/import/").status_code == 200


# -- bad files: one clear message, nothing changed ------------------------------------------
SHEET = [["Code", "Name"], ["C1", "Acme"]]


def _bad_files():
    plain = bad.openpyxl_xlsx(SHEET)
    return {
        "not a spreadsheet": (
            b"%PDF-1.4 this is not a workbook",
            "customers.xlsx",
            "not an Excel workbook",
        ),
        "renamed csv": (b"Code,Name\nC1,Acme\n", "customers.xlsx", "not an Excel workbook"),
        "truncated": (plain[: len(plain) // 2], "customers.xlsx", "damaged or incomplete"),
        "empty": (b"", "customers.xlsx", "empty"),
        "header only": (
            bad.openpyxl_xlsx([["Code", "Name"]]),
            "customers.xlsx",
            "no customer rows",
        ),
        "macro workbook": (plain, "customers.xlsm", ".xlsm"),
        "xml entities": (
            bad.handmade_xlsx(
                bad.worksheet_xml(
                    '<row r="1">' + bad.inline_string_cell("A1", "Code") + "</row>",
                    prolog=bad.BILLION_LAUGHS,
                )
            ),
            "customers.xlsx",
            "entity",
        ),
        "zip bomb": (
            bad.zeros_bomb("xl/worksheets/sheet1.xml", 400 * 1024 * 1024),
            "customers.xlsx",
            "unpacks to far more data",
        ),
        "password": (bad.encrypted_xlsx(plain), "customers.xlsx", "password"),
    }


@pytest.mark.parametrize("kind", list(_bad_files()))
def test_bad_files_are_refused_with_one_clear_message(admin_client, kind):
    make_customer("Acme", code="C1", city="Delft")
    data, filename, message = _bad_files()[kind]
    response = upload(admin_client, data, filename, mode="all")
    page = text(admin_client.get(response.headers["Location"], follow_redirects=True))
    assert 'id="import-failed"' in page, page[:2000]
    assert message in page
    assert 'id="confirm-button"' not in page and "not in the file" not in page
    assert customers()["C1"].city == "Delft" and len(customers()) == 1


def test_a_declared_dimension_is_not_trusted(admin_client):
    rows = [["Code", "Name"]] + [[f"C{i}", f"Customer {i}"] for i in range(27)]
    data = bad.set_dimension(bad.openpyxl_xlsx(rows), "A1:XFD1048576")
    page = text(admin_client.get(upload(admin_client, data).headers["Location"]))
    assert "27 new" in page


def test_uploads_above_the_limit_are_refused_before_reading(app, admin_client):
    app.config["IRIS_IMPORT_MAX_BYTES"] = 1000
    response = upload(
        admin_client, xlsx_bytes([row(code=f"C{i}", name="x" * 50) for i in range(200)])
    )
    assert response.status_code == 303
    page = text(admin_client.get("/admin/import/"))
    assert "larger than the maximum" in page
    assert not db_session().scalar(select(func.count()).select_from(ImportRun))


def test_csv_upload_semicolons_and_bom(admin_client):
    data = csv_bytes(
        [row(code="0042", name="Café Zoë", telephone="'+31 6 12345678")], delimiter=";"
    )
    run_id = run_id_of(upload(admin_client, data, "klanten.csv"))
    admin_client.post(f"/admin/import/{run_id}/confirm")
    customer = customers()["0042"]
    assert customer.name == "Café Zoë" and customer.telephone == "+31 6 12345678"


# -- background runs ----------------------------------------------------------------------------
def test_big_files_run_in_the_background_with_progress(app, admin_client):
    app.config["IRIS_IMPORT_BACKGROUND_ROWS"] = 5
    app.config["IRIS_IMPORT_BATCH_SIZE"] = 3
    response = upload(
        admin_client, xlsx_bytes([row(code=f"C{i}", name=f"N {i}") for i in range(12)])
    )
    run_id = run_id_of(response)
    jobs.wait_for(run_id, 60)
    progress = admin_client.get(f"/admin/import/{run_id}/progress").get_json()
    assert progress["finished"] and progress["status"] == "ready"
    page = text(admin_client.get(f"/admin/import/{run_id}/"))
    assert "12 new" in page
    admin_client.post(f"/admin/import/{run_id}/confirm")
    jobs.wait_for(run_id, 60)
    db_session().expire_all()
    assert db_session().get(ImportRun, run_id).status == RunStatus.APPLIED.value
    assert "12 customers added" in text(admin_client.get(f"/admin/import/{run_id}/"))
    assert len(customers()) == 12


def test_a_running_import_shows_a_progress_page(admin_client, admin_user):
    session = db_session()
    run = ImportRun(
        mode="add",
        file_name="big.xlsx",
        status=RunStatus.PLANNING.value,
        phase="planning",
        progress_done=4000,
        progress_total=10000,
        user_id=admin_user.id,
        totals={},
        file_errors=[],
        warnings=[],
        header=[],
        columns={},
    )
    session.add(run)
    session.commit()
    page = text(admin_client.get(f"/admin/import/{run.id}/"))
    assert 'id="import-progress"' in page and "40%" in page
    assert admin_client.get(f"/admin/import/{run.id}/progress").get_json()["percent"] == 40


def test_a_run_whose_worker_died_is_marked_failed(admin_client):
    session = db_session()
    run = ImportRun(
        mode="add",
        file_name="big.xlsx",
        status=RunStatus.APPLYING.value,
        worker=f"{worker_id().rpartition(':')[0]}:999999999",
        totals={},
        file_errors=[],
        warnings=[],
        header=[],
        columns={},
    )
    session.add(run)
    session.commit()
    page = text(admin_client.get(f"/admin/import/{run.id}/"))
    assert "stopped unexpectedly" in page
    session.refresh(run)
    assert run.status == RunStatus.FAILED.value


def test_delete_runs_need_the_delete_permission(staff_client):
    make_customer("D", code="D")
    run, _ = stored_plan(xlsx_bytes([["D"]], header=["Code"]), mode="delete")
    assert staff_client.get(f"/admin/import/{run.id}/").status_code == 403
    assert (
        staff_client.post(f"/admin/import/{run.id}/confirm", {"confirm_count": "1"}).status_code
        == 403
    )
    assert set(customers()) == {"D"}
