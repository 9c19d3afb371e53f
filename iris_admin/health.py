"""``GET /healthz``: is this worker able to serve? For load balancers and uptime checks.

200 ``{"status": "ok", "database": "ok"}`` when the database answers ``SELECT 1`` and
its iris-admin schema is at the revision this code expects; 503 with a reason when
it does not answer or is not migrated (new code started before ``flask iris init``
ran). A schema *newer* than the code (a revision this code does not know) still
answers 200, with a note: during a rolling upgrade the migration runs first and the
old workers keep serving until they are replaced, instead of all leaving the load
balancer at once. No login, nothing cached, and no secrets: connection errors are
logged, never returned, since they can name hosts and users.

The answers are for machines and operators, so they are not translated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from flask import Blueprint, Response, jsonify
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .extension import iris_state
from .schema import MIGRATIONS, VERSION_TABLE, head_revision

log = logging.getLogger(__name__)

health_blueprint = Blueprint("iris_health", __name__)


@dataclass(frozen=True)
class DatabaseHealth:
    database: str  # "ok", "unreachable" or "not migrated"
    reason: str | None = None  # why not ok
    note: str | None = None  # ok, but worth knowing

    @property
    def ok(self) -> bool:
        return self.database == "ok"


# The code's revisions cannot change while the process runs; reading the migration
# scripts on every probe would cost more than the probe itself.
@cache
def code_head_revision() -> str | None:
    return head_revision()


@cache
def code_revisions() -> frozenset[str]:
    scripts = ScriptDirectory(str(MIGRATIONS)).walk_revisions()
    return frozenset(script.revision for script in scripts)


def check_database(engine: Engine) -> DatabaseHealth:
    """Whether ``engine``'s database answers and carries this code's schema revision."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            # Read directly, not through Alembic's MigrationContext, which logs two INFO
            # lines per call: a probe every few seconds would flood the log.
            revisions = (
                set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))
                if inspect(connection).has_table(VERSION_TABLE)
                else set()
            )
    except SQLAlchemyError:
        log.warning("Health check: the database does not answer", exc_info=True)
        return DatabaseHealth("unreachable", "The database does not answer.")
    expected = code_head_revision()
    if expected in revisions:
        return DatabaseHealth("ok")
    revision = ", ".join(sorted(revisions)) or None
    if revisions and not revisions & code_revisions():
        return DatabaseHealth(
            "ok",
            note=f"The database schema (revision {revision}) is newer than this code "
            f"({expected}); replace these workers with the new version.",
        )
    return DatabaseHealth(
        "not migrated",
        f"The database schema is at revision {revision or 'none'}, this version needs "
        f"{expected}; run `flask iris init`.",
    )


@health_blueprint.get("/healthz")
def healthz() -> Response:
    health = check_database(iris_state().db.engine)
    body: dict[str, str] = {"status": "ok" if health.ok else "error", "database": health.database}
    if health.reason:
        body["reason"] = health.reason
    if health.note:
        body["note"] = health.note
    response = jsonify(body)
    response.status_code = 200 if health.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
