"""The customers overview in a real browser: search, sorting, paging, filters, row links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from iris_admin.customers import default_status
from iris_admin.extension import db_session
from iris_admin.models import CustomerStatus
from tests.browser.helpers import click_when_loaded, names_in_list
from tests.factories import make_customer

pytestmark = pytest.mark.browser


def search_for(page: Page, text: str) -> None:
    box = page.get_by_placeholder("Name, code, e-mail, phone")
    box.fill(text)
    box.press("Enter")


def choose_filter_value(page: Page, label: str, value: str) -> None:
    """Flask-Admin turns a filter's value list into a Select2 picker."""
    page.locator(".filters tr", has_text=label).locator(".select2-container.filter-val").click()
    page.locator(".select2-drop-active .select2-result-label", has_text=value).click()


def test_search_finds_customers_by_every_field_ignoring_case_and_by_part_of_a_word(
    admin_page: Page, server_url: str
) -> None:
    make_customer(
        "Tulip Dental B.V.",
        code="TD-100",
        email="desk@tulipdental.example",
        telephone="+31 20 555 1234",
        mobile="+31 6 12345678",
        street="Keizersgracht 12",
        postal_code="1015 CJ",
        city="Amsterdam",
    )
    make_customer(
        "Harbour Logistics",
        code="HL-200",
        email="office@harbour.example",
        telephone="+31 10 777 8888",
        street="Havenkade 3",
        postal_code="3011 AA",
        city="Rotterdam",
    )
    make_customer(
        "Jan Jansen",
        is_business=False,
        first_name="Jan",
        last_name="Jansen",
        code="P-300",
        city="Utrecht",
    )
    admin_page.goto(f"{server_url}/admin/customer/")
    expect(names_in_list(admin_page)).to_have_count(3)

    searches = {
        "tulip": ["Tulip Dental B.V."],  # part of the name, other case
        "LOGIST": ["Harbour Logistics"],  # part of a word, upper case
        "hl-2": ["Harbour Logistics"],  # code
        "DESK@TULIP": ["Tulip Dental B.V."],  # e-mail
        "555 1234": ["Tulip Dental B.V."],  # telephone as stored
        "0612345678": ["Tulip Dental B.V."],  # mobile as typed nationally
        "keizers": ["Tulip Dental B.V."],  # street
        "3011": ["Harbour Logistics"],  # postal code
        "utrecht": ["Jan Jansen"],  # city
        # 1-2 characters cannot use the trigram index: names starting with them.
        "h": ["Harbour Logistics"],
    }
    for text, expected in searches.items():
        search_for(admin_page, text)
        expect(names_in_list(admin_page), f"search {text!r}").to_have_text(expected)

    search_for(admin_page, "no such customer anywhere")
    expect(names_in_list(admin_page)).to_have_count(0)
    expect(admin_page.locator("table.model-list")).to_contain_text("There are no items")


def test_name_and_code_headers_sort_ascending_then_descending(
    admin_page: Page, server_url: str
) -> None:
    # Names and codes in different orders, so each sort gives its own order.
    make_customer("Bravo Bakery", code="C-3")
    make_customer("alpha Architects", code="C-2")
    make_customer("Charlie Cleaning", code="C-1")
    by_name = ["alpha Architects", "Bravo Bakery", "Charlie Cleaning"]
    by_code = ["Charlie Cleaning", "alpha Architects", "Bravo Bakery"]
    admin_page.goto(f"{server_url}/admin/customer/")
    names = names_in_list(admin_page)
    header = admin_page.locator("table.model-list thead")

    expect(names, "default: ascending by name").to_have_text(by_name)

    header.get_by_role("link", name="Name").click()
    expect(names, "Name once: ascending").to_have_text(by_name)
    expect(header.locator("th.col-name .fa-chevron-up")).to_be_visible()
    header.get_by_role("link", name="Name").click()
    expect(names, "Name twice: descending").to_have_text(by_name[::-1])
    expect(header.locator("th.col-name .fa-chevron-down")).to_be_visible()

    header.get_by_role("link", name="Code").click()
    expect(names, "Code once: ascending").to_have_text(by_code)
    expect(admin_page.locator("td.col-code")).to_have_text(["C-1", "C-2", "C-3"])
    header.get_by_role("link", name="Code").click()
    expect(names, "Code twice: descending").to_have_text(by_code[::-1])
    expect(admin_page.locator("td.col-code")).to_have_text(["C-3", "C-2", "C-1"])


