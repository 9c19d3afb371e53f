"""Ending sessions: logging out, a password change or reset, deactivation and an admin's
"log out everywhere" end every session and remember cookie of the account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask

from iris_admin.extension import db_session
from iris_admin.models import User
from iris_admin.sessions import load_session_user
from tests.conftest import PASSWORD
from tests.portal_world import EMAILS, BrowserLikeClient, build_world

NEW_PASSWORD = "a new and long password"


def cookie(client: BrowserLikeClient, name: str) -> str | None:
    found = client.http.get_cookie(name)
    return found.value if found is not None else None


def logged_in(app: Flask, email: str, remember: bool = False) -> BrowserLikeClient:
    client = BrowserLikeClient(app.test_client())
    client.refresh_token()
    data = {"email": email, "password": PASSWORD, "csrf_token": client.token}
    if remember:
        data["remember"] = "y"
    assert client.http.post("/login", data=data).status_code == 302
    return client


def replay(app: Flask, name: str, value: str) -> BrowserLikeClient:
    """Another browser that only has this one stolen cookie."""
    thief = BrowserLikeClient(app.test_client())
    thief.http.set_cookie(name, value)
    return thief


def assert_ended(app: Flask, session_cookie: str | None, remember_cookie: str | None, url: str):
    if session_cookie:
        response = replay(app, "session", session_cookie).get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    if remember_cookie:
        response = replay(app, "remember_token", remember_cookie).get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_old_cookies_work_until_something_ends_them(app):
    build_world()
    client = logged_in(app, EMAILS["own"], remember=True)
    assert replay(app, "session", cookie(client, "session")).get("/portal/").status_code == 200
    stolen = cookie(client, "remember_token")
    assert replay(app, "remember_token", stolen).get("/portal/").status_code == 200


def test_logout_ends_the_session_and_the_remember_cookie(app):
    build_world()
    client = logged_in(app, EMAILS["own"], remember=True)
    old_session, old_remember = cookie(client, "session"), cookie(client, "remember_token")
    other_device = logged_in(app, EMAILS["own"])
    assert client.post("/logout").status_code == 302
    assert_ended(app, old_session, old_remember, "/portal/")
    # Logging out ends every session of the account, the other device's too.
    assert other_device.get("/portal/").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app):
    build_world()
    client = logged_in(app, EMAILS["own"], remember=True)
    old_session, old_remember = cookie(client, "session"), cookie(client, "remember_token")
    other_device = logged_in(app, EMAILS["own"])
    client.refresh_token("/portal/profile")
    response = client.post(
        "/portal/profile/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    assert other_device.get("/portal/").status_code == 302
    assert_ended(app, old_session, old_remember, "/portal/")


def test_password_reset_by_an_admin_ends_the_sessions(app):
    world = build_world()
    victim = logged_in(app, EMAILS["staff"], remember=True)
    old_session, old_remember = cookie(victim, "session"), cookie(victim, "remember_token")
    admin = logged_in(app, EMAILS["admin"])
    staff = world.users["staff"]
    admin.refresh_token(f"/admin/user/edit/?id={staff.id}")
    response = admin.post(
        f"/admin/user/edit/?id={staff.id}",
        {
            "name": staff.name,
            "email": staff.email,
            "role": "staff",
            "active": "y",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert victim.get("/admin/customer/").status_code == 302
    assert_ended(app, old_session, old_remember, "/admin/customer/")
    assert admin.get("/admin/customer/").status_code == 200


def test_deactivation_ends_the_sessions_even_after_reactivation(app):
    world = build_world()
    victim = logged_in(app, EMAILS["own"], remember=True)
    old_session, old_remember = cookie(victim, "session"), cookie(victim, "remember_token")
    admin = logged_in(app, EMAILS["admin"])
    own = world.users["own"]
    edit = f"/admin/user/edit/?id={own.id}"
    admin.refresh_token(edit)
    form = {"name": own.name, "email": own.email, "role": "customer"}
    assert admin.post(edit, form).status_code == 302  # no "active": deactivated
    assert admin.post(edit, {**form, "active": "y"}).status_code == 302
    db_session().expire_all()
    assert db_session().get(User, own.id).active
    assert_ended(app, old_session, old_remember, "/portal/")


def test_admin_logs_a_user_out_everywhere(app):
    world = build_world()
    victim = logged_in(app, EMAILS["manager"], remember=True)
    old_session, old_remember = cookie(victim, "session"), cookie(victim, "remember_token")
    admin = logged_in(app, EMAILS["admin"])
    admin.refresh_token("/admin/user/")
    response = admin.post(
        "/admin/user/action/",
        {"action": "end_sessions", "rowid": [str(world.users["manager"].id)]},
        follow_redirects=True,
    )
    assert "1 account is logged out everywhere." in response.get_data(as_text=True)
    assert victim.get("/portal/").status_code == 302
    assert_ended(app, old_session, old_remember, "/portal/")
    assert admin.get("/admin/user/").status_code == 200


def test_log_out_everywhere_needs_a_token_and_an_admin(app):
    world = build_world()
    victim = logged_in(app, EMAILS["own"])
    staff = logged_in(app, EMAILS["staff"])
    staff.refresh_token("/admin/customer/")
    data = {"action": "end_sessions", "rowid": [str(world.users["own"].id)]}
    assert staff.post("/admin/user/action/", data).status_code == 403
    admin = logged_in(app, EMAILS["admin"])
    assert admin.post("/admin/user/action/", data, csrf=False).status_code == 400
    assert victim.get("/portal/").status_code == 200


def test_remember_cookie_lasts_iris_remember_days(app):
    build_world()
    client = BrowserLikeClient(app.test_client())
    client.refresh_token()
    response = client.http.post(
        "/login",
        data={
            "email": EMAILS["own"],
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": client.token,
        },
    )
    header = next(
        v for v in response.headers.getlist("Set-Cookie") if v.startswith("remember_token=")
    )
    assert app.config["IRIS_REMEMBER_DAYS"] == 14
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    days = (expires - datetime.now(UTC)).total_seconds() / 86400
    assert 13.9 < days <= 14


@pytest.mark.parametrize("value", ["1", "1:", ":1", "abc:1", "99999999999999999999999:1", "1:x"])
def test_tampered_or_old_style_ids_load_no_user(app, value):
    build_world()
    assert load_session_user(db_session(), value) is None
