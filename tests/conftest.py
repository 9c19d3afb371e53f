"""Shared fixtures: a real database per test, users per role, clients, a real Chromium.

The database is a migrated SQLite file by default; with ``IRIS_TEST_DATABASE=postgresql``
every test gets its own PostgreSQL database instead, on the server named by
``IRIS_TEST_POSTGRES_URL`` or on one the suite starts itself (``tests/postgres_server.py``).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from iris_admin import create_app
from iris_admin.extension import db_session
from iris_admin.models import Role, User
from iris_admin.schema import upgrade
from tests import postgres_server
from tests.live_server import ThreadedLiveServer
from tests.passwords import PASSWORD, password_hash

pytest_plugins = ["tests.process_guard"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


BACKEND = os.environ.get("IRIS_TEST_DATABASE", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"IRIS_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")


def pytest_configure(config: pytest.Config) -> None:
    # One server for the whole run, started before xdist's workers (they inherit the
    # environment variable).
    if (
        BACKEND == "postgresql"
        and not os.environ.get("IRIS_TEST_POSTGRES_URL")
        and not hasattr(config, "workerinput")
    ):
        server = postgres_server.start()
        config.stash[_SERVER_KEY] = server
        os.environ["IRIS_TEST_POSTGRES_URL"] = server.url


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER_KEY, None)
    if server is not None:
        postgres_server.stop(server)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL run repeats only the tests that use a database.

    A test that never asks for ``database_url`` (directly or through ``app`` and the
    fixtures built on it) runs the same code whatever the backend; the SQLite run
    already ran it. Tests that need PostgreSQL on every run ask for ``postgres_url``.
    """
    if BACKEND != "postgresql":
        return
    kept, backend_free = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        (kept if uses_database else backend_free).append(item)
    if backend_free:
        config.hook.pytest_deselected(items=backend_free)
        items[:] = kept


def pytest_report_header() -> str:
    return f"iris-admin test database: {BACKEND}"


_SERVER_KEY = pytest.StashKey[postgres_server.Server]()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server URL; tests that need PostgreSQL on every run use it."""
    url = os.environ.get("IRIS_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    server = postgres_server.start()
    try:
        yield server.url
    finally:
        postgres_server.stop(server)


class PostgresDatabases:
    """Fresh databases copied from one migrated template database."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        # Unique per process: several runs (or xdist workers) may share one server.
        self.prefix = f"iris_test_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.counter = itertools.count()
        self.admin = sa.create_engine(
            server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.template}"')
        engine = sa.create_engine(
            postgres_server.database_url(server_url, self.template), poolclass=sa.pool.NullPool
        )
        upgrade(engine)
        engine.dispose()

    def _execute(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(sa.text(statement))

    def new(self) -> str:
        name = f"{self.prefix}_{next(self.counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
        return postgres_server.database_url(self.server_url, name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases(postgres_url: str) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_url)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file upgraded through the real migrations once; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "iris.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    path = tmp_path / "iris.sqlite"
    shutil.copy(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_database_url(postgres_databases: PostgresDatabases) -> Iterator[str]:
    url = postgres_databases.new()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of the backend under test, for this test alone."""
    fixture = "postgres_database_url" if BACKEND == "postgresql" else "sqlite_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def app_config(database_url: str) -> dict:
    """Override to change settings for one test module."""
    return {"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": database_url}


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        yield app


def make_user(email: str, role: str, name: str | None = None, active: bool = True) -> User:
    user = User(
        email=email,
        name=name or email.split("@")[0].title(),
        role=role,
        active=active,
        password_hash=password_hash(),
    )
    session = db_session()
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def admin_user(app: Flask) -> User:
    return make_user("admin@test.example", Role.ADMIN.value, "Ada Admin")


@pytest.fixture
def staff_user(app: Flask) -> User:
    return make_user("staff@test.example", Role.STAFF.value, "Stan Staff")


@pytest.fixture
def customer_account(app: Flask) -> User:
    return make_user("user@customer.example", Role.CUSTOMER.value, "Cora Customer")


class Client:
    """A test client that logs in through the real form and sends CSRF tokens like a browser."""

    def __init__(self, flask_client: FlaskClient) -> None:
        self.http = flask_client
        self.token: str | None = None

    def refresh_token(self, url: str = "/login") -> str:
        page = self.http.get(url, follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        assert match, f"no CSRF token on {url}"
        self.token = match.group(1)
        return self.token

    def login(self, email: str, password: str = PASSWORD):
        self.refresh_token("/login")
        return self.http.post(
            "/login", data={"email": email, "password": password, "csrf_token": self.token}
        )

    def get(self, url: str, **kwargs):
        _forget_request_state()
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.refresh_token()
            data.setdefault("csrf_token", self.token)
        _forget_request_state()
        return self.http.post(url, data=data, **kwargs)


def _forget_request_state() -> None:
    """Each request starts like a new one in production.

    pytest-flask keeps one request context pushed for the whole test, so Flask
    reuses its app context (and ``g``, where Flask-Login caches the user) for
    every test-client request.
    """
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    g.pop("_flask_babel", None)  # Flask-Babel's locale of the previous request


@pytest.fixture
def anonymous(app: Flask) -> Client:
    return Client(app.test_client())


@pytest.fixture
def admin_client(app: Flask, admin_user: User) -> Client:
    client = Client(app.test_client())
    assert client.login(admin_user.email).status_code == 302
    return client


@pytest.fixture
def staff_client(app: Flask, staff_user: User) -> Client:
    client = Client(app.test_client())
    assert client.login(staff_user.email).status_code == 302
    return client


@pytest.fixture
def customer_client(app: Flask, customer_account: User) -> Client:
    client = Client(app.test_client())
    assert client.login(customer_account.email).status_code == 302
    return client


# -- browser -------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright does not find Debian's Chromium by itself."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def live_server(app: Flask) -> Iterator[ThreadedLiveServer]:
    """The app served on a thread of this process (replaces pytest-flask's forking one)."""
    server = ThreadedLiveServer(app).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_url(live_server: ThreadedLiveServer) -> str:
    return live_server.url().rstrip("/")


@pytest.fixture
def admin_page(page, server_url: str, admin_user: User):
    """A Chromium page logged in as an admin through the login form."""
    login_in_browser(page, server_url, admin_user.email)
    return page


def login_in_browser(page, server_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{server_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
