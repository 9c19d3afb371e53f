"""Hostile text an admin stored in a custom field's help text never runs as script."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_customer
from tests.security_helpers import HOSTILE_TEXT, hostile_custom_field

pytestmark = pytest.mark.browser


def test_custom_field_help_text_opens_no_dialog_on_the_customer_forms(
    admin_page: Page, server_url: str
) -> None:
    hostile_custom_field()
    customer = make_customer("Dialog B.V.")
    dialogs: list[str] = []
    admin_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in ("/admin/customer/new/", f"/admin/customer/edit/?id={customer.id}"):
        admin_page.goto(server_url + url)
        admin_page.wait_for_load_state("load")
        # Shown as the text it is, under its field; no image element was made of it.
        expect(admin_page.get_by_text(HOSTILE_TEXT)).to_be_visible()
        assert admin_page.locator("img[src='x']").count() == 0
    assert dialogs == []
