"""flask iris init | demo | create-user."""

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from iris_admin import create_app
from iris_admin.extension import db_session
from iris_admin.models import Contact, Customer, CustomerUser, Issue, User
from iris_admin.schema import current_revision, head_revision


@pytest.fixture
def empty_app(tmp_path):
    app = create_app(
        {"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/new.sqlite"}
    )
    with app.app_context():
        yield app


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["iris", *args], input=input)


def test_init_creates_the_schema_and_is_idempotent(empty_app):
    engine = db_session().get_bind()
    assert current_revision(engine) is None
    result = run(empty_app, "init")
    assert result.exit_code == 0, result.output
    assert current_revision(engine) == head_revision()
    assert "Customer" not in result.output
    assert db_session().scalar(select(func.count()).select_from(Customer)) == 0
    again = run(empty_app, "init")
    assert again.exit_code == 0 and "up to date" in again.output


def test_demo_without_serving_fills_an_empty_database_and_prints_the_login(empty_app):
    result = run(empty_app, "demo", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output and "Password:" in result.output
    count = lambda model: db_session().scalar(select(func.count()).select_from(model))  # noqa: E731  a one-line helper for the asserts below
    assert 150 <= count(Customer) <= 250
    assert count(Contact) > 0 and count(Issue) > 0 and count(CustomerUser) > 0
    persons = db_session().scalar(
        select(func.count()).select_from(Customer).where(Customer.is_business.is_(False))
    )
    assert 0 < persons < count(Customer)
    second = run(empty_app, "demo", "--no-serve")
    assert "already has customers" in second.output
    assert count(Customer) == 200


def test_create_user_with_password(empty_app):
    run(empty_app, "init")
    result = run(
        empty_app,
        "create-user",
        "New@Example.com",
        "--role",
        "staff",
        "--name",
        "New Person",
        "--password",
        "long enough pw",
    )
    assert result.exit_code == 0, result.output
    user = db_session().scalar(select(User))
    assert (user.email, user.role, user.name) == ("new@example.com", "staff", "New Person")
    assert user.check_password("long enough pw")


def test_create_user_prompts_for_the_password(empty_app):
    run(empty_app, "init")
    result = run(
        empty_app,
        "create-user",
        "p@example.com",
        "--role",
        "admin",
        input="secret pw 1\nsecret pw 1\n",
    )
    assert result.exit_code == 0, result.output
    assert db_session().scalar(select(User)).check_password("secret pw 1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dup@example.com", "--role", "staff", "--password", "long enough pw"], "already exists"),
        (
            ["x@example.com", "--role", "wizard", "--password", "long enough pw"],
            "Unknown role wizard",
        ),
        (
            ["not-an-email", "--role", "staff", "--password", "long enough pw"],
            "Not a valid e-mail address",
        ),
        (["short@example.com", "--role", "staff", "--password", "short"], "at least 8 characters"),
    ],
)
def test_create_user_refuses_bad_input_with_non_zero_exit(empty_app, args, message):
    run(empty_app, "init")
    run(
        empty_app,
        "create-user",
        "dup@example.com",
        "--role",
        "staff",
        "--password",
        "long enough pw",
    )
    result = run(empty_app, "create-user", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert db_session().scalar(select(func.count()).select_from(User)) == 1


def test_migrations_match_the_models(tmp_path):
    """The Alembic history creates exactly what the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from iris_admin.models import IrisBase
    from iris_admin.schema import upgrade
    from iris_admin.search_index import is_search_index_object

    engine = sa.create_engine(f"sqlite:///{tmp_path}/m.sqlite")
    upgrade(engine)
    with engine.connect() as connection:
        # The search index (migration 0005) is the database's own, not the models'.
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, *_: not is_search_index_object(name),
            },
        )
        diff = [
            d
            for d in compare_metadata(context, IrisBase.metadata)
            if not (
                isinstance(d, tuple)
                and d[0] == "remove_table"
                and d[1].name == "iris_alembic_version"
            )
        ]
    assert diff == []


def test_demo_serves_the_app_on_the_given_port(tmp_path):
    """The README's first command, for real: a process that answers on 127.0.0.1."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    repo = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "IRIS_DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite",
        "IRIS_CONFIG": "development",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "iris",
            "demo",
            "--port",
            str(port),
            "--customers",
            "20",
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/login", timeout=2
                ) as response:
                    assert response.status == 200
                    assert "Log in" in response.read().decode()
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the demo did not answer within 90 s"
                time.sleep(0.3)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "admin@example.com" in output
