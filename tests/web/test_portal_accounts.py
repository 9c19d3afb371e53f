"""Provisioning customer users from scripts: ``flask iris create-user ... --customer --access``."""

from __future__ import annotations

from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.models import CustomerUser, Role, User
from tests.conftest import make_user
from tests.factories import make_customer
from tests.portal_world import BrowserLikeClient


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["iris", "create-user", *args])


def links_of(email: str) -> list[tuple[str, str]]:
    user = db_session().scalar(select(User).where(User.email == email))
    db_session().refresh(user)
    return sorted((link.customer.code, link.access) for link in user.customer_links)


def test_creates_a_customer_user_linked_to_a_customer(app):
    make_customer("Alpha B.V.", code="ALPHA")
    result = run(
        app,
        "Olga@Alpha.example",
        "--role",
        "customer",
        "--customer",
        " alpha ",
        "--access",
        "own",
        "--password",
        "a long password",
        "--name",
        "Olga",
    )
    assert result.exit_code == 0, result.output
    assert "Created customer account olga@alpha.example." in result.output
    assert "Linked olga@alpha.example to customer ALPHA with access own." in result.output
    assert links_of("olga@alpha.example") == [("ALPHA", "own")]
    # ... who can log in and lands in the portal.
    client = BrowserLikeClient(app.test_client())
    assert client.login("olga@alpha.example", "a long password").headers["Location"] == "/portal/"


def test_links_an_existing_account_to_a_second_customer(app):
    make_customer("Alpha B.V.", code="ALPHA")
    make_customer("Bravo B.V.", code="BRAVO")
    run(
        app,
        "cas@both.example",
        "--role",
        "customer",
        "--customer",
        "ALPHA",
        "--password",
        "a long password",
    )
    result = run(
        app, "cas@both.example", "--role", "customer", "--customer", "BRAVO", "--access", "manager"
    )
    assert result.exit_code == 0, result.output
    assert "Created" not in result.output
    assert links_of("cas@both.example") == [("ALPHA", "all"), ("BRAVO", "manager")]


def test_running_again_changes_the_access_of_the_link(app):
    make_customer("Alpha B.V.", code="ALPHA")
    run(
        app,
        "x@alpha.example",
        "--role",
        "customer",
        "--customer",
        "ALPHA",
        "--password",
        "a long password",
    )
    result = run(
        app,
        "x@alpha.example",
        "--role",
        "customer",
        "--customer",
        "ALPHA",
        "--access",
        "own",
        "--password",
        "ignored password",
    )
    assert result.exit_code == 0
    assert "Updated the link of x@alpha.example to customer ALPHA with access own." in result.output
    assert "left unchanged" in result.output
    assert links_of("x@alpha.example") == [("ALPHA", "own")]
    assert (
        db_session()
        .scalar(select(User).where(User.email == "x@alpha.example"))
        .check_password("a long password")
    )


def test_unknown_customer_code_changes_nothing(app):
    result = run(
        app,
        "new@nowhere.example",
        "--role",
        "customer",
        "--customer",
        "NOPE",
        "--password",
        "a long password",
    )
    assert result.exit_code != 0
    assert "No customer has the code NOPE." in result.output
    assert db_session().scalar(select(User).where(User.email == "new@nowhere.example")) is None


def test_staff_account_is_not_linked_to_customers(app):
    make_customer("Alpha B.V.", code="ALPHA")
    make_user("staff@desk.example", Role.STAFF.value)
    result = run(app, "staff@desk.example", "--role", "customer", "--customer", "ALPHA")
    assert result.exit_code != 0
    assert "only customer accounts are linked" in result.output
    assert db_session().scalar(select(CustomerUser)) is None


def test_customer_option_needs_the_customer_role(app):
    make_customer("Alpha B.V.", code="ALPHA")
    result = run(
        app,
        "s@desk.example",
        "--role",
        "staff",
        "--customer",
        "ALPHA",
        "--password",
        "a long password",
    )
    assert result.exit_code != 0 and "--customer needs --role customer" in result.output
    result = run(
        app,
        "s@desk.example",
        "--role",
        "customer",
        "--access",
        "own",
        "--password",
        "a long password",
    )
    assert result.exit_code != 0 and "--access needs --customer" in result.output


def test_bad_access_level_is_refused(app):
    make_customer("Alpha B.V.", code="ALPHA")
    result = run(
        app,
        "q@alpha.example",
        "--role",
        "customer",
        "--customer",
        "ALPHA",
        "--access",
        "boss",
        "--password",
        "a long password",
    )
    assert result.exit_code != 0
    assert "'boss' is not one of 'own', 'all', 'manager'" in result.output


def test_plain_create_user_still_works(app):
    result = run(app, "plain@desk.example", "--role", "staff", "--password", "a long password")
    assert result.exit_code == 0
    assert "Created staff account plain@desk.example." in result.output
