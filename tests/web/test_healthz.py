"""GET /healthz: 200 when the database answers and is migrated, 503 with a reason otherwise."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from iris_admin import create_app
from iris_admin.schema import MIGRATIONS, head_revision, upgrade
from tests.conftest import Client


def healthz(app):
    return app.test_client().get("/healthz")


def app_on(database_url: str, **overrides: object):
    return create_app(
        {"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    )


def test_healthy_database_answers_200_ok_without_logging_in(app, anonymous):
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no session started for a probe


def test_logged_in_users_get_the_same_answer(app, staff_client: Client):
    response = staff_client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "database": "ok"})


def test_an_empty_database_is_reported_not_migrated(tmp_path):
    response = healthz(app_on(f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] == "not migrated"
    assert "flask iris init" in body["reason"] and head_revision() in body["reason"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_database_one_migration_behind_is_reported_not_migrated(tmp_path):
    url = f"sqlite:///{tmp_path / 'behind.sqlite'}"
    previous = ScriptDirectory(str(MIGRATIONS)).get_revision(head_revision()).down_revision
    engine = sa.create_engine(url)
    upgrade(engine, previous)
    engine.dispose()
    app = app_on(url)
    assert healthz(app).status_code == 503
    assert f"revision {previous}," in healthz(app).get_json()["reason"]

    engine = sa.create_engine(url)
    upgrade(engine)  # `flask iris init` after the upgrade: the same worker is healthy again
    engine.dispose()
    assert healthz(app).status_code == 200


def test_a_schema_newer_than_the_code_still_serves_during_a_rolling_upgrade(database_url):
    # The migration of the next version ran; these workers still run this version.
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE iris_alembic_version SET version_num = 'f00d_next'"))
    engine.dispose()
    response = healthz(app_on(database_url))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert "newer than this code" in body["note"]


def test_an_unreachable_database_answers_503_without_revealing_where_it_is(tmp_path):
    missing_folder = tmp_path / "no-such-folder" / "iris.sqlite"
    response = healthz(app_on(f"sqlite:///{missing_folder}"))
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "database": "unreachable",
        "reason": "The database does not answer.",
    }


def test_an_unreachable_postgresql_server_answers_503_without_its_credentials():
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    url = "postgresql+psycopg://iris_user:pa55-word@127.0.0.1:1/iris?connect_timeout=5"
    response = healthz(app_on(url))
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert response.get_json()["database"] == "unreachable"
    for secret in ("iris_user", "pa55-word", "127.0.0.1", "5432", ":1"):
        assert secret not in page


def test_a_host_app_can_switch_the_endpoint_off(database_url):
    app = app_on(database_url, IRIS_HEALTHZ=False)
    assert healthz(app).status_code == 404
    assert "iris_health.healthz" not in app.view_functions
