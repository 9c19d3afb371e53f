"""The customer form in a real browser: person or business, field errors, pickers, inline rows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    add_contact,
    add_invoice_address,
    click_when_loaded,
    names_in_list,
    pick_in_select2,
    select2_results,
)
from tests.factories import make_customer

pytestmark = pytest.mark.browser


def open_new_customer_form(page: Page, server_url: str) -> None:
    page.goto(f"{server_url}/admin/customer/")
    page.locator("#new-customer").click()
    # The form's script switches person and business fields; a click before it has
    # run would meet a hidden "required" company name and submit nothing.
    page.wait_for_load_state("load")
    expect(page.get_by_label("Business customer")).to_be_visible()


def save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


def field_error(page: Page, field_id: str):
    """The error text Flask-Admin shows under a field."""
    return page.locator(
        f".form-group:has(#{field_id}) .invalid-feedback, .form-group:has(#{field_id}) .help-block"
    )


def test_business_check_box_switches_between_company_and_person_fields(
    admin_page: Page, server_url: str
) -> None:
    open_new_customer_form(admin_page, server_url)
    business = admin_page.get_by_label("Business customer")
    expect(business).to_be_checked()
    expect(admin_page.get_by_label("Company name")).to_be_visible()
    expect(admin_page.get_by_label("First name")).to_be_hidden()
    expect(admin_page.get_by_label("Last name")).to_be_hidden()

    business.uncheck()
    expect(admin_page.get_by_label("Company name")).to_be_hidden()
    expect(admin_page.get_by_label("First name")).to_be_visible()
    expect(admin_page.get_by_label("Last name")).to_be_visible()

    business.check()
    expect(admin_page.get_by_label("Company name")).to_be_visible()
    expect(admin_page.get_by_label("First name")).to_be_hidden()


def test_admin_creates_a_business_customer(admin_page: Page, server_url: str) -> None:
    open_new_customer_form(admin_page, server_url)
    admin_page.get_by_label("Company name").fill("Windmill Software B.V.")
    admin_page.locator("#code").fill("  WS-01 ")
    admin_page.get_by_label("Street").fill("Molenweg 5")
    admin_page.get_by_label("Postal code").fill("1234 AB")
    admin_page.get_by_label("City").fill("Zaandam")
    pick_in_select2(admin_page, "country", "nether", "Netherlands")
    admin_page.locator("#email").fill("Info@Windmill.example")
    admin_page.locator("#telephone").fill("+31 75 123 4567")
    admin_page.locator("#mobile").fill("+31 6 11223344")
    save(admin_page)

    expect(admin_page.get_by_text("Record was successfully created.")).to_be_visible()
    row = admin_page.locator("table.model-list tbody tr", has_text="Windmill Software B.V.")
    expect(row.locator("td.col-code")).to_have_text("WS-01")
    expect(row.locator("td.col-address")).to_have_text("Molenweg 5, 1234 AB Zaandam")
    expect(row.locator("td.col-status")).to_have_text("Active")

    row.get_by_role("link", name="Windmill Software B.V.").click()
    info = admin_page.locator("#customer-info")
    expect(info).to_contain_text("Netherlands")
    expect(info).to_contain_text("+31 6 11223344")
    expect(info.locator("tr", has_text="Business customer")).to_contain_text("Yes")
    expect(info.locator("tr", has_text="First name")).to_have_count(0)


def test_admin_creates_a_person(admin_page: Page, server_url: str) -> None:
    open_new_customer_form(admin_page, server_url)
    admin_page.get_by_label("Business customer").uncheck()
    admin_page.get_by_label("First name").fill("Femke")
    admin_page.get_by_label("Last name").fill("de Vries")
    admin_page.get_by_label("City").fill("Leiden")
    admin_page.locator("#mobile").fill("06 12345678")
    save(admin_page)

    expect(admin_page.get_by_text("Record was successfully created.")).to_be_visible()
    expect(names_in_list(admin_page)).to_have_text(["Femke de Vries"])
    admin_page.get_by_role("link", name="Femke de Vries").click()
    info = admin_page.locator("#customer-info")
    expect(info.locator("tr", has_text="First name")).to_contain_text("Femke")
    expect(info.locator("tr", has_text="Last name")).to_contain_text("de Vries")
    expect(info.locator("tr", has_text="Business customer")).to_contain_text("No")


def test_a_person_needs_first_and_last_name(admin_page: Page, server_url: str) -> None:
    open_new_customer_form(admin_page, server_url)
    admin_page.get_by_label("Business customer").uncheck()
    admin_page.get_by_label("First name").fill("Femke")
    save(admin_page)
    expect(field_error(admin_page, "last_name")).to_contain_text(
        "A person needs a first and a last name."
    )
    # The form comes back as a person, with what was typed.
    expect(admin_page.get_by_label("Business customer")).not_to_be_checked()
    expect(admin_page.get_by_label("First name")).to_have_value("Femke")


def test_duplicate_code_gets_a_field_error(admin_page: Page, server_url: str) -> None:
    make_customer("Acme B.V.", code="ACME-1")
    open_new_customer_form(admin_page, server_url)
    admin_page.get_by_label("Company name").fill("Acme Copy")
    admin_page.locator("#code").fill(" acme-1 ")
    save(admin_page)

    expect(field_error(admin_page, "code")).to_contain_text("Another customer already has the code")
    expect(admin_page.locator("#code")).to_have_class("form-control is-invalid")
    admin_page.goto(f"{server_url}/admin/customer/")
    expect(names_in_list(admin_page)).to_have_text(["Acme B.V."])


def test_bad_email_and_phone_numbers_get_clear_field_errors(
    admin_page: Page, server_url: str
) -> None:
    open_new_customer_form(admin_page, server_url)
    admin_page.get_by_label("Company name").fill("Typo Company")
    admin_page.locator("#email").fill("info(at)typo.example")
    admin_page.locator("#telephone").fill("call me")
    admin_page.locator("#mobile").fill("+31 6 123")
    save(admin_page)

    expect(field_error(admin_page, "email")).to_contain_text("Not a valid e-mail address")
    expect(field_error(admin_page, "telephone")).to_contain_text("Not a valid phone number")
    expect(field_error(admin_page, "mobile")).to_contain_text("Not a valid phone number")
    expect(field_error(admin_page, "name")).to_have_count(0)

    admin_page.locator("#email").fill("info@typo.example")
    admin_page.locator("#telephone").fill("020 123 4567")
    admin_page.locator("#mobile").fill("")
    save(admin_page)
    expect(admin_page.get_by_text("Record was successfully created.")).to_be_visible()
    row = admin_page.locator("table.model-list tbody tr", has_text="Typo Company")
    expect(row.locator("td.col-telephone")).to_have_text("+31 20 123 4567")


def test_default_payer_is_picked_by_searching(admin_page: Page, server_url: str) -> None:
    make_customer("Head Office Holding", code="HQ")
    make_customer("Harbour Travel")
    make_customer("Polder Foods")
    open_new_customer_form(admin_page, server_url)
    admin_page.get_by_label("Company name").fill("Branch Office")

    # A search picker: nothing is listed until the user types.
    admin_page.locator("#s2id_default_payer .select2-choice").click()
    expect(admin_page.locator(".select2-drop-active")).to_contain_text("Please enter 1")
    expect(select2_results(admin_page)).to_have_count(0)
    admin_page.locator(".select2-drop-active input.select2-input").press_sequentially("h")
    expect(select2_results(admin_page)).to_have_text(["Harbour Travel", "Head Office Holding (HQ)"])
    admin_page.keyboard.press("Escape")

    pick_in_select2(admin_page, "default_payer", "hq", "Head Office Holding (HQ)")
    save(admin_page)
    row = admin_page.locator("table.model-list tbody tr", has_text="Branch Office")
    expect(row.locator("td.col-default_payer")).to_have_text("Head Office Holding (HQ)")
    row.locator("td.col-default_payer").get_by_role("link").click()
    expect(admin_page.locator("#customer-info")).to_contain_text("Head Office Holding")


def test_edit_form_shows_contacts_and_invoice_addresses_inline_and_saves_them(
    admin_page: Page, server_url: str
) -> None:
    customer = make_customer("Delta Media", code="DM")
    add_contact(customer, "Noor Bakker", function="Planner", email="noor@delta.example")
    add_invoice_address(
        customer, "Kerkstraat 1", "Utrecht", attention="Accounts payable", is_default=True
    )
    admin_page.goto(f"{server_url}/admin/customer/details/?id={customer.id}")
    admin_page.locator("#edit-customer").click()

    expect(admin_page.locator("#contacts-0-name")).to_have_value("Noor Bakker")
    expect(admin_page.locator("#invoice_addresses-0-street")).to_have_value("Kerkstraat 1")
    admin_page.locator("#contacts-0-function").fill("Director")

    click_when_loaded(admin_page.get_by_role("button", name="Add Contact"))
    admin_page.locator("#contacts-1-name").fill("Tim Visser")
    admin_page.locator("#contacts-1-email").fill("tim@delta.example")
    save(admin_page)

    # Back on the customer page the edit came from.
    contacts = admin_page.locator("#contacts")
    expect(contacts.locator("tr", has_text="Noor Bakker")).to_contain_text("Director")
    expect(contacts.locator("tr", has_text="Tim Visser")).to_contain_text("tim@delta.example")
    expect(admin_page.locator("#invoice-addresses")).to_contain_text("Kerkstraat 1")


def test_inline_contact_with_a_bad_email_is_refused(admin_page: Page, server_url: str) -> None:
    customer = make_customer("Delta Media")
    add_contact(customer, "Noor Bakker")
    admin_page.goto(f"{server_url}/admin/customer/edit/?id={customer.id}")
    admin_page.locator("#contacts-0-email").fill("noor at delta")
    save(admin_page)
    expect(field_error(admin_page, "contacts-0-email")).to_contain_text(
        "Not a valid e-mail address"
    )
    admin_page.goto(f"{server_url}/admin/customer/details/?id={customer.id}")
    expect(admin_page.locator("#contacts")).not_to_contain_text("noor at delta")


def test_inline_invoice_address_needs_street_and_city(admin_page: Page, server_url: str) -> None:
    customer = make_customer("Delta Media")
    admin_page.goto(f"{server_url}/admin/customer/edit/?id={customer.id}")
    click_when_loaded(admin_page.get_by_role("button", name="Add Invoice address"))
    new_address = admin_page.locator("#invoice_addresses-0")
    # Labelled like the pop-up on the customer page.
    expect(new_address.locator("label")).to_contain_text(
        [
            "Attention of",
            "Street",
            "Postal code",
            "City",
            "Country",
            "Invoice e-mail",
            "Default invoice address",
        ]
    )
    admin_page.locator("#invoice_addresses-0-attention").fill("Accounts payable")
    save(admin_page)

    # The browser itself refuses to send the form without a street.
    street = admin_page.locator("#invoice_addresses-0-street")
    assert street.evaluate("input => input.validationMessage") != ""
    expect(admin_page).to_have_url(f"{server_url}/admin/customer/edit/?id={customer.id}")
    admin_page.goto(f"{server_url}/admin/customer/details/?id={customer.id}")
    expect(admin_page.locator("#invoice-addresses")).to_contain_text("No invoice addresses yet.")
