"""The customer portal in a real Chromium: log in, issues, replies, password, and the 403 pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, login_in_browser
from tests.portal_world import EMAILS, build_world

pytestmark = pytest.mark.browser


def test_customer_user_works_in_the_portal(page, server_url):
    world = build_world()
    login_in_browser(page, server_url, EMAILS["own"])

    # Lands in the portal and sees only the issues the own-level link allows.
    expect(page).to_have_url(f"{server_url}/portal/")
    expect(page.locator("#portal-brand")).to_have_text("Alpha B.V.")
    issues = page.locator("#issues")
    expect(issues.get_by_role("link", name="Alpha printer offline")).to_be_visible()
    expect(issues).not_to_contain_text("Alpha invoice question")
    expect(issues).not_to_contain_text("Bravo secret project")

    # Reports a new issue.
    page.get_by_role("link", name="Report an issue").click()
    page.get_by_label("Title").fill("Scanner jams")
    page.get_by_label("Description").fill("Every second page jams.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Report issue").click()
    expect(page.get_by_role("heading", name=re.compile("Scanner jams"))).to_be_visible()
    expect(page.get_by_text("was reported")).to_be_visible()
    expect(page.locator("#issue-description")).to_have_text("Every second page jams.")

    # Replies to it.
    page.get_by_label("Your reply").fill("It also happens on the second scanner.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was added.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("It also happens on the second scanner.")

    # The issue from the desk shows the public reply, never the internal note.
    page.get_by_role("link", name="All issues").click()
    page.get_by_role("link", name="Alpha printer offline").click()
    expect(page.locator("#timeline")).to_contain_text("We are sending a technician.")
    expect(page.locator("#timeline")).not_to_contain_text("INTERNAL")

    # Finds it again with the search.
    page.get_by_role("link", name="Issues").first.click()
    page.get_by_placeholder("Search title, description or #number").fill("scanner")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#issues")).to_contain_text("Scanner jams")
    expect(page.locator("#issues")).not_to_contain_text("Alpha printer offline")

    # Changes the password and logs in with the new one.
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("a brand new password")
    page.get_by_label("Repeat the new password").fill("a brand new password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    page.locator("#portal-logout").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    login_in_browser(page, server_url, EMAILS["own"], password="a brand new password")
    expect(page).to_have_url(f"{server_url}/portal/")
    assert world.own_issue.id  # the world stayed as built


def test_wrong_current_password_is_refused_in_the_browser(page, server_url):
    build_world()
    login_in_browser(page, server_url, EMAILS["own"])
    page.goto(f"{server_url}/portal/profile")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("a brand new password")
    page.get_by_label("Repeat the new password").fill("a brand new password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The current password is not correct.")).to_be_visible()


def test_manager_sees_company_details_and_switches_nothing(page, server_url):
    build_world()
    login_in_browser(page, server_url, EMAILS["manager"])
    expect(page.locator("#switch-customer")).to_have_count(0)
    page.get_by_role("link", name="Company details").click()
    expect(page.locator("#contacts")).to_contain_text("Alpha Contact")
    expect(page.locator("#invoice-addresses")).to_contain_text("Alphastraat 1")
    expect(page.locator("main")).not_to_contain_text("Bravo")


def test_consultant_switches_between_customers(page, server_url):
    build_world()
    login_in_browser(page, server_url, EMAILS["consultant"])
    expect(page.locator("#portal-brand")).to_have_text("Alpha B.V.")
    expect(page.locator("#issues")).to_contain_text("Alpha invoice question")
    page.get_by_label("Working for").select_option(label="Bravo B.V.")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("#portal-brand")).to_have_text("Bravo B.V.")
    expect(page.locator("main")).not_to_contain_text("Alpha invoice question")
    expect(page.locator("#no-issues")).to_be_visible()


def test_portal_fits_a_phone_screen(page, server_url):
    build_world()
    page.set_viewport_size({"width": 375, "height": 740})
    login_in_browser(page, server_url, EMAILS["all"])
    expect(page.locator("#issues")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the phone"
    page.get_by_role("link", name="Alpha invoice question").click()
    expect(page.get_by_label("Your reply")).to_be_visible()


def test_customer_user_opening_admin_gets_the_403_page_with_a_portal_link(page, server_url):
    build_world()
    login_in_browser(page, server_url, EMAILS["all"])
    response = page.goto(f"{server_url}/admin/customer/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    page.get_by_role("link", name="Go to the customer portal").click()
    expect(page).to_have_url(f"{server_url}/portal/")


def test_staff_cannot_open_users(page, server_url):
    build_world()
    login_in_browser(page, server_url, EMAILS["staff"])
    expect(page).to_have_url(f"{server_url}/admin/customer/")
    expect(page.locator("nav").get_by_role("link", name="Users", exact=True)).to_have_count(0)
    response = page.goto(f"{server_url}/admin/user/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the admin")).to_be_visible()


def test_admin_sees_users_in_the_menu(page, server_url):
    build_world()
    login_in_browser(page, server_url, EMAILS["admin"])
    expect(page.locator("nav").get_by_role("link", name="Users", exact=True)).to_be_visible()
