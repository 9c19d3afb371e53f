"""View customer issues, and who may open the admin at all, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from iris_admin.models import User
from tests.conftest import login_in_browser
from tests.factories import make_customer, make_issue

pytestmark = pytest.mark.browser


def issue_titles(page: Page):
    return page.locator("table.model-list tbody td.col-title")


def test_view_customer_issues_shows_only_that_customers_issues(
    admin_page: Page, server_url: str
) -> None:
    tulip = make_customer("Tulip Dental")
    harbour = make_customer("Harbour Travel")
    make_issue(tulip, "Printer offline")
    make_issue(tulip, "Invoice not received")
    make_issue(harbour, "Booking needs to be moved")
    admin_page.goto(f"{server_url}/admin/customer/details/?id={tulip.id}")

    admin_page.locator("#view-customer-issues").click()
    expect(issue_titles(admin_page)).to_have_count(2)
    expect(issue_titles(admin_page)).to_contain_text(["Invoice not received", "Printer offline"])
    expect(admin_page.locator("table.model-list tbody td.col-customer")).to_have_text(
        ["Tulip Dental", "Tulip Dental"]
    )
    banner = admin_page.locator("#customer-filter-banner")
    expect(banner).to_contain_text("Issues of customer Tulip Dental")
    # The filter shows as an active Flask-Admin filter, too.
    active_filter = admin_page.locator("#filter_form .filters tr")
    expect(active_filter).to_have_count(1)
    expect(active_filter).to_contain_text("Customer")

    # Removing it with the banner's button shows every issue again.
    banner.get_by_role("link", name="Show all issues").click()
    expect(issue_titles(admin_page)).to_have_count(3)
    expect(admin_page.locator("#customer-filter-banner")).to_have_count(0)

    # ... and so does Flask-Admin's own Reset Filters.
    admin_page.go_back()
    expect(issue_titles(admin_page)).to_have_count(2)
    admin_page.get_by_role("link", name="Reset Filters").click()
    expect(issue_titles(admin_page)).to_have_count(3)
    expect(admin_page.locator("#filter_form .filters tr")).to_have_count(0)

    # The banner links back to the customer page.
    admin_page.go_back()
    admin_page.locator("#customer-filter-banner").get_by_role("link", name="Customer page").click()
    expect(admin_page.locator("#customer-info")).to_contain_text("Tulip Dental")


def test_overview_row_links_to_the_customers_issues(admin_page: Page, server_url: str) -> None:
    tulip = make_customer("Tulip Dental")
    harbour = make_customer("Harbour Travel")
    make_issue(tulip, "Printer offline")
    make_issue(harbour, "Booking needs to be moved")
    admin_page.goto(f"{server_url}/admin/customer/")

    row = admin_page.locator("table.model-list tbody tr", has_text="Harbour Travel")
    row.get_by_title("View customer issues").click()
    expect(issue_titles(admin_page)).to_have_text(["Booking needs to be moved"])
    expect(admin_page.locator("#customer-filter-banner")).to_contain_text("Harbour Travel")


def test_a_customer_without_issues_gets_an_empty_filtered_list(
    admin_page: Page, server_url: str
) -> None:
    quiet = make_customer("Quiet Customer")
    make_issue(make_customer("Busy Customer"), "Printer offline")
    admin_page.goto(f"{server_url}/admin/customer/details/?id={quiet.id}")
    admin_page.locator("#view-customer-issues").click()
    expect(admin_page.locator("#customer-filter-banner")).to_contain_text("Quiet Customer")
    expect(issue_titles(admin_page)).to_have_count(0)


def test_customer_account_gets_the_no_access_page(
    page: Page, server_url: str, customer_account: User
) -> None:
    login_in_browser(page, server_url, customer_account.email)
    response = page.goto(f"{server_url}/admin/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    expect(page.get_by_text(f"You are logged in as {customer_account.email}")).to_be_visible()
    response = page.goto(f"{server_url}/admin/customer/")
    assert response is not None and response.status == 403
    expect(page.locator("table.model-list")).to_have_count(0)


def test_anonymous_visitor_gets_the_login_page(page: Page, server_url: str) -> None:
    page.goto(f"{server_url}/admin/customer/")
    expect(page).to_have_url(f"{server_url}/login?next=/admin/customer/?")
    expect(page.get_by_label("E-mail")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.locator("table.model-list")).to_have_count(0)
