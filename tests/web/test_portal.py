"""The customer portal: home, issue page, replies, new issues, profile, switching customers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.models import (
    AccessLevel,
    CustomerStatus,
    Issue,
    IssueReply,
    IssueStatusChange,
    Role,
    User,
)
from tests.conftest import PASSWORD, make_user
from tests.factories import make_customer, make_issue
from tests.portal_world import EMAILS, BrowserLikeClient, build_world, client_for, link


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model, *conditions) -> int:
    return db_session().scalar(select(func.count()).select_from(model).where(*conditions))


# -- logging in ---------------------------------------------------------------------------
def test_customer_user_lands_in_the_portal(app):
    build_world()
    client = BrowserLikeClient(app.test_client())
    response = client.login(EMAILS["own"])
    assert response.headers["Location"] == "/portal/"
    page = text(client.get("/portal/"))
    assert "Alpha B.V." in page


def test_staff_still_lands_in_the_admin(app):
    build_world()
    response = BrowserLikeClient(app.test_client()).login(EMAILS["staff"])
    assert response.headers["Location"] == "/admin/"


def test_customer_user_without_a_link_is_told_so(app):
    make_user("lonely@nowhere.example", Role.CUSTOMER.value)
    client = BrowserLikeClient(app.test_client())
    client.login("lonely@nowhere.example")
    response = client.get("/portal/")
    assert response.status_code == 200
    assert "not linked to a customer yet" in text(response)
    assert client.get("/portal/issues/new").status_code == 200
    assert "not linked to a customer yet" in text(client.get("/portal/issues/new"))


# -- home ----------------------------------------------------------------------------------
def test_home_lists_title_status_priority_and_last_update(app):
    world = build_world()
    page = text(client_for(app, "all").get("/portal/"))
    row = re.search(
        rf'<tr id="issue-{world.colleague_issue.id}">(.*?)</tr>', page, re.DOTALL
    ).group(1)
    assert "Alpha invoice question" in row
    assert "Open" in row and "Normal" in row
    assert re.search(r"\d{1,2}/\d{1,2}/\d{2}", row), "last update date missing"


def test_own_level_user_sees_only_the_issues_they_reported(app):
    world = build_world()
    page = text(client_for(app, "own").get("/portal/"))
    assert "Alpha printer offline" in page
    assert "Alpha invoice question" not in page
    assert f"issue-{world.colleague_issue.id}" not in page


def test_all_level_user_sees_every_issue_of_the_customer_and_nothing_else(app):
    build_world()
    page = text(client_for(app, "all").get("/portal/"))
    assert "Alpha printer offline" in page and "Alpha invoice question" in page
    assert "Bravo" not in page.split("<main", 1)[1]


def test_home_searches_title_description_and_number(app):
    world = build_world()
    client = client_for(app, "all")
    assert "Alpha invoice question" in text(client.get("/portal/?q=invoice"))
    by_description = text(client.get("/portal/?q=FLOOR 2"))
    assert "Alpha printer offline" in by_description
    assert "Alpha invoice question" not in by_description
    by_number = text(client.get(f"/portal/?q=%23{world.colleague_issue.id}"))
    assert "Alpha invoice question" in by_number
    nothing = text(client.get("/portal/?q=%25"))  # a LIKE wildcard is searched literally
    assert "No issues match your search." in nothing


def test_home_filters_by_status(app):
    world = build_world()
    world.colleague_issue.status = "closed"
    db_session().commit()
    client = client_for(app, "all")
    closed = text(client.get("/portal/?status=closed"))
    assert "Alpha invoice question" in closed and "Alpha printer offline" not in closed
    unknown = text(client.get("/portal/?status=nonsense"))
    assert "Alpha invoice question" in unknown and "Alpha printer offline" in unknown


def test_home_pages_through_many_issues(app):
    world = build_world()
    for number in range(23):
        make_issue(world.alpha, f"Bulk issue {number:02d}", reporter=world.users["all"])
    client = client_for(app, "all")
    first = text(client.get("/portal/"))
    assert "Page 1 of 2" in first
    assert len(re.findall(r'<tr id="issue-', first)) == 20
    second = text(client.get("/portal/?page=2"))
    assert len(re.findall(r'<tr id="issue-', second)) == 5
    beyond = client.get("/portal/?page=99")
    assert beyond.status_code == 200 and "Page 2 of 2" in text(beyond)
    assert "Page 1 of 2" in text(client.get("/portal/?page=-3"))


# -- issue page ------------------------------------------------------------------------------
def test_issue_page_shows_description_history_and_public_replies_only(app):
    world = build_world()
    world.own_issue.status = "in_progress"
    db_session().commit()
    page = text(client_for(app, "own").get(f"/portal/issues/{world.own_issue.id}"))
    assert "The printer on floor 2 is offline." in page
    assert "We are sending a technician." in page
    assert "Status changed from Open to In progress" in page
    assert "INTERNAL" not in page
    assert f"reply-{world.own_internal_note.id}" not in page


def test_customer_user_adds_a_reply(app):
    world = build_world()
    client = client_for(app, "own")
    before = world.own_issue.updated_at
    response = client.post(f"/portal/issues/{world.own_issue.id}/reply", {"body": "  Thanks!  "})
    assert response.status_code == 302
    reply = db_session().scalar(select(IssueReply).order_by(IssueReply.id.desc()))
    assert reply.body == "Thanks!" and reply.is_internal is False
    assert reply.author_id == world.users["own"].id
    assert response.headers["Location"].endswith(
        f"/portal/issues/{world.own_issue.id}#reply-{reply.id}"
    )
    db_session().refresh(world.own_issue)
    assert world.own_issue.updated_at > before
    assert "Thanks!" in text(client.get(f"/portal/issues/{world.own_issue.id}"))


def test_empty_reply_is_refused_with_a_message(app):
    world = build_world()
    client = client_for(app, "own")
    before = count(IssueReply)
    response = client.post(f"/portal/issues/{world.own_issue.id}/reply", {"body": "   "})
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert count(IssueReply) == before


def test_reply_link_opens_the_issue_at_the_reply(app):
    world = build_world()
    response = client_for(app, "own").get(f"/portal/replies/{world.own_public_reply.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/portal/issues/{world.own_issue.id}#reply-{world.own_public_reply.id}"
    )


# -- new issue ---------------------------------------------------------------------------------
def test_customer_user_reports_an_issue(app):
    world = build_world()
    client = client_for(app, "own")
    form = text(client.get("/portal/issues/new"))
    assert f'name="customer_id" type="hidden" value="{world.alpha.id}"' in form
    assert 'name="reporter_id"' not in form  # only managers report for colleagues
    response = client.post(
        "/portal/issues/new",
        {
            "customer_id": world.alpha.id,
            "title": " VPN is down ",
            "description": "Since 9:00",
            "priority": "high",
        },
    )
    assert response.status_code == 302
    issue = db_session().scalar(select(Issue).where(Issue.title == "VPN is down"))
    assert (issue.customer_id, issue.reporter_id) == (world.alpha.id, world.users["own"].id)
    assert (issue.priority, issue.status, issue.description) == ("high", "open", "Since 9:00")
    assert response.headers["Location"] == f"/portal/issues/{issue.id}"
    assert "VPN is down" in text(client.get("/portal/"))


def test_new_issue_needs_a_title(app):
    world = build_world()
    client = client_for(app, "own")
    before = count(Issue)
    response = client.post(
        "/portal/issues/new", {"customer_id": world.alpha.id, "title": "", "priority": "normal"}
    )
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert count(Issue) == before


def test_new_issue_is_blocked_with_a_message_when_the_status_does_not_allow_it(app):
    world = build_world()
    inactive = db_session().scalar(select(CustomerStatus).where(CustomerStatus.name == "Inactive"))
    assert inactive is not None and not inactive.allows_new_issues
    world.alpha.status = inactive
    db_session().commit()
    client = client_for(app, "all")
    page = client.get("/portal/issues/new")
    assert page.status_code == 200
    assert "New issues cannot be reported for Alpha B.V.: its status is Inactive." in text(page)
    assert 'id="new-issue-form"' not in text(page)
    before = count(Issue)
    refused = client.post(
        "/portal/issues/new",
        {"customer_id": world.alpha.id, "title": "Let me in", "priority": "normal"},
    )
    assert refused.status_code == 409
    assert "its status is Inactive" in text(refused)
    assert count(Issue) == before
    # Existing issues stay visible.
    assert "Alpha invoice question" in text(client.get("/portal/"))


def test_manager_reports_an_issue_for_a_colleague(app):
    world = build_world()
    client = client_for(app, "manager")
    form = text(client.get("/portal/issues/new"))
    assert 'name="reporter_id"' in form and "Olga Own" in form and "Bo Bravo" not in form
    response = client.post(
        "/portal/issues/new",
        {
            "customer_id": world.alpha.id,
            "title": "Olga's laptop",
            "priority": "normal",
            "reporter_id": world.users["own"].id,
        },
    )
    assert response.status_code == 302
    issue = db_session().scalar(select(Issue).where(Issue.title == "Olga's laptop"))
    assert issue.reporter_id == world.users["own"].id
    # ... and the colleague follows it in her own list.
    assert "Olga&#39;s laptop" in text(client_for(app, "own").get("/portal/"))


# -- customer details (managers) ------------------------------------------------------------------
def test_manager_sees_contacts_and_invoice_addresses(app):
    world = build_world()
    client = client_for(app, "manager")
    assert 'id="nav-customer"' in text(client.get("/portal/"))
    page = text(client.get("/portal/customer"))
    assert "Alpha Contact" in page and "Alphastraat 1" in page
    assert "Bravo Contact" not in page and "Bravostraat 1" not in page
    assert "Olga Own" in page  # colleagues with portal access
    assert world.bravo.name not in page


def test_other_levels_do_not_see_customer_details(app):
    build_world()
    for actor in ("own", "all"):
        client = client_for(app, actor)
        assert 'id="nav-customer"' not in text(client.get("/portal/"))
        response = client.get("/portal/customer")
        assert response.status_code == 403
        assert "Alpha Contact" not in text(response)


# -- switching customers ---------------------------------------------------------------------------
def test_account_linked_to_two_customers_switches_between_them(app):
    world = build_world()
    client = client_for(app, "consultant")
    home = text(client.get("/portal/"))
    assert 'id="switch-customer"' in home
    assert "Alpha invoice question" in home  # Alpha first (by name), level all
    response = client.post("/portal/switch", {"customer_id": world.bravo.id})
    assert response.status_code == 302
    bravo_home = text(client.get("/portal/"))
    assert "Bravo B.V." in bravo_home
    assert "Alpha invoice question" not in bravo_home
    # Level own at Bravo: Bravo's issue by someone else stays hidden.
    assert "Bravo secret project" not in bravo_home
    created = client.post(
        "/portal/issues/new",
        {"customer_id": world.bravo.id, "title": "Consultant's Bravo issue", "priority": "low"},
    )
    assert created.status_code == 302
    issue = db_session().scalar(select(Issue).where(Issue.title == "Consultant's Bravo issue"))
    assert issue.customer_id == world.bravo.id


def test_single_customer_account_has_no_switcher(app):
    build_world()
    assert 'id="switch-customer"' not in text(client_for(app, "own").get("/portal/"))


def test_opening_an_issue_of_the_other_customer_switches_to_it(app):
    world = build_world()
    client = client_for(app, "consultant")
    issue = make_issue(world.bravo, "Consultant reported", reporter=world.users["consultant"])
    assert client.get(f"/portal/issues/{issue.id}").status_code == 200
    assert "Consultant reported" in text(client.get("/portal/"))


# -- profile ---------------------------------------------------------------------------------------
def test_profile_changes_the_name(app):
    world = build_world()
    client = client_for(app, "own")
    assert "own@alpha.example" in text(client.get("/portal/profile"))
    assert client.post("/portal/profile", {"name": "Olga Owner"}).status_code == 302
    db_session().refresh(world.users["own"])
    assert world.users["own"].name == "Olga Owner"
    refused = client.post("/portal/profile", {"name": "  "})
    assert refused.status_code == 400
    db_session().refresh(world.users["own"])
    assert world.users["own"].name == "Olga Owner"


def test_password_change_requires_the_current_password(app):
    world = build_world()
    client = client_for(app, "own")
    refused = client.post(
        "/portal/profile/password",
        {
            "current_password": "not my password",
            "new_password": "a new secret 123",
            "confirm_password": "a new secret 123",
        },
    )
    assert refused.status_code == 400
    assert "The current password is not correct." in text(refused)
    db_session().refresh(world.users["own"])
    assert world.users["own"].check_password(PASSWORD)


def test_password_change_checks_length_and_repetition(app):
    world = build_world()
    client = client_for(app, "own")
    short = client.post(
        "/portal/profile/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert short.status_code == 400 and "Use at least 8" in text(short)
    differ = client.post(
        "/portal/profile/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new secret 123",
            "confirm_password": "a new secret 124",
        },
    )
    assert differ.status_code == 400 and "The passwords differ." in text(differ)
    db_session().refresh(world.users["own"])
    assert world.users["own"].check_password(PASSWORD)


def test_password_change_works_and_is_stored_hashed(app):
    world = build_world()
    client = client_for(app, "own")
    response = client.post(
        "/portal/profile/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new secret 123",
            "confirm_password": "a new secret 123",
        },
    )
    assert response.status_code == 302
    assert "Your password was changed." in text(client.get("/portal/profile"))
    user = db_session().get(User, world.users["own"].id)
    db_session().refresh(user)
    assert user.password_hash.startswith("scrypt:") and user.check_password("a new secret 123")
    fresh = BrowserLikeClient(app.test_client())
    assert fresh.login(EMAILS["own"], PASSWORD).status_code == 200  # old password refused
    assert fresh.login(EMAILS["own"], "a new secret 123").status_code == 302


def test_customer_user_logs_out_from_the_portal(app):
    build_world()
    client = client_for(app, "own")
    assert 'id="profile-logout"' in text(client.get("/portal/profile"))
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/portal/").status_code == 302


def test_portal_pages_are_not_cached(app):
    build_world()
    assert client_for(app, "own").get("/portal/").headers["Cache-Control"] == "no-store"


# -- staff side: replies and status history --------------------------------------------------------
def test_staff_public_reply_reaches_the_portal_and_internal_note_does_not(app):
    world = build_world()
    staff = client_for(app, "staff")
    issue_id = world.own_issue.id
    public = staff.post(
        f"/admin/issue/{issue_id}/reply",
        {"body": "A technician comes at 10:00.", "visibility": "public"},
    )
    assert public.status_code == 302
    note = staff.post(
        f"/admin/issue/{issue_id}/reply",
        {"body": "Check their contract first.", "visibility": "internal", "status": "waiting"},
    )
    assert note.status_code == 302
    details = text(staff.get(f"/admin/issue/details/?id={issue_id}"))
    assert "A technician comes at 10:00." in details and "Check their contract first." in details
    assert "Internal note" in details

    portal = text(client_for(app, "own").get(f"/portal/issues/{issue_id}"))
    assert "A technician comes at 10:00." in portal
    assert "Check their contract first." not in portal
    assert "Status changed from Open to Waiting for customer" in portal
    change = db_session().scalar(
        select(IssueStatusChange).where(IssueStatusChange.issue_id == issue_id)
    )
    assert change.changed_by_id == world.users["staff"].id


def test_staff_reply_needs_text(app):
    world = build_world()
    before = count(IssueReply)
    response = client_for(app, "staff").post(
        f"/admin/issue/{world.own_issue.id}/reply", {"body": "", "visibility": "public"}
    )
    assert response.status_code == 302
    assert count(IssueReply) == before


def test_status_change_in_the_admin_form_is_recorded_in_the_history(app):
    world = build_world()
    admin = client_for(app, "admin")
    issue = world.colleague_issue
    response = admin.post(
        f"/admin/issue/edit/?id={issue.id}",
        {
            "title": issue.title,
            "description": issue.description or "",
            "customer": issue.customer_id,
            "status": "closed",
            "priority": "normal",
            "reporter": issue.reporter_id,
        },
    )
    assert response.status_code == 302, text(response)
    changes = (
        db_session()
        .scalars(select(IssueStatusChange).where(IssueStatusChange.issue_id == issue.id))
        .all()
    )
    assert [(c.old_status, c.new_status, c.changed_by_id) for c in changes] == [
        ("open", "closed", world.users["admin"].id)
    ]


def test_deleting_an_issue_deletes_its_conversation(app):
    world = build_world()
    issue_id = world.own_issue.id
    world.own_issue.status = "closed"
    db_session().commit()
    response = client_for(app, "admin").post("/admin/issue/delete/", {"id": issue_id})
    assert response.status_code == 302
    assert db_session().get(Issue, issue_id) is None
    assert count(IssueReply, IssueReply.issue_id == issue_id) == 0
    assert count(IssueStatusChange, IssueStatusChange.issue_id == issue_id) == 0


def test_new_customer_without_status_allows_new_issues(app):
    customer = make_customer("No Status B.V.", code="NOSTAT", status=None)
    user = make_user("u@nostat.example", Role.CUSTOMER.value)
    link(user, customer, AccessLevel.OWN)
    client = BrowserLikeClient(app.test_client())
    client.login(user.email)
    assert 'id="new-issue-form"' in text(client.get("/portal/issues/new"))


def test_site_root_leads_each_user_to_their_start_page(app):
    build_world()
    assert client_for(app, "own").get("/", follow_redirects=True).request.path == "/portal/"
    assert client_for(app, "staff").get("/", follow_redirects=True).request.path == (
        "/admin/customer/"
    )
    anonymous = BrowserLikeClient(app.test_client())
    assert anonymous.get("/", follow_redirects=True).request.path == "/login"
