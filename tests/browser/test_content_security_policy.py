"""Every page of the admin and the portal works under the Content-Security-Policy:
Chromium reports no violation while each page loads, its pop-ups open, and the
Flask-Admin action menu (an inline handler before) still runs an action."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from iris_admin.extension import db_session
from tests.conftest import login_in_browser
from tests.portal_world import EMAILS, build_world

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline')
    + ' at ' + event.sourceFile + ':' + event.lineNumber);
});
"""


class Watcher:
    """Collects CSP violations (events and console messages) and script dialogs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        assert "content-security-policy" in response.headers, url
        self.page.wait_for_load_state("load")
        self.collect(url)

    def collect(self, where: str) -> None:
        found = self.page.evaluate("window.__cspViolations || []")
        self.problems.extend(f"{where}: {item}" for item in found)
        self.page.evaluate("window.__cspViolations = []")


def open_every_popup(watcher: Watcher, url: str) -> None:
    page = watcher.page
    buttons = page.locator('button[data-toggle="modal"]')
    for index in range(buttons.count()):
        button = buttons.nth(index)
        if not button.is_visible() or not button.is_enabled():
            continue
        button.click()
        expect(page.locator(".modal.show")).to_be_visible()
        page.locator('.modal.show [data-dismiss="modal"]').first.click()
        expect(page.locator(".modal.show")).to_have_count(0)
    watcher.collect(url + " (pop-ups)")


def test_admin_pages_pass_the_policy(page: Page, server_url: str) -> None:
    world = build_world()
    watcher = Watcher(page)
    watcher.visit(f"{server_url}/login")
    login_in_browser(page, server_url, EMAILS["admin"])
    customer, issue, user = world.alpha.id, world.own_issue.id, world.users["own"].id
    pages = [
        "/admin/customer/",
        "/admin/customer/new/",
        f"/admin/customer/edit/?id={customer}",
        "/admin/issue/",
        "/admin/issue/new/",
        f"/admin/issue/edit/?id={issue}",
        f"/admin/issue/details/?id={issue}",
        "/admin/user/",
        "/admin/user/new/",
        f"/admin/user/edit/?id={user}",
        "/admin/iris_permissions/",
        "/admin/import/",
        "/admin/message/",
        "/admin/customerstatus/",
        "/admin/customerstatus/new/",
        "/admin/customfield/",
        "/admin/customfield/new/",
    ]
    for path in pages:
        watcher.visit(server_url + path)
    details = f"{server_url}/admin/customer/details/?id={customer}"
    watcher.visit(details)
    open_every_popup(watcher, details)
    # An inline row of the customer form ("Add Contact": an inline handler in Flask-Admin).
    watcher.visit(f"{server_url}/admin/customer/edit/?id={customer}")
    page.locator("#contacts-button").click()
    expect(page.locator("#contacts-0-name, [id^='contacts-'][id$='-name']").first).to_be_visible()
    watcher.collect("inline row")
    assert watcher.problems == []


def test_the_action_menu_works_under_the_policy(page: Page, server_url: str) -> None:
    world = build_world()
    watcher = Watcher(page)
    login_in_browser(page, server_url, EMAILS["admin"])
    victim = world.users["own"]
    version = victim.session_version
    watcher.visit(f"{server_url}/admin/user/")
    row = page.locator("tr", has_text=victim.email)
    row.locator("input.action-checkbox").check()
    page.get_by_role("button", name="With selected").or_(
        page.get_by_role("link", name="With selected")
    ).first.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_text("Log out everywhere").click()
    expect(page.get_by_text("1 account is logged out everywhere.")).to_be_visible()
    watcher.collect("action menu")
    db_session().expire_all()
    assert victim.session_version == version + 1
    assert watcher.problems == []


def test_portal_pages_pass_the_policy(page: Page, server_url: str) -> None:
    world = build_world()
    watcher = Watcher(page)
    login_in_browser(page, server_url, EMAILS["manager"])
    for path in (
        "/portal/",
        f"/portal/issues/{world.own_issue.id}",
        "/portal/issues/new",
        "/portal/customer",
        "/portal/profile",
    ):
        watcher.visit(server_url + path)
    assert watcher.problems == []
