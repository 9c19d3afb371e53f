"""The reporter of an issue is a user of the issue's customer, or staff, in every path."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.issue_actions import IssueRefused, report_issue
from iris_admin.models import Issue, Message, MessageKind
from tests.portal_world import BrowserLikeClient, build_world, client_for


def issue_form(issue: Issue, reporter_id: int | str) -> dict:
    return {
        "title": issue.title,
        "description": issue.description or "",
        "customer": str(issue.customer_id),
        "status": issue.status,
        "priority": issue.priority,
        "reporter": str(reporter_id),
    }


def reporter_of(issue_id: int) -> int | None:
    db_session().expire_all()
    return db_session().scalar(select(Issue.reporter_id).where(Issue.id == issue_id))


@pytest.mark.parametrize("actor", ["staff", "admin"])
def test_admin_form_refuses_another_customers_user_as_reporter(app, actor):
    world = build_world()
    client = client_for(app, actor)
    issue = world.own_issue
    outsider = world.users["bravo"]
    response = client.post(f"/admin/issue/edit/?id={issue.id}", issue_form(issue, outsider.id))
    assert response.status_code == 200
    assert "cannot be the reporter" in response.get_data(as_text=True)
    assert reporter_of(issue.id) == world.users["own"].id


def test_admin_form_refuses_it_when_creating_an_issue(app):
    world = build_world()
    client = client_for(app, "staff")
    data = issue_form(world.own_issue, world.users["bravo"].id)
    data["title"] = "New issue for Alpha"
    response = client.post("/admin/issue/new/", data)
    assert "cannot be the reporter" in response.get_data(as_text=True)
    assert db_session().scalar(select(Issue).where(Issue.title == "New issue for Alpha")) is None


def test_admin_form_accepts_a_colleague_or_staff(app):
    world = build_world()
    client = client_for(app, "staff")
    issue = world.own_issue
    for reporter in (world.users["all"], world.users["staff"], world.users["consultant"]):
        response = client.post(f"/admin/issue/edit/?id={issue.id}", issue_form(issue, reporter.id))
        assert response.status_code == 302, response.get_data(as_text=True)
        assert reporter_of(issue.id) == reporter.id


def test_moving_an_issue_to_another_customer_keeps_the_rule(app):
    world = build_world()
    client = client_for(app, "admin")
    issue = world.own_issue
    data = {**issue_form(issue, world.users["own"].id), "customer": str(world.bravo.id)}
    response = client.post(f"/admin/issue/edit/?id={issue.id}", data)
    assert "cannot be the reporter" in response.get_data(as_text=True)
    db_session().expire_all()
    assert db_session().get(Issue, issue.id).customer_id == world.alpha.id


def lookup(client: BrowserLikeClient, **params: object) -> set[str]:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.get(f"/admin/issue/ajax/lookup/?name=reporter&query=&{query}")
    assert response.status_code == 200
    return {name for _id, name in json.loads(response.get_data(as_text=True))}


def test_reporter_picker_offers_the_customers_users_and_staff_only(app):
    world = build_world()
    client = client_for(app, "staff")
    offered = lookup(client, customer=world.alpha.id, limit=50)
    names = {str(world.users[key]) for key in ("own", "all", "manager", "consultant", "leaver")}
    staff = {str(world.users[key]) for key in ("staff", "admin")}
    assert names | staff == offered
    assert str(world.users["bravo"]) not in offered
    # Without a customer (or with a nonsense one): staff only.
    assert lookup(client, limit=50) == staff
    assert lookup(client, customer="99999999999999999999", limit=50) == staff
    # The edit form points its picker at its customer.
    page = client.get(f"/admin/issue/edit/?id={world.own_issue.id}").get_data(as_text=True)
    assert f"name=reporter&amp;customer={world.alpha.id}" in page


def test_portal_manager_cannot_report_for_another_customers_user(app):
    world = build_world()
    client = client_for(app, "manager")
    client.refresh_token("/portal/issues/new")
    response = client.post(
        "/portal/issues/new",
        {
            "customer_id": world.alpha.id,
            "title": "For an outsider",
            "priority": "normal",
            "reporter_id": world.users["bravo"].id,
        },
    )
    assert response.status_code == 400
    assert db_session().scalar(select(Issue).where(Issue.title == "For an outsider")) is None


def test_report_issue_refuses_an_outsider_for_every_caller(app):
    world = build_world()
    with pytest.raises(IssueRefused, match="cannot be the reporter"):
        report_issue(
            db_session(),
            customer=world.alpha,
            reporter=world.users["bravo"],
            title="From the CLI or a script",
            description=None,
        )
    db_session().rollback()
    issue = report_issue(
        db_session(),
        customer=world.alpha,
        reporter=world.users["staff"],
        title="By staff",
        description=None,
    )
    assert issue.reporter is world.users["staff"]


def test_an_outsider_left_as_reporter_by_older_data_gets_no_email(app):
    world = build_world()
    issue = world.own_issue
    issue.reporter = world.users["bravo"]  # as the probe managed before the fix
    db_session().commit()
    staff = client_for(app, "staff")
    response = staff.post(
        f"/admin/issue/{issue.id}/reply", {"body": "Public answer.", "visibility": "public"}
    )
    assert response.status_code == 302
    recipients = [
        address
        for message in db_session().scalars(
            select(Message).where(Message.kind == MessageKind.ISSUE_UPDATE.value)
        )
        for address in message.recipients
    ]
    assert world.users["bravo"].email not in recipients
