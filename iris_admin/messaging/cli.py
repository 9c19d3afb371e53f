"""``flask --app wsgi iris dispatch``: deliver every due e-mail and SMS of the outbox.

For cron, every minute (several may overlap safely; claims are atomic)::

    * * * * *  cd /srv/iris && IRIS_CONFIG=production flask --app wsgi iris dispatch --quiet

or run one long-lived process with ``--loop`` (under systemd or a process manager).
"""

from __future__ import annotations

import time

import click
from flask import current_app


@click.command("dispatch")
@click.option(
    "--loop", is_flag=True, help="Keep running; deliver every IRIS_DISPATCH_INTERVAL seconds."
)
@click.option("--quiet", is_flag=True, help="Print nothing when there was nothing to send.")
def dispatch_command(loop: bool, quiet: bool) -> None:
    """Deliver due e-mails and SMS from the outbox (retries included)."""
    from . import dispatcher_for_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    interval = float(app.config.get("IRIS_DISPATCH_INTERVAL") or 10)
    while True:
        result = dispatcher_for_app(app).run()
        if result.claimed or not quiet:
            click.echo(f"Outbox: {result}.")
        if not loop:
            break
        time.sleep(interval)