def test_overview_pages_through_the_customers(admin_page: Page, server_url: str) -> None:
    for number in range(1, 26):
        make_customer(f"Customer {number:02d}", commit=False)
    db_session().commit()
    admin_page.goto(f"{server_url}/admin/customer/")
    names = names_in_list(admin_page)
    expect(names).to_have_count(20)
    expect(names.first).to_have_text("Customer 01")
    expect(admin_page.get_by_text("25 customers")).to_be_visible()

    pager = admin_page.locator(".pagination")
    pager.get_by_role("link", name="2", exact=True).click()
    expect(names).to_have_text([f"Customer {n}" for n in range(21, 26)])

    pager.get_by_role("link", name="1", exact=True).click()
    expect(names).to_have_count(20)
    expect(names.first).to_have_text("Customer 01")


def test_overview_shows_the_columns_and_links_to_the_customer_page(
    admin_page: Page, server_url: str
) -> None:
    head_office = make_customer("Head Office B.V.", code="HO")
    make_customer(
        "Branch Utrecht",
        code="BU",
        street="Oudegracht 1",
        postal_code="3511 AA",
        city="Utrecht",
        email="utrecht@branch.example",
        telephone="+31 30 123 4567",
        mobile="+31 6 87654321",
        default_payer=head_office,
    )
    admin_page.goto(f"{server_url}/admin/customer/")
    headers = admin_page.locator("table.model-list thead th.column-header")
    expect(headers).to_have_text(
        ["Name", "Code", "Address", "Email", "Telephone", "Mobile phone", "Default payer", "Status"]
    )
    row = admin_page.locator("table.model-list tbody tr", has_text="Branch Utrecht")
    expect(row.locator("td.col-address")).to_have_text("Oudegracht 1, 3511 AA Utrecht")
    expect(row.locator("td.col-default_payer")).to_have_text("Head Office B.V. (HO)")
    expect(row.locator("td.col-status")).to_have_text("Active")

    row.get_by_role("link", name="Branch Utrecht").click()
    expect(admin_page.locator("#customer-info")).to_contain_text("Oudegracht 1")
    expect(admin_page.locator("#customer-info")).to_contain_text("+31 6 87654321")


def test_filters_by_kind_and_status(admin_page: Page, server_url: str) -> None:
    inactive = db_session().query(CustomerStatus).filter_by(name="Inactive").one()
    make_customer("Acme Company", status=default_status(db_session()))
    make_customer("Old Company", status=inactive)
    make_customer("Piet Person", is_business=False, first_name="Piet", last_name="Person")
    admin_page.goto(f"{server_url}/admin/customer/")
    names = names_in_list(admin_page)
    expect(names).to_have_count(3)

    click_when_loaded(admin_page.get_by_role("link", name="Add Filter"))
    admin_page.locator(".field-filters").get_by_role("link", name="Business customer").click()
    choose_filter_value(admin_page, "Business customer", "No")
    admin_page.get_by_role("button", name="Apply").click()
    expect(names).to_have_text(["Piet Person"])

    admin_page.goto(f"{server_url}/admin/customer/")
    click_when_loaded(admin_page.get_by_role("link", name="Add Filter"))
    admin_page.locator(".field-filters").get_by_role("link", name="Status").click()
    choose_filter_value(admin_page, "Status", "Inactive")
    admin_page.get_by_role("button", name="Apply").click()
    expect(names).to_have_text(["Old Company"])
