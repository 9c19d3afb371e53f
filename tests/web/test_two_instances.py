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
    return create_app(
        {
            "IRIS_CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET,
            "IRIS_LOGIN_MAX_FAILURES_PER_ACCOUNT": 3,
        }
    )


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
    response = client.post(
        "/login", data={"email": "ops@test.example", "password": password, "csrf_token": token}
    )
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
    upload = on_first.post(
        "/admin/import/",
        data={
            "file": (
                io.BytesIO(xlsx_bytes([row(code="C1", name="Acme"), row(code="C2", name="Beta")])),
                "customers.xlsx",
            ),
            "mode": "add",
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
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


def test_the_progress_of_a_commit_shows_on_the_other_instance(instances) -> None:
    """While one instance commits an import, the other shows how far it is.

    PostgreSQL: the figures are stored beside the commit's transaction, so the other
    instance reads them as they come. SQLite allows one writer, the commit, so the
    other instance sees "being applied" and the figures once the commit ends.
    """
    from iris_admin.importing.apply import apply_run
    from iris_admin.importing.jobs import read_options, working_on
    from iris_admin.importing.results import ImportMode
    from iris_admin.importing.store import claim_for_apply, create_run, plan_run
    from tests.conftest import BACKEND
    from tests.factories import make_customer

    first, second = instances
    on_second = second.test_client()
    assert log_in(on_second) == 302
    with first.app_context():
        session = db_session()
        make_customer("Old", code="C0")
        data = xlsx_bytes(
            [row(code="C0", name="Old", city="Delft")]
            + [row(code=f"N{n}", name=f"New {n}") for n in range(5)]
        )
        run = create_run(
            session,
            mode=ImportMode.ADD,
            file_name="c.xlsx",
            file_size=len(data),
            ttl_seconds=600,
            upload=data,
        )
        plan_run(session, run, data, read_options())
        assert claim_for_apply(session, run) is None
        run_id = run.id
        seen: list[tuple[int, int | None, str]] = []

        def look_from_second(done: int, total: int) -> None:
            progress = on_second.get(f"/admin/import/{run_id}/progress").get_json()
            seen.append((progress["done"], progress["total"], progress["status"]))

        with working_on(run_id):  # as the confirming request does
            apply_run(session, run_id, progress=look_from_second)

    assert [status for _done, _total, status in seen] == ["applying"] * len(seen)
    if BACKEND == "postgresql":
        # Start, the 5 new customers inserted, then the update: each seen at once.
        assert [(done, total) for done, total, _status in seen] == [(0, 6), (5, 6), (6, 6)]
    else:
        assert {done for done, _total, _status in seen} == {0}
    final = on_second.get(f"/admin/import/{run_id}/progress").get_json()
    assert (final["done"], final["total"], final["status"]) == (6, 6, "applied")
