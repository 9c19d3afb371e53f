"""A customer user sees only what their links allow: everything else is a 404, by every route.

Customer Alpha's users (levels own / all / manager) try Bravo's issue and reply
ids, staff's internal notes, and, at level own, a colleague's issue, through
every portal URL and form, including tampered hidden fields. All with CSRF on.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.models import AccessLevel, CustomerUser, Issue, IssueReply
from tests.portal_world import build_world, client_for

ALPHA_ACTORS = ("own", "all", "manager")


def count(model, *conditions) -> int:
    return db_session().scalar(select(func.count()).select_from(model).where(*conditions))


def forbidden_targets(world, actor: str) -> dict[str, tuple[int, int]]:
    """name -> (issue id, reply id) the actor must never reach."""
    targets = {"Bravo's issue": (world.bravo_issue.id, world.bravo_reply.id)}
    if actor == "own":
        targets["a colleague's issue"] = (world.colleague_issue.id, world.colleague_reply.id)
    return targets


def assert_not_found(response, what: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 404, f"{what}: {response.status_code}"
    for secret in ("Bravo's confidential", "INTERNAL", "Why is invoice 12 higher?"):
        assert secret not in page, f"{what} leaked {secret!r}"


@pytest.mark.parametrize("actor", ALPHA_ACTORS)
def test_foreign_issue_ids_are_404_on_every_route(app, actor):
    world = build_world()
    client = client_for(app, actor)
    replies_before = count(IssueReply)
    for name, (issue_id, reply_id) in forbidden_targets(world, actor).items():
        assert_not_found(client.get(f"/portal/issues/{issue_id}"), f"issue page of {name}")
        assert_not_found(
            client.post(f"/portal/issues/{issue_id}/reply", {"body": "let me in"}),
            f"reply form of {name}",
        )
        assert_not_found(client.get(f"/portal/replies/{reply_id}"), f"reply link of {name}")
    assert count(IssueReply) == replies_before


@pytest.mark.parametrize("actor", ALPHA_ACTORS)
def test_internal_notes_are_404_and_never_shown(app, actor):
    world = build_world()
    client = client_for(app, actor)
    assert_not_found(client.get(f"/portal/replies/{world.own_internal_note.id}"), "internal note")
    page = client.get(f"/portal/issues/{world.own_issue.id}").get_data(as_text=True)
    assert "We are sending a technician." in page
    assert "INTERNAL" not in page and f"reply-{world.own_internal_note.id}" not in page
    search = client.get("/portal/?q=INTERNAL").get_data(as_text=True)
    assert "Alpha printer offline" not in search  # notes are not searched either


def test_unknown_ids_answer_exactly_like_forbidden_ones(app):
    world = build_world()
    client = client_for(app, "own")
    forbidden = client.get(f"/portal/issues/{world.bravo_issue.id}")
    missing = client.get("/portal/issues/999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.get_data() == missing.get_data()


@pytest.mark.parametrize("actor", ALPHA_ACTORS)
def test_lists_and_search_never_show_other_customers(app, actor):
    world = build_world()
    client = client_for(app, actor)
    for url in (
        "/portal/",
        "/portal/?q=Bravo",
        "/portal/?q=secret",
        "/portal/?status=open",
        f"/portal/?q=%23{world.bravo_issue.id}",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "Bravo secret project" not in page, url
        assert f'id="issue-{world.bravo_issue.id}"' not in page, url
        if actor == "own":
            assert "Alpha invoice question" not in page, url


@pytest.mark.parametrize("actor", ALPHA_ACTORS)
def test_tampered_customer_id_in_the_new_issue_form_is_404(app, actor):
    world = build_world()
    client = client_for(app, actor)
    before = count(Issue)
    for tampered in (world.bravo.id, 999999, "abc", "", f"{world.alpha.id} OR 1=1"):
        response = client.post(
            "/portal/issues/new",
            {"customer_id": tampered, "title": "Sneaky", "priority": "normal"},
        )
        assert response.status_code == 404, tampered
    assert count(Issue) == before


@pytest.mark.parametrize("actor", ALPHA_ACTORS)
def test_tampered_switch_to_another_customer_is_404(app, actor):
    world = build_world()
    client = client_for(app, actor)
    for tampered in (world.bravo.id, 999999, "x"):
        assert client.post("/portal/switch", {"customer_id": tampered}).status_code == 404
    assert "Alpha B.V." in client.get("/portal/").get_data(as_text=True)


def test_tampered_reporter_is_refused(app):
    world = build_world()
    manager = client_for(app, "manager")
    before = count(Issue)
    response = manager.post(
        "/portal/issues/new",
        {
            "customer_id": world.alpha.id,
            "title": "For Bravo's user",
            "priority": "normal",
            "reporter_id": world.users["bravo"].id,
        },
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert count(Issue) == before


def test_reporter_field_is_ignored_below_manager_level(app):
    world = build_world()
    own = client_for(app, "own")
    response = own.post(
        "/portal/issues/new",
        {
            "customer_id": world.alpha.id,
            "title": "Mine, really",
            "priority": "normal",
            "reporter_id": world.users["all"].id,
        },
    )
    assert response.status_code == 302
    issue = db_session().scalar(select(Issue).where(Issue.title == "Mine, really"))
    assert issue.reporter_id == world.users["own"].id


def test_tampered_priority_is_refused(app):
    world = build_world()
    response = client_for(app, "own").post(
        "/portal/issues/new",
        {"customer_id": world.alpha.id, "title": "Top", "priority": "apocalyptic"},
    )
    assert response.status_code == 400


def test_manager_details_page_shows_only_the_current_customer(app):
    world = build_world()
    page = client_for(app, "manager").get("/portal/customer").get_data(as_text=True)
    assert "Alpha Contact" in page
    assert "Bravo Contact" not in page and "Bravostraat" not in page
    assert world.users["bravo"].email not in page


def test_consultant_levels_apply_per_customer(app):
    world = build_world()
    client = client_for(app, "consultant")  # Alpha: all, Bravo: own
    assert client.get(f"/portal/issues/{world.colleague_issue.id}").status_code == 200
    assert client.get(f"/portal/issues/{world.bravo_issue.id}").status_code == 404
    assert (
        client.post(f"/portal/issues/{world.bravo_issue.id}/reply", {"body": "hi"}).status_code
        == 404
    )


def test_removing_a_link_ends_access_at_the_next_request(app):
    world = build_world()
    client = client_for(app, "consultant")
    assert client.post("/portal/switch", {"customer_id": world.bravo.id}).status_code == 302
    mine = Issue(
        title="Consultant at Bravo", customer=world.bravo, reporter=world.users["consultant"]
    )
    db_session().add(mine)
    db_session().commit()
    assert client.get(f"/portal/issues/{mine.id}").status_code == 200

    bravo_link = db_session().scalar(
        select(CustomerUser).where(
            CustomerUser.user_id == world.users["consultant"].id,
            CustomerUser.customer_id == world.bravo.id,
        )
    )
    db_session().delete(bravo_link)
    db_session().commit()

    assert client.get(f"/portal/issues/{mine.id}").status_code == 404
    home = client.get("/portal/").get_data(as_text=True)
    assert "Consultant at Bravo" not in home
    assert "Alpha B.V." in home  # falls back to the customer still linked


def test_lowering_the_level_ends_access_at_the_next_request(app):
    world = build_world()
    client = client_for(app, "all")
    assert client.get(f"/portal/issues/{world.own_issue.id}").status_code == 200
    link = db_session().scalar(
        select(CustomerUser).where(CustomerUser.user_id == world.users["all"].id)
    )
    link.access = AccessLevel.OWN.value
    db_session().commit()
    assert client.get(f"/portal/issues/{world.own_issue.id}").status_code == 404
    assert client.get(f"/portal/issues/{world.colleague_issue.id}").status_code == 200
