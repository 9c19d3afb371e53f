"""The stand-alone app on a SQLite file: pages keep loading while another connection
writes (write-ahead logging), as they must while an import commits."""

from __future__ import annotations

import time

from sqlalchemy import text

from iris_admin import create_app
from iris_admin.extension import db_session
from tests.conftest import PASSWORD, make_user


def _app(sqlite_url: str, **config):
    return create_app(
        {
            "IRIS_CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": sqlite_url,
            "WTF_CSRF_ENABLED": False,
            **config,
        }
    )


def _log_in(app) -> object:
    with app.app_context():
        make_user("admin@example.com", "admin")
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_sqlite_file_is_written_ahead_of_a_log(sqlite_url):
    app = _app(sqlite_url)
    with app.app_context():
        assert db_session().execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_overview_loads_while_another_connection_holds_the_write_lock(sqlite_url):
    app = _app(sqlite_url)
    client = _log_in(app)
    with app.app_context():
        engine = db_session().get_bind()
    writer = engine.raw_connection()
    try:
        # What an import's commit holds for seconds: the database's exclusive lock,
        # with a customer written but not committed.
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute(
            "INSERT INTO iris_customer (name, is_business, search_text, notify_issue_updates,"
            " created_at, updated_at) VALUES ('Uncommitted Umbrellas', 1, 'uncommitted', 0,"
            " '2026-01-01', '2026-01-01')"
        )
        started = time.monotonic()
        response = client.get("/admin/customer/")
        waited = time.monotonic() - started
        assert response.status_code == 200
        # A reader in SQLite's default rollback mode would wait for the lock (up to
        # the 30 s busy timeout) and then fail; with the log it reads at once.
        assert waited < 10
        assert "Uncommitted Umbrellas" not in response.get_data(as_text=True)
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert "Uncommitted Umbrellas" in client.get("/admin/customer/").get_data(as_text=True)


def test_write_ahead_logging_can_be_switched_off(sqlite_url):
    app = _app(sqlite_url, IRIS_SQLITE_WAL=False)
    with app.app_context():
        assert db_session().execute(text("PRAGMA journal_mode")).scalar() == "delete"
