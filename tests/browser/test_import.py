"""The import in a real browser: template, upload per mode, preview, confirm, result."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.models import Customer
from tests.factories import make_customer, make_issue
from tests.import_files import row, xlsx_bytes

pytestmark = pytest.mark.browser


def load(path) -> openpyxl.Workbook:
    """A downloaded workbook (Playwright's download file has no extension)."""
    with open(path, "rb") as stream:
        return openpyxl.load_workbook(io.BytesIO(stream.read()))


def codes() -> set[str]:
    session = db_session()
    session.expire_all()
    return {c.code for c in session.scalars(select(Customer))}


def open_import_page(page, server_url):
    page.goto(f"{server_url}/admin/customer/")
    page.get_by_role("link", name="Import customers").click()
    expect(page.locator("#import-upload")).to_be_visible()


def upload(page, tmp_path, data: bytes, mode: str, name: str = "customers.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("#file", str(path))
    page.check(f"#mode-{mode}")
    page.click("#upload-button")


def test_download_the_template(admin_page, server_url):
    open_import_page(admin_page, server_url)
    with admin_page.expect_download() as info:
        admin_page.click("#download-template")
    book = load(info.value.path())
    assert [c.value for c in book.worksheets[0][1]][:3] == ["Code", "Name", "Business customer"]


def test_add_mode_preview_confirm_and_result(admin_page, server_url, tmp_path):
    make_customer("Acme", code="C1", city="Delft")
    open_import_page(admin_page, server_url)
    upload(
        admin_page,
        tmp_path,
        xlsx_bytes(
            [
                row(code="C1", name="Acme", is_business="yes", city="Leiden", status="Active"),
                row(code="C2", name="Beta B.V.", email="info@beta.example"),
            ]
        ),
        "add",
    )
    expect(admin_page.locator("#count-new")).to_have_text("1 new")
    expect(admin_page.locator("#count-update")).to_have_text("1 updated")
    expect(admin_page.get_by_text("City: Delft → Leiden")).to_be_visible()
    assert codes() == {"C1"}
    admin_page.click("#confirm-button")
    expect(admin_page.locator("#import-applied")).to_contain_text("1 customers added, 1 updated")
    assert codes() == {"C1", "C2"}
    admin_page.get_by_role("link", name="Import history").click()
    expect(admin_page.locator("#import-runs")).to_contain_text("customers.xlsx")


def test_errors_are_shown_and_block_the_import(admin_page, server_url, tmp_path):
    open_import_page(admin_page, server_url)
    upload(
        admin_page,
        tmp_path,
        xlsx_bytes([row(code="C1", name="Fine"), row(code="C2", name="Bad", email="nope")]),
        "add",
    )
    expect(admin_page.locator("#import-has-errors")).to_be_visible()
    expect(admin_page.locator("#confirm-button")).to_have_count(0)
    expect(admin_page.locator("#import-rows")).to_contain_text("Not a valid e-mail address")
    with admin_page.expect_download() as info:
        admin_page.click("#download-errors")
    sheet = load(info.value.path()).active
    assert "Email" in sheet.cell(row=3, column=sheet.max_column).value


def test_all_mode_lists_and_downloads_the_missing_customers(admin_page, server_url, tmp_path):
    make_customer("Kept", code="K")
    make_customer("Gone", code="G")
    open_import_page(admin_page, server_url)
    upload(
        admin_page,
        tmp_path,
        xlsx_bytes([row(code="K", name="Kept", is_business="yes", status="Active")]),
        "all",
    )
    expect(admin_page.locator("#count-missing")).to_have_text("1 not in the file")
    admin_page.click("#filter-missing")
    expect(admin_page.locator("#import-rows")).to_contain_text("Gone")
    with admin_page.expect_download() as info:
        admin_page.click("#download-missing")
    values = list(load(info.value.path()).active.iter_rows(values_only=True))
    assert values[1][:2] == ("G", "Gone")
    assert codes() == {"K", "G"}


def test_delete_mode_needs_the_typed_number(admin_page, server_url, tmp_path):
    make_customer("One", code="D1")
    make_customer("Two", code="D2")
    busy = make_customer("Busy", code="B")
    make_issue(busy)
    open_import_page(admin_page, server_url)
    upload(admin_page, tmp_path, xlsx_bytes([["D1"], ["D2"], ["B"]], header=["Code"]), "delete")
    expect(admin_page.locator("#count-delete")).to_have_text("2 to delete")
    expect(admin_page.locator("#count-skip")).to_have_text("1 left alone")
    admin_page.fill("#confirm_count", "3")
    admin_page.click("#confirm-button")
    expect(admin_page.locator(".alert-danger")).to_contain_text(
        "Type the number of customers to delete (2) to confirm."
    )
    assert codes() == {"D1", "D2", "B"}
    admin_page.fill("#confirm_count", "2")
    admin_page.click("#confirm-button")
    expect(admin_page.locator("#import-applied")).to_contain_text("2 customers deleted")
    assert codes() == {"B"}


def test_big_import_shows_a_progress_bar_then_the_result(app, admin_page, server_url, tmp_path):
    app.config["IRIS_IMPORT_BACKGROUND_ROWS"] = 20
    app.config["IRIS_IMPORT_BATCH_SIZE"] = 10
    open_import_page(admin_page, server_url)
    upload(
        admin_page,
        tmp_path,
        xlsx_bytes([row(code=f"C{i:03}", name=f"Customer {i}") for i in range(60)]),
        "add",
    )
    expect(admin_page.locator("#count-new")).to_have_text("60 new", timeout=30_000)
    admin_page.click("#confirm-button")
    expect(admin_page.locator("#import-applied")).to_contain_text(
        "60 customers added", timeout=30_000
    )
    assert len(codes()) == 60
