"""Two app instances on one database behave as one deployment.

A hosted deployment runs several workers that share nothing but the database (and
the secret key). Here two separately built apps — their own engines, sessions and
memory — stand for two workers: a preview made on one is confirmed on the other,
and failed log-ins counted by one pause log-in on the other. (Scheduled messages
live in the outbox table; tests/unit/test_messaging_parallel.py runs two dispatchers
on one database.)
"""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from iris_admin import create_app
from iris_admin.extension import db_session
from iris_admin.models import Customer, ImportRun, RunStatus
from tests.conftest import PASSWORD, make_user
from tests.import_files import row, xlsx_bytes

SECRET = "shared-secret-of-the-deployment"


def instance(database_url: str) -> Flask:
    return create_app({"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": database_url,
                       "SECRET_KEY": SECRET, "IRIS_LOGIN_MAX_FAILURES_PER_ACCOUNT": 3})


@pytest.fixture
def instances(database_url: str) -> tuple[Flask, Flask]:
    first, second = instance(database_url), instance(database_url)
    with first.app_context():
        make_user("ops@test.example", "admin", "Olga Ops")
    return first, second


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def log_in(client: FlaskClient, password: str = PASSWORD) -> int:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "ops@test.example", "password": password,
                                           "csrf_token": token})
    return response.status_code


def same_browser(source: FlaskClient, target: FlaskClient) -> None:
    """The load balancer sends the same browser (its cookies) to the other instance."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def count(app: Flask, model) -> int:
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(model))


def test_a_preview_made_on_one_instance_is_confirmed_on_the_other(instances) -> None:
    first, second = instances
    on_first, on_second = first.test_client(), second.test_client()
    assert log_in(on_first) == 302
    token = csrf_token(on_first, "/admin/import/")
    upload = on_first.post("/admin/import/", data={
        "file": (io.BytesIO(xlsx_bytes([row(code="C1", name="Acme"), row(code="C2", name="Beta")])),
                 "customers.xlsx"),
        "mode": "add", "csrf_token": token,
    }, content_type="multipart/form-data")
    assert upload.status_code == 303
    preview_url = upload.headers["Location"]
    run_id = int(re.search(r"/admin/import/(\d+)/", preview_url).group(1))

    same_browser(on_first, on_second)
    preview = on_second.get(preview_url).get_data(as_text=True)
    assert "2 new" in preview and 'id="confirm-button"' in preview
    assert count(second, Customer) == 0  # the preview wrote nothing

    token = csrf_token(on_second, preview_url)
    confirmed = on_second.post(f"/admin/import/{run_id}/confirm", data={"csrf_token": token})
    assert confirmed.status_code == 303
    assert count(first, Customer) == 2
    with first.app_context():
        assert db_session().get(ImportRun, run_id).status == RunStatus.APPLIED.value
    # The result shows on the first instance as well.
    result = on_first.get(f"/admin/import/{run_id}/").get_data(as_text=True)
    assert "2 customers added" in result


def test_failed_log_ins_counted_on_one_instance_lock_the_other(instances) -> None:
    first, second = instances
    on_first, on_second = first.test_client(), second.test_client()
    assert log_in(on_first, "wrong") == 200
    assert log_in(on_second, "wrong") == 200
    assert log_in(on_first, "wrong") == 200
    # Three failures in all: log-in is paused on both instances, right password or not.
    assert log_in(on_second) == 429
    assert log_in(on_first) == 429
    assert on_first.get("/admin/customer/").status_code == 302  # still not logged in
