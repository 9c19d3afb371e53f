"""Security properties: CSRF on every state-changing route, log-in throttling, cookies,
production secrets, deactivation, and what staff may not do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from iris_admin import create_app
from iris_admin.extension import db_session
from iris_admin.models import Customer, Issue, IssueReply, LoginFailure, Role, User
from iris_admin.permissions import has_permission
from tests.conftest import PASSWORD, make_user
from tests.portal_world import EMAILS, BrowserLikeClient, build_world, client_for
from tests.web.test_permission_matrix import ENTRIES, app_rules

ROOT = Path(__file__).resolve().parents[2]


def count(model, *conditions) -> int:
    return db_session().scalar(select(func.count()).select_from(model).where(*conditions))


def text(response) -> str:
    return response.get_data(as_text=True)


# -- CSRF ------------------------------------------------------------------------------------
def state_changing_routes(app) -> list[tuple[str, str]]:
    """Every rule that accepts anything but GET, straight from the URL map."""
    return sorted({(rule, method) for rule, method in app_rules(app) if method != "GET"})


@pytest.mark.parametrize("actor", ["admin", "manager"])
def test_every_state_changing_route_refuses_a_post_without_a_valid_token(app, actor):
    world = build_world()
    ids = world.ids()
    client = client_for(app, actor)
    before = {
        "customers": count(Customer),
        "issues": count(Issue),
        "replies": count(IssueReply),
    }
    accepted = []
    for rule, method in state_changing_routes(app):
        entry = ENTRIES.get((rule, method))
        # A route not yet in the matrix is still checked here (any id will do: the
        # token is checked before the view runs); the matrix test reports it.
        url = entry.url.format(**ids) if entry else re.sub(r"<(?:int:)?[^>]+>", "1", rule)
        data = {
            "body": "x",
            "title": "x",
            "name": "x",
            "customer_id": world.alpha.id,
            "id": world.victim_customer.id,
        }
        for token in (None, "forged-token", client.token + "x"):
            payload = dict(data) if token is None else {**data, "csrf_token": token}
            response = client.post(url, payload, csrf=False)
            if response.status_code != 400 or "CSRF" not in text(response):
                accepted.append(f"{method} {url} with token {token!r}: {response.status_code}")
    assert not accepted, "Accepted without a valid CSRF token:\n" + "\n".join(accepted)
    after = {
        "customers": count(Customer),
        "issues": count(Issue),
        "replies": count(IssueReply),
    }
    assert after == before
    assert client.get("/portal/" if actor == "manager" else "/admin/customer/").status_code == 200


def test_a_token_of_another_session_is_refused(app):
    world = build_world()
    attacker = client_for(app, "all")
    victim = client_for(app, "own")
    response = victim.post(
        f"/portal/issues/{world.own_issue.id}/reply",
        {"body": "forged", "csrf_token": attacker.token},
        csrf=False,
    )
    assert response.status_code == 400
    assert count(IssueReply, IssueReply.body == "forged") == 0


def test_login_form_refuses_a_post_without_a_token(anonymous, admin_user):
    response = anonymous.post(
        "/login", {"email": admin_user.email, "password": PASSWORD}, csrf=False
    )
    assert response.status_code == 400


# -- log-in throttling --------------------------------------------------------------------------
THROTTLE_MESSAGE = "Too many failed log-in attempts"


def test_login_is_throttled_per_account_with_a_clear_message(app, staff_user):
    client = BrowserLikeClient(app.test_client())
    for _attempt in range(5):
        response = client.login(staff_user.email, "wrong password")
        assert response.status_code == 200
        assert "Wrong e-mail address or password." in text(response)
    throttled = client.login(staff_user.email, "wrong password")
    assert throttled.status_code == 429
    assert THROTTLE_MESSAGE in text(throttled) and "1 minute(s)" in text(throttled)
    assert int(throttled.headers["Retry-After"]) > 0
    # Even the right password is refused during the pause: guessing gains nothing.
    assert client.login(staff_user.email, PASSWORD).status_code == 429
    # From an address that has not failed the account is slowed down, not locked:
    # the right password logs in (tests/web/test_login_protection.py).
    other = BrowserLikeClient(app.test_client())
    other.http.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert other.login(staff_user.email, PASSWORD).status_code == 302
    # Other accounts are not affected.
    make_user("colleague@test.example", Role.STAFF.value)
    assert BrowserLikeClient(app.test_client()).login("colleague@test.example").status_code == 302


def test_login_is_throttled_per_address(app, staff_user):
    attacker = BrowserLikeClient(app.test_client())
    attacker.http.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for number in range(20):
        assert attacker.login(f"guess{number}@test.example", "nope").status_code == 200
    throttled = attacker.login(staff_user.email, PASSWORD)
    assert throttled.status_code == 429
    assert THROTTLE_MESSAGE in text(throttled)
    # The same account from another address still logs in.
    elsewhere = BrowserLikeClient(app.test_client())
    elsewhere.http.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert elsewhere.login(staff_user.email).status_code == 302


def test_successful_login_clears_the_account_counter(app, staff_user):
    client = BrowserLikeClient(app.test_client())
    for _attempt in range(4):
        client.login(staff_user.email, "wrong password")
    assert client.login(staff_user.email).status_code == 302
    assert count(LoginFailure, LoginFailure.email == staff_user.email) == 0


def test_throttle_counters_are_shared_by_every_app_instance_on_the_database(
    app, app_config, staff_user
):
    # Two workers = two app instances on one database: failures on one count on the other.
    first = BrowserLikeClient(app.test_client())
    for _attempt in range(5):
        first.login(staff_user.email, "wrong password")
    email = staff_user.email
    second_app = create_app(app_config)
    with second_app.app_context():
        second = BrowserLikeClient(second_app.test_client())
        assert second.login(email, PASSWORD).status_code == 429


def test_throttle_limits_come_from_config(app_config, staff_user):
    email = staff_user.email
    strict = create_app({**app_config, "IRIS_LOGIN_MAX_FAILURES_PER_ACCOUNT": 2})
    with strict.app_context():
        client = BrowserLikeClient(strict.test_client())
        client.login(email, "wrong")
        client.login(email, "wrong")
        assert client.login(email).status_code == 429


# -- cookies and production configuration ---------------------------------------------------------
def session_cookie_header(response) -> str:
    cookies = [
        value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")
    ]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite(app, staff_user):
    client = BrowserLikeClient(app.test_client())
    header = session_cookie_header(client.login(staff_user.email))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_remember_cookie_is_httponly_and_samesite(app, staff_user):
    client = BrowserLikeClient(app.test_client())
    client.refresh_token()
    response = client.http.post(
        "/login",
        data={
            "email": staff_user.email,
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": client.token,
        },
    )
    remember = [
        v for v in response.headers.getlist("Set-Cookie") if v.startswith("remember_token=")
    ]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def production_config(database_url: str, **overrides: object) -> dict:
    return {
        "IRIS_CONFIG": "production",
        "SECRET_KEY": "a-long-random-production-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "IRIS_PORTAL_BASE_URL": "https://desk.example.com",
        **overrides,
    }


def test_production_config_sets_secure_cookies(database_url, staff_user):
    prod = create_app(production_config(database_url))
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with prod.app_context():
        client = BrowserLikeClient(prod.test_client())
        client.http.environ_base["wsgi.url_scheme"] = "https"
        header = session_cookie_header(client.http.get("/login", base_url="https://localhost"))
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SQLALCHEMY_DATABASE_URI"])
def test_production_refuses_to_start_without_its_secrets(database_url, missing):
    with pytest.raises(RuntimeError, match=r"IRIS_SECRET_KEY|IRIS_DATABASE_URL"):
        create_app(production_config(database_url, **{missing: None}))


def test_production_wsgi_app_refuses_to_start_without_environment(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("IRIS_SECRET_KEY", "IRIS_DATABASE_URL")
    }
    environment["IRIS_CONFIG"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=environment,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "IRIS_SECRET_KEY" in result.stderr and "IRIS_DATABASE_URL" in result.stderr


def test_production_wsgi_app_starts_with_its_environment(tmp_path):
    environment = {
        **os.environ,
        "IRIS_CONFIG": "production",
        "IRIS_SECRET_KEY": "a-long-random-production-key",
        "IRIS_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
        "IRIS_PORTAL_BASE_URL": "https://desk.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.config['SESSION_COOKIE_SECURE'])"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


# -- deactivation ----------------------------------------------------------------------------------
def test_deactivating_a_customer_user_ends_portal_access_at_the_next_request(app):
    world = build_world()
    client = client_for(app, "own")
    assert client.get("/portal/").status_code == 200
    world.users["own"].active = False
    db_session().commit()
    response = client.get(f"/portal/issues/{world.own_issue.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    refused = client.post(f"/portal/issues/{world.own_issue.id}/reply", {"body": "still here?"})
    assert refused.status_code in (302, 400)
    assert count(IssueReply, IssueReply.body == "still here?") == 0


def test_deactivation_also_beats_the_remember_me_cookie(app):
    world = build_world()
    client = BrowserLikeClient(app.test_client())
    client.refresh_token()
    client.http.post(
        "/login",
        data={
            "email": EMAILS["own"],
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": client.token,
        },
    )
    client.http.delete_cookie("session")
    assert client.get("/portal/").status_code == 200  # the remember cookie logs in again
    world.users["own"].active = False
    db_session().commit()
    client.http.delete_cookie("session")
    assert client.get("/portal/").status_code == 302


def test_deactivated_account_cannot_log_in(app):
    world = build_world()
    world.users["staff"].active = False
    db_session().commit()
    response = BrowserLikeClient(app.test_client()).login(EMAILS["staff"])
    assert response.status_code == 200
    assert "This account is deactivated." in text(response)


# -- what staff may not do -------------------------------------------------------------------------
def test_staff_may_not_open_users_or_the_permission_table(app):
    build_world()
    staff = client_for(app, "staff")
    for url in ("/admin/user/", "/admin/user/new/", "/admin/iris_permissions/"):
        assert staff.get(url).status_code == 403, url
    assert ">Users<" not in text(staff.get("/admin/customer/"))  # nor see it in the menu


def test_staff_may_not_delete_customers_by_any_route(app):
    world = build_world()
    staff = client_for(app, "staff")
    victim_id = world.victim_customer.id
    assert staff.post(f"/admin/customer/{victim_id}/delete").status_code == 403
    staff.post("/admin/customer/delete/", {"id": victim_id})
    staff.post("/admin/customer/action/", {"action": "delete", "rowid": victim_id})
    assert db_session().get(Customer, victim_id) is not None
    page = text(staff.get(f"/admin/customer/details/?id={victim_id}"))
    assert 'id="delete-customer"' not in page


def test_admin_may_delete_a_customer(app):
    world = build_world()
    victim_id = world.victim_customer.id
    assert client_for(app, "admin").post(f"/admin/customer/{victim_id}/delete").status_code == 302
    db_session().expire_all()
    assert db_session().get(Customer, victim_id) is None


def test_staff_may_not_use_import_delete_mode(app):
    world = build_world()
    assert has_permission("customers.import", world.users["staff"])
    assert not has_permission("customers.import_delete", world.users["staff"])
    assert has_permission("customers.import_delete", world.users["admin"])


def test_customer_user_may_not_promote_itself(app):
    world = build_world()
    client = client_for(app, "manager")
    response = client.post(
        f"/admin/user/edit/?id={world.users['manager'].id}",
        {"name": "Mia", "email": EMAILS["manager"], "role": "admin", "active": "y"},
    )
    assert response.status_code == 403
    db_session().expire_all()
    assert db_session().get(User, world.users["manager"].id).role == Role.CUSTOMER.value


# -- redirects after log-in ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_only_redirects_within_the_site(app, target):
    build_world()
    client = BrowserLikeClient(app.test_client())
    client.refresh_token()
    response = client.http.post(
        f"/login?next={target}",
        data={"email": EMAILS["own"], "password": PASSWORD, "csrf_token": client.token},
    )
    assert response.headers["Location"] == "/portal/"


def test_next_within_the_site_is_followed(app):
    world = build_world()
    client = BrowserLikeClient(app.test_client())
    client.refresh_token()
    target = f"/portal/issues/{world.own_issue.id}"
    response = client.http.post(
        f"/login?next={target}",
        data={"email": EMAILS["own"], "password": PASSWORD, "csrf_token": client.token},
    )
    assert response.headers["Location"] == target
