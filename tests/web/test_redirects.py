"""Open redirects: ``next`` after log-in and after cancelling a message stays on this site."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.messaging.outbox import Recipient, queue_email
from iris_admin.models import Message, MessageStatus
from iris_admin.models.base import utcnow
from iris_admin.redirects import safe_redirect_path
from tests.conftest import PASSWORD
from tests.factories import make_customer
from tests.portal_world import EMAILS, BrowserLikeClient, build_world

# Known ways to leave a site through a "local" redirect.
BYPASSES = [
    "http:evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:/\\evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "/\x0b/evil.example",
    "https://evil.example/",
    "http://localhost.evil.example/",
    "ftp://evil.example/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_known_bypasses_are_not_safe(target):
    assert safe_redirect_path(target) is None


@pytest.mark.parametrize("target", ["/portal/", "/admin/customer/?page=2", "/%09/still-local"])
def test_paths_of_this_site_are_safe(target):
    assert safe_redirect_path(target) == target


def login_with_next(app, target: str):
    client = BrowserLikeClient(app.test_client())
    # The value arrives percent-encoded, as a browser sends it (%09 becomes a tab).
    url = "/login?next=" + quote(target, safe="")
    client.refresh_token(url)
    return client.http.post(
        url, data={"email": EMAILS["own"], "password": PASSWORD, "csrf_token": client.token}
    )


@pytest.mark.parametrize("target", [t for t in BYPASSES if t])
def test_login_never_redirects_off_the_site(app, target):
    build_world()
    response = login_with_next(app, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"


def test_login_next_with_an_encoded_tab_is_refused(app):
    build_world()
    client = BrowserLikeClient(app.test_client())
    client.refresh_token("/login?next=/%09/evil.example")
    response = client.http.post(
        "/login?next=/%09/evil.example",
        data={"email": EMAILS["own"], "password": PASSWORD, "csrf_token": client.token},
    )
    assert response.headers["Location"] == "/portal/"


@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "http:evil.example"])
def test_cancel_message_next_stays_on_the_site(app, target):
    world = build_world()
    customer = make_customer("Redirect B.V.")
    message = queue_email(
        db_session(),
        customer=customer,
        recipients=[Recipient("x@example.com", "X")],
        subject="Later",
        body="Body",
        send_at=utcnow() + timedelta(days=1),
    )
    db_session().commit()
    del world
    client = BrowserLikeClient(app.test_client())
    client.login(EMAILS["admin"])
    response = client.post(f"/admin/message/cancel/{message.id}", {"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/message/details/?id={message.id}"
    db_session().expire_all()
    status = db_session().scalar(select(Message.status).where(Message.id == message.id))
    assert status == MessageStatus.CANCELLED.value


@pytest.mark.parametrize("target", ["http:evil.example", "//evil.example", "/\t/evil.example"])
def test_admin_forms_drop_an_unsafe_return_url(app, target):
    world = build_world()
    client = BrowserLikeClient(app.test_client())
    client.login(EMAILS["admin"])
    url = f"/admin/customerstatus/?url={quote(target, safe='')}&page=0"
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/customerstatus/?page=0"
    refused = client.post(
        f"/admin/issue/edit/?id={world.own_issue.id}&url={quote(target, safe='')}",
        {"title": "Changed by a crafted link"},
    )
    assert refused.status_code == 400
    db_session().expire_all()
    assert world.own_issue.title == "Alpha printer offline"


def test_admin_forms_keep_a_safe_return_url(app):
    build_world()
    client = BrowserLikeClient(app.test_client())
    client.login(EMAILS["admin"])
    response = client.get("/admin/customerstatus/?url=/admin/customer/")
    assert response.status_code == 200
