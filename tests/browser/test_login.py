"""Logging in and out in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.conftest import login_in_browser

pytestmark = pytest.mark.browser


def test_admin_logs_in_and_lands_on_customers(page, server_url, admin_user):
    login_in_browser(page, server_url, admin_user.email)
    expect(page).to_have_url(f"{server_url}/admin/customer/")
    expect(page.get_by_role("link", name="New customer")).to_be_visible()


def test_wrong_password_shows_a_message(page, server_url, admin_user):
    login_in_browser(page, server_url, admin_user.email, password="wrong password")
    expect(page.get_by_text("Wrong e-mail address or password.")).to_be_visible()


def test_admin_logs_out(admin_page, server_url):
    admin_page.get_by_role("button", name="Log out").click()
    expect(admin_page.get_by_text("You are logged out.")).to_be_visible()
    admin_page.goto(f"{server_url}/admin/customer/")
    expect(admin_page).to_have_url(f"{server_url}/login?next=/admin/customer/?")
