"""Shared fixtures: a real SQLite file per test, users per role, clients, a real Chromium."""

from __future__ import annotations

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

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database upgraded through the real migrations once; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "iris.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_database: Path) -> str:
    path = tmp_path / "iris.sqlite"
    shutil.copy(migrated_database, path)
    return f"sqlite:///{path}"


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
    user = User(email=email, name=name or email.split("@")[0].title(), role=role, active=active)
    user.set_password(PASSWORD)
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

    def login(self, email: str, password: str = PASSWORD):  # noqa: ANN201
        self.refresh_token("/login")
        return self.http.post(
            "/login", data={"email": email, "password": password, "csrf_token": self.token}
        )

    def get(self, url: str, **kwargs):  # noqa: ANN003, ANN201
        _forget_request_state()
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):  # noqa: ANN003, ANN201
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
def server_url(live_server) -> str:  # noqa: ANN001
    return live_server.url().rstrip("/")


@pytest.fixture
def admin_page(page, server_url: str, admin_user: User):  # noqa: ANN001, ANN201
    """A Chromium page logged in as an admin through the login form."""
    login_in_browser(page, server_url, admin_user.email)
    return page


def login_in_browser(page, server_url: str, email: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    page.goto(f"{server_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
