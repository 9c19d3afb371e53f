"""A custom field in a real browser: define it, find it in the template, import a value
for it, preview, confirm, and see it on the customer page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.models import Customer
from tests.browser.test_import import load, open_import_page, upload
from tests.import_files import HEADERS, xlsx_bytes

pytestmark = pytest.mark.browser


def test_define_a_custom_field_and_import_a_value_for_it(
    admin_page: Page, server_url: str, tmp_path
) -> None:
    admin_page.goto(f"{server_url}/admin/customfield/new/")
    admin_page.get_by_label("Label").fill("Segment")
    admin_page.get_by_label("Type").select_option(label="Choice")
    admin_page.get_by_label("Options").fill("Gold\nSilver\nBronze")
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator("table.model-list")).to_contain_text("Segment")

    open_import_page(admin_page, server_url)
    with admin_page.expect_download() as info:
        admin_page.click("#download-template")
    book = load(info.value.path())
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == [*HEADERS, "Segment"]

    upload(
        admin_page,
        tmp_path,
        xlsx_bytes(
            [["C-7", "Tulip Dental", "yes", "silver"]],
            header=["Code", "Name", "Business customer", "Segment"],
        ),
        "add",
    )
    expect(admin_page.locator("#count-new")).to_have_text("1 new")
    expect(admin_page.locator("#import-rows")).to_contain_text("Segment: Silver")
    admin_page.click("#confirm-button")
    expect(admin_page.locator("#import-applied")).to_contain_text("1 customers added")

    customer_id = db_session().scalar(select(Customer.id).where(Customer.code == "C-7"))
    admin_page.goto(f"{server_url}/admin/customer/details/?id={customer_id}")
    expect(admin_page.locator("#custom-field-segment")).to_have_text("Segment Silver")
