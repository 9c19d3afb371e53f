"""The customer page in a real browser: contacts, invoice addresses, users, deleting."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from iris_admin.models import Role
from tests.browser.helpers import (
    add_contact,
    add_invoice_address,
    click_when_loaded,
    names_in_list,
    open_modal,
    pick_in_select2,
)
from tests.conftest import make_user
from tests.factories import make_customer, make_issue

pytestmark = pytest.mark.browser


def open_customer(page: Page, server_url: str, customer_id: int) -> None:
    page.goto(f"{server_url}/admin/customer/details/?id={customer_id}")
    expect(page.locator("#customer-info")).to_be_visible()


def confirm_delete(page: Page, message: str) -> None:
    """The small "Please confirm" pop-up every Delete button on the page opens."""
    confirm = page.locator("#modal-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(message)
    page.locator("#confirm-submit").click()


# -- contacts ------------------------------------------------------------------
def test_add_edit_and_delete_a_contact_through_pop_ups(admin_page: Page, server_url: str) -> None:
    customer = make_customer("Tulip Dental")
    open_customer(admin_page, server_url, customer.id)
    contacts = admin_page.locator("#contacts")
    expect(contacts).to_contain_text("No contacts yet.")

    click_when_loaded(admin_page.locator("#add-contact"))
    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Add contact")).to_be_visible()
    modal.get_by_label("Name").fill("Noor Bakker")
    modal.get_by_label("Function").fill("Office manager")
    modal.get_by_label("Email").fill("noor@tulip.example")
    modal.get_by_label("Telephone").fill("020 123 4567")
    modal.get_by_label("Mobile phone").fill("06 12345678")
    modal.get_by_role("button", name="Save").click()

    expect(admin_page.get_by_text("Contact Noor Bakker added.")).to_be_visible()
    row = contacts.locator("tbody tr", has_text="Noor Bakker")
    expect(row.locator("td")).to_have_text(
        [
            "Noor Bakker",
            "Office manager",
            "noor@tulip.example",
            "+31 20 123 4567",
            "+31 6 12345678",
            "Edit Delete",
        ]
    )

    click_when_loaded(row.get_by_role("button", name="Edit"))
    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Edit contact")).to_be_visible()
    expect(modal.get_by_label("Name")).to_have_value("Noor Bakker")
    modal.get_by_label("Function").fill("Director")
    modal.get_by_role("button", name="Save").click()
    expect(admin_page.get_by_text("Contact Noor Bakker saved.")).to_be_visible()
    expect(row).to_contain_text("Director")
    expect(row).not_to_contain_text("Office manager")

    # Cancel in the confirmation keeps the contact.
    click_when_loaded(row.get_by_role("button", name="Delete"))
    expect(admin_page.locator("#modal-confirm")).to_contain_text("Delete contact Noor Bakker?")
    admin_page.locator("#modal-confirm").get_by_role("button", name="Cancel").click()
    expect(admin_page.locator("#modal-confirm")).to_be_hidden()
    expect(row).to_be_visible()

    click_when_loaded(row.get_by_role("button", name="Delete"))
    confirm_delete(admin_page, "Delete contact Noor Bakker?")
    expect(admin_page.get_by_text("Contact Noor Bakker deleted.")).to_be_visible()
    expect(contacts).to_contain_text("No contacts yet.")


def test_contact_with_a_bad_email_reopens_the_pop_up_with_the_error(
    admin_page: Page, server_url: str
) -> None:
    customer = make_customer("Tulip Dental")
    open_customer(admin_page, server_url, customer.id)
    click_when_loaded(admin_page.locator("#add-contact"))
    modal = open_modal(admin_page)
    modal.get_by_label("Name").fill("Noor Bakker")
    modal.get_by_label("Email").fill("noor at tulip")
    modal.get_by_role("button", name="Save").click()

    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Add contact")).to_be_visible()
    expect(modal).to_contain_text("Not a valid e-mail address")
    expect(modal.get_by_label("Name")).to_have_value("Noor Bakker")
    modal.get_by_label("Email").fill("noor@tulip.example")
    modal.get_by_role("button", name="Save").click()
    expect(admin_page.locator("#contacts")).to_contain_text("noor@tulip.example")


# -- invoice addresses -----------------------------------------------------------
def add_address_in_pop_up(page: Page, street: str, city: str, *, default: bool = False) -> None:
    click_when_loaded(page.locator("#add-address"))
    modal = open_modal(page)
    expect(modal.get_by_role("heading", name="Add invoice address")).to_be_visible()
    modal.get_by_label("Attention of").fill("Accounts payable")
    modal.get_by_label("Street").fill(street)
    modal.get_by_label("Postal code").fill("1234 AB")
    modal.get_by_label("City").fill(city)
    modal.get_by_label("Country").select_option(label="Netherlands")
    modal.get_by_label("Invoice e-mail").fill("invoices@tulip.example")
    if default:
        modal.get_by_label("Default invoice address").check()
    modal.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Invoice address added.")).to_be_visible()


def test_add_edit_and_delete_invoice_addresses_and_choose_the_default(
    admin_page: Page, server_url: str
) -> None:
    customer = make_customer("Tulip Dental")
    open_customer(admin_page, server_url, customer.id)
    addresses = admin_page.locator("#invoice-addresses")
    expect(addresses).to_contain_text("No invoice addresses yet.")
    main_office = addresses.locator("tbody tr", has_text="Kerkstraat 1,")
    branch = addresses.locator("tbody tr", has_text="Havenkade 9,")

    # The first address is the default by itself.
    add_address_in_pop_up(admin_page, "Kerkstraat 1", "Utrecht")
    expect(main_office).to_contain_text("Kerkstraat 1, 1234 AB Utrecht, Netherlands")
    expect(main_office).to_contain_text("invoices@tulip.example")
    expect(main_office).to_contain_text("Default")

    # A new address marked default takes over.
    add_address_in_pop_up(admin_page, "Havenkade 9", "Rotterdam", default=True)
    expect(branch).to_contain_text("Default")
    expect(main_office).not_to_contain_text("Default")

    # Editing the first back to default, and changing its attention line.
    click_when_loaded(main_office.get_by_role("button", name="Edit"))
    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Edit invoice address")).to_be_visible()
    expect(modal.get_by_label("Street")).to_have_value("Kerkstraat 1")
    expect(modal.get_by_label("Country")).to_have_value("NL")
    modal.get_by_label("Attention of").fill("Finance department")
    modal.get_by_label("Default invoice address").check()
    modal.get_by_role("button", name="Save").click()
    expect(admin_page.get_by_text("Invoice address saved.")).to_be_visible()
    expect(main_office).to_contain_text("Finance department")
    expect(main_office).to_contain_text("Default")
    expect(branch).not_to_contain_text("Default")

    # Deleting the default leaves the other one as the default.
    click_when_loaded(main_office.get_by_role("button", name="Delete"))
    confirm_delete(admin_page, "Delete invoice address")
    expect(admin_page.get_by_text("Invoice address deleted.")).to_be_visible()
    expect(main_office).to_have_count(0)
    expect(branch).to_contain_text("Default")


def test_invoice_address_needs_street_and_city(admin_page: Page, server_url: str) -> None:
    customer = make_customer("Tulip Dental")
    open_customer(admin_page, server_url, customer.id)
    click_when_loaded(admin_page.locator("#add-address"))
    modal = open_modal(admin_page)
    modal.get_by_label("Invoice e-mail").fill("not an address")
    modal.get_by_role("button", name="Save").click()

    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Add invoice address")).to_be_visible()
    street = modal.locator(".form-group", has=admin_page.locator("#address-new-street"))
    expect(street).to_contain_text("This field is required")
    expect(modal).to_contain_text("Not a valid e-mail address")
    expect(admin_page.locator("#invoice-addresses")).to_contain_text("No invoice addresses yet.")


# -- customer users ----------------------------------------------------------------
def test_link_a_user_change_its_role_and_remove_it(admin_page: Page, server_url: str) -> None:
    customer = make_customer("Tulip Dental")
    make_user("cora@tulip.example", Role.CUSTOMER.value, "Cora Customer")
    make_user("bert@harbour.example", Role.CUSTOMER.value, "Bert Harbour")
    open_customer(admin_page, server_url, customer.id)
    users = admin_page.locator("#customer-users")
    expect(users).to_contain_text("No customer users yet.")

    click_when_loaded(admin_page.locator("#add-user"))
    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Link a user")).to_be_visible()
    # The picker searches existing accounts by name or e-mail.
    pick_in_select2(admin_page, "user-new-account", "tulip", "Cora Customer")
    modal.get_by_label("Role").select_option(label="Own issues")
    modal.get_by_role("button", name="Save").click()

    expect(admin_page.get_by_text("Cora Customer linked to the customer.")).to_be_visible()
    row = users.locator("tbody tr", has_text="Cora Customer")
    expect(row.locator("td")).to_have_text(
        ["Cora Customer", "cora@tulip.example", "Own issues", "Edit Delete"]
    )

    click_when_loaded(row.get_by_role("button", name="Edit"))
    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Role of Cora Customer")).to_be_visible()
    modal.get_by_label("Role").select_option(label="Customer manager")
    modal.get_by_role("button", name="Save").click()
    expect(admin_page.get_by_text("Role of Cora Customer saved.")).to_be_visible()
    expect(row).to_contain_text("Customer manager")

    click_when_loaded(row.get_by_role("button", name="Delete"))
    confirm_delete(admin_page, "Remove the access of Cora Customer to this customer?")
    expect(
        admin_page.get_by_text("Cora Customer no longer has access to this customer.")
    ).to_be_visible()
    expect(users).to_contain_text("No customer users yet.")
    # The account itself stays in Users.
    admin_page.goto(f"{server_url}/admin/user/")
    expect(admin_page.locator("table.model-list")).to_contain_text("cora@tulip.example")


def test_linking_needs_an_account_and_refuses_a_second_link(
    admin_page: Page, server_url: str
) -> None:
    customer = make_customer("Tulip Dental")
    make_user("cora@tulip.example", Role.CUSTOMER.value, "Cora Customer")
    open_customer(admin_page, server_url, customer.id)

    click_when_loaded(admin_page.locator("#add-user"))
    open_modal(admin_page).get_by_role("button", name="Save").click()
    expect(open_modal(admin_page)).to_contain_text("Pick an existing user account.")

    pick_in_select2(admin_page, "user-new-account", "cora", "Cora Customer")
    open_modal(admin_page).get_by_role("button", name="Save").click()
    expect(admin_page.locator("#customer-users")).to_contain_text("cora@tulip.example")

    click_when_loaded(admin_page.locator("#add-user"))
    pick_in_select2(admin_page, "user-new-account", "cora", "Cora Customer")
    open_modal(admin_page).get_by_role("button", name="Save").click()
    expect(open_modal(admin_page)).to_contain_text("This user is already linked to the customer.")
    expect(admin_page.locator("#customer-users tbody tr")).to_have_count(1)


# -- deleting the customer -----------------------------------------------------------
def test_delete_asks_first_cancel_keeps_and_confirm_removes(
    admin_page: Page, server_url: str
) -> None:
    customer = make_customer("Tulip Dental")
    make_customer("Harbour Travel")
    add_contact(customer, "Noor Bakker")
    add_invoice_address(customer, "Kerkstraat 1", "Utrecht", is_default=True)
    open_customer(admin_page, server_url, customer.id)

    click_when_loaded(admin_page.locator("#delete-customer"))
    modal = admin_page.locator("#modal-delete-customer")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("Delete Tulip Dental? This cannot be undone.")
    expect(modal).to_contain_text("1 contact(s)")
    expect(modal).to_contain_text("1 invoice address(es)")
    admin_page.locator("#cancel-delete-customer").click()
    expect(modal).to_be_hidden()
    expect(admin_page.locator("#customer-info")).to_contain_text("Tulip Dental")
    admin_page.reload()
    expect(admin_page.locator("#customer-info")).to_contain_text("Tulip Dental")

    click_when_loaded(admin_page.locator("#delete-customer"))
    admin_page.locator("#confirm-delete-customer").click()
    expect(admin_page.get_by_text("Customer Tulip Dental deleted.")).to_be_visible()
    expect(names_in_list(admin_page)).to_have_text(["Harbour Travel"])
    response = admin_page.goto(f"{server_url}/admin/customer/details/?id={customer.id}")
    assert response is not None
    expect(admin_page.locator("#customer-info")).to_have_count(0)


def test_delete_is_refused_while_the_customer_has_issues(admin_page: Page, server_url: str) -> None:
    customer = make_customer("Tulip Dental")
    make_issue(customer, "Printer offline")
    open_customer(admin_page, server_url, customer.id)

    click_when_loaded(admin_page.locator("#delete-customer"))
    admin_page.locator("#confirm-delete-customer").click()
    expect(admin_page.get_by_text("Tulip Dental cannot be deleted")).to_be_visible()
    expect(admin_page.get_by_text("it still has 1 issue(s)")).to_be_visible()
    expect(admin_page.locator("#customer-info")).to_contain_text("Tulip Dental")
    admin_page.goto(f"{server_url}/admin/customer/")
    expect(names_in_list(admin_page)).to_have_text(["Tulip Dental"])


def test_delete_is_refused_for_the_default_payer_of_others(
    admin_page: Page, server_url: str
) -> None:
    head_office = make_customer("Head Office")
    make_customer("Branch North", default_payer=head_office)
    open_customer(admin_page, server_url, head_office.id)

    click_when_loaded(admin_page.locator("#delete-customer"))
    admin_page.locator("#confirm-delete-customer").click()
    expect(admin_page.get_by_text("Head Office cannot be deleted")).to_be_visible()
    expect(admin_page.get_by_text("it is the default payer of 1 other customer(s)")).to_be_visible()
    admin_page.goto(f"{server_url}/admin/customer/")
    expect(names_in_list(admin_page)).to_have_text(["Branch North", "Head Office"])
