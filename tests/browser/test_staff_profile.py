"""A staff member's own profile in a real Chromium: password, name and language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, login_in_browser
from tests.portal_world import EMAILS, build_world

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new staff password"


def test_staff_changes_password_name_and_language_on_the_profile_page(page, server_url):
    build_world()
    login_in_browser(page, server_url, EMAILS["staff"])
    page.locator("#profile-link").click()
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()

    # A wrong current password is refused and says so.
    page.locator("#current_password").fill("not my password")
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#confirm_password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The current password is not correct.")).to_be_visible()

    page.locator("#current_password").fill(PASSWORD)
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#confirm_password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()

    page.locator("#name").fill("Sam Desk-Renamed")
    page.locator("#language").select_option("nl")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your profile was saved.")).to_be_visible()
    expect(page.locator("#profile-link")).to_have_text("Sam Desk-Renamed")
    page.goto(f"{server_url}/admin/customer/")
    expect(page.get_by_text("Filter toevoegen")).to_be_visible()  # Flask-Admin in Dutch

    page.locator("#logout").click()
    login_in_browser(page, server_url, EMAILS["staff"], password=NEW_PASSWORD)
    expect(page).to_have_url(f"{server_url}/admin/customer/")
