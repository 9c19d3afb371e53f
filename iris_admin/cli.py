"""``flask --app wsgi iris ...``: set up, fill and run iris-admin from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from .accounts import AccountError, create_user, find_user, link_customer_user
from .extension import current_flask_app, iris_state
from .schema import current_revision, head_revision, make_revision, upgrade

iris_cli = AppGroup("iris", help="iris-admin: customers for Flask-Admin.")


def _engine():
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
        from .messaging.background import start_background_dispatcher

        app = current_flask_app()
        start_background_dispatcher(app)
        # Flask refuses app.run() inside a ``flask`` command, so serve with Werkzeug directly.
        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False, use_debugger=False)


@iris_cli.command("create-user")
@click.argument("email")
@click.option("--role", required=True, help="admin, staff or customer.")
@click.option("--name", default=None, help="Display name (defaults to the part before @).")
@click.option("--password", default=None, help="Prompted for when not given.")
@click.option(
    "--customer",
    "customer_code",
    default=None,
    help="Code of the customer to link a customer account to.",
)
@click.option(
    "--access",
    type=click.Choice(["own", "all", "manager"]),
    default=None,
    help="What the customer user sees of that customer (with --customer; default all).",
)
def create_user_command(
    email: str,
    role: str,
    name: str | None,
    password: str | None,
    customer_code: str | None,
    access: str | None,
) -> None:
    """Create a user account; with --customer, create or link a customer user.

    An existing customer account is linked (or its access changed), so scripts
    may provision the same person for several customers.
    """
    if access is not None and customer_code is None:
        raise click.UsageError("--access needs --customer.")
    if customer_code is not None and role != "customer":
        raise click.UsageError("--customer needs --role customer.")
    session = iris_state().session
    existing = find_user(email) if customer_code is not None else None
    if existing is None and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = existing or create_user(email, name=name, role=role, password=password or "")
        if customer_code is not None:
            link, created = link_customer_user(user, customer_code, access or "all")
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    if existing is None:
        click.echo(f"Created {user.role} account {user.email}.")
    elif password is not None or name is not None:
        click.echo(f"{user.email} already exists; its name and password were left unchanged.")
    if customer_code is not None:
        verb = "Linked" if created else "Updated the link of"
        click.echo(
            f"{verb} {user.email} to customer {link.customer.code} with access {link.access}."
        )


@iris_cli.command("seed")
@click.option(
    "--customers", type=click.IntRange(min=1), required=True, help="How many customers to add."
)
@click.option(
    "--batch",
    "batch_size",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Customers per batch (one executemany per table).",
)
@click.option(
    "--append",
    is_flag=True,
    help="Add to a database that already has customers (refused otherwise).",
)
@click.option(
    "--random-seed",
    type=int,
    default=None,
    help="Same number, same data (default: the first new customer id).",
)
def seed_command(customers: int, batch_size: int, append: bool, random_seed: int | None) -> None:
    """Fill the database with made-up customers, contacts, addresses and issues, in bulk.

    For trying a deployment at scale; all in one transaction. Never deletes anything.
    """
    from .seed import SeedRefused, SeedResult, seed_customers

    def report(so_far: SeedResult, wanted: int) -> None:
        click.echo(
            f"  {so_far.customers:>11,} / {wanted:,} customers "
            f"({so_far.customers_per_second:,.0f} customers/s)"
        )

    click.echo(f"Seeding {customers:,} customers in batches of {batch_size:,} ...")
    try:
        result = seed_customers(
            _engine(),
            customers,
            batch_size=batch_size,
            append=append,
            random_seed=random_seed,
            progress=report,
            announce=click.echo,
        )
    except SeedRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Added {result.customers:,} customers, {result.contacts:,} contacts, "
        f"{result.invoice_addresses:,} invoice addresses and {result.issues:,} issues "
        f"in {result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s)."
    )
    if result.codes_dropped:
        click.echo(
            f"{result.codes_dropped:,} generated codes existed already; "
            "those customers have no code."
        )


@iris_cli.command("makemigration")
@click.option("-m", "--message", required=True, help="What the revision changes.")
def makemigration_command(message: str) -> None:
    """Autogenerate a schema revision from the models (for iris-admin developers)."""
    engine = _engine()
    if current_revision(engine) != head_revision():
        raise click.ClickException("Upgrade the database first (flask iris init).")
    make_revision(engine, message)


from .importing import cli as _import_cli  # noqa: E402,F401  (adds iris import / export)
from .messaging.cli import dispatch_command  # noqa: E402  registered after the group above

iris_cli.add_command(dispatch_command)
