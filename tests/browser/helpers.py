"""What a person does over and over in the browser tests: pick in a search picker, read rows."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from iris_admin.extension import db_session
from iris_admin.models import Contact, Customer, InvoiceAddress


def click_when_loaded(target: Locator) -> None:
    """Click a button that works through JavaScript (a pop-up, a dropdown, a confirmation).

    The page's scripts sit at the end of the page; on a busy machine a button can be
    visible and clickable before they have run, and such a click does nothing.
    """
    target.page.wait_for_load_state("load")
    target.click()


def pick_in_select2(page: Page, field_id: str, typed: str, choice: str) -> None:
    """Open the Select2 picker of ``field_id``, type ``typed`` and click the matching result."""
    page.locator(f"#s2id_{field_id} .select2-choice").click()
    search = page.locator(".select2-drop-active input.select2-input")
    expect(search).to_be_visible()
    search.press_sequentially(typed)
    page.locator(".select2-drop-active .select2-result-label", has_text=choice).click()
    expect(page.locator(f"#s2id_{field_id} .select2-chosen")).to_contain_text(choice)


def select2_results(page: Page) -> Locator:
    return page.locator(".select2-drop-active .select2-result-label")


def names_in_list(page: Page) -> Locator:
    """The Name cells of the overview, top to bottom."""
    return page.locator("table.model-list tbody td.col-name")


def open_modal(page: Page) -> Locator:
    """The pop-up that is open now (Bootstrap marks it ``.show`` once it is shown)."""
    return page.locator(".modal.show")


def add_contact(customer: Customer, name: str, **values: str) -> Contact:
    contact = Contact(customer=customer, name=name, **values)
    db_session().add(contact)
    db_session().commit()
    return contact


def add_invoice_address(
    customer: Customer, street: str, city: str, **values: object
) -> InvoiceAddress:
    address = InvoiceAddress(customer=customer, street=street, city=city, **values)
    db_session().add(address)
    db_session().commit()
    return address
