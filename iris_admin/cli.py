"""``flask --app wsgi iris ...``: set up, fill and run iris-admin from the shell."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .accounts import AccountError, create_user
from .extension import iris_state
from .schema import current_revision, head_revision, make_revision, upgrade

iris_cli = AppGroup("iris", help="iris-admin: customers for Flask-Admin.")


def _engine():  # noqa: ANN202
    return iris_state().db.engine


@iris_cli.command("init")
def init_command() -> None:
    """Create or upgrade iris-admin's tables (no data)."""
    engine = _engine()
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    if before == after:
        click.echo(f"Schema is up to date (revision {after}).")
    else:
        click.echo(f"Schema upgraded from {before or 'empty'} to {after}.")


@iris_cli.command("demo")
@click.option("--port", default=5000, show_default=True, help="Port to serve on (127.0.0.1).")
@click.option("--no-serve", is_flag=True, help="Only prepare the database.")
@click.option("--customers", default=200, show_default=True, help="Demo customers to add.")
def demo_command(port: int, no_serve: bool, customers: int) -> None:
    """Create the schema, add demo data to an empty database and serve the app."""
    from .demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, add_demo_data

    upgrade(_engine())
    summary = add_demo_data(iris_state().session, customers=customers)
    if summary.created:
        click.echo(f"Added {summary.customers} demo customers with contacts, users and issues.")
    else:
        click.echo("The database already has customers; no demo data added.")
    click.echo("")
    click.echo(f"  Log in at http://127.0.0.1:{port}/login")
    click.echo(f"  E-mail:   {DEMO_ADMIN_EMAIL}")
    click.echo(f"  Password: {DEMO_ADMIN_PASSWORD}")
    click.echo("")
    if not no_serve:
        current_app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False, threaded=True)


@iris_cli.command("create-user")
@click.argument("email")
@click.option("--role", required=True, help="admin, staff or customer.")
@click.option("--name", default=None, help="Display name (defaults to the part before @).")
@click.option("--password", default=None, help="Prompted for when not given.")
def create_user_command(email: str, role: str, name: str | None, password: str | None) -> None:
    """Create a user account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = iris_state().session
    try:
        user = create_user(email, name=name, role=role, password=password)
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} account {user.email}.")


@iris_cli.command("makemigration")
@click.option("-m", "--message", required=True, help="What the revision changes.")
def makemigration_command(message: str) -> None:
    """Autogenerate a schema revision from the models (for iris-admin developers)."""
    engine = _engine()
    if current_revision(engine) != head_revision():
        raise click.ClickException("Upgrade the database first (flask iris init).")
    make_revision(engine, message)
