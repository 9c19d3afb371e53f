"""Ids, filters, page numbers and row ids no database key can hold answer 404 or 400,
never 500 (an exception here would propagate into the test), in the admin and the portal."""

from __future__ import annotations

import pytest

from tests.portal_world import build_world, client_for

BIG = "99999999999999999999999"
HUGE_BIGINT = str(2**63)  # one more than SQLite's and PostgreSQL's largest integer

ADMIN_GETS = [
    (f"/admin/customer/?page={BIG}", 400),
    (f"/admin/issue/?page={BIG}", 400),
    (f"/admin/message/?page={BIG}", 400),
    (f"/admin/user/?page={BIG}", 400),
    (f"/admin/customerstatus/?page={BIG}", 400),
    (f"/admin/import/?page={BIG}", 400),
    (f"/admin/customer/?page_size={BIG}", 400),
    (f"/admin/issue/?flt0_customer_id_equals={BIG}", 400),
    (f"/admin/issue/?flt0_customer_id_equals={HUGE_BIGINT}", 400),
    (f"/admin/customer/ajax/lookup/?name=accounts&query=a&offset={BIG}", 400),
    (f"/admin/issue/ajax/lookup/?name=reporter&query=a&limit={BIG}", 400),
    (f"/admin/customer/{BIG}/messages", 404),
    (f"/admin/customer/{HUGE_BIGINT}/messages", 404),
    # Flask-Admin's own answer to an id that does not exist: back to the list.
    (f"/admin/customer/details/?id={BIG}", 302),
    (f"/admin/issue/edit/?id={BIG}", 302),
]
ADMIN_POSTS = [
    ("/admin/message/action/", {"action": "cancel", "rowid": "abc"}, 400),
    ("/admin/message/action/", {"action": "cancel", "rowid": BIG}, 400),
    ("/admin/customer/action/", {"action": "delete", "rowid": BIG}, 400),
    ("/admin/issue/action/", {"action": "delete", "rowid": "abc"}, 400),
    ("/admin/user/action/", {"action": "end_sessions", "rowid": HUGE_BIGINT}, 400),
    (f"/admin/message/cancel/{BIG}", {}, 404),
    (f"/admin/customer/{BIG}/delete", {}, 404),
    (f"/admin/customer/users/{BIG}/edit", {}, 404),
    (f"/admin/issue/{BIG}/reply", {"body": "x", "visibility": "public"}, 404),
]
PORTAL_GETS = [
    (f"/portal/issues/{BIG}", 404),
    (f"/portal/issues/{HUGE_BIGINT}", 404),
    (f"/portal/replies/{BIG}", 404),
    (f"/portal/?page={BIG}", 400),
    (f"/portal/?q=%23{BIG}", 200),  # a search for that text: no issue matches
]
PORTAL_POSTS = [
    (f"/portal/issues/{BIG}/reply", {"body": "x"}, 404),
    ("/portal/switch", {"customer_id": BIG}, 404),
    ("/portal/issues/new", {"customer_id": BIG, "title": "x", "priority": "normal"}, 404),
]


@pytest.fixture
def world(app):
    return build_world()


@pytest.mark.parametrize(("url", "status"), ADMIN_GETS)
def test_admin_get(app, world, url, status):
    assert client_for(app, "admin").get(url).status_code == status


@pytest.mark.parametrize(("url", "data", "status"), ADMIN_POSTS)
def test_admin_post(app, world, url, data, status):
    assert client_for(app, "admin").post(url, data).status_code == status


@pytest.mark.parametrize(("url", "status"), PORTAL_GETS)
def test_portal_get(app, world, url, status):
    assert client_for(app, "manager").get(url).status_code == status


@pytest.mark.parametrize(("url", "data", "status"), PORTAL_POSTS)
def test_portal_post(app, world, url, data, status):
    assert client_for(app, "manager").post(url, data).status_code == status


def test_a_bad_row_id_changes_nothing(app, world):
    from iris_admin.extension import db_session
    from iris_admin.models import Customer

    client = client_for(app, "admin")
    victim = world.victim_customer.id
    response = client.post(
        "/admin/customer/action/", {"action": "delete", "rowid": [str(victim), "abc"]}
    )
    assert response.status_code == 400
    db_session().expire_all()
    assert db_session().get(Customer, victim) is not None
