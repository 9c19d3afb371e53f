"""The stand-alone app: Flask + Flask-Admin + a database, with iris-admin added."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, redirect, url_for
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event

from .extension import IrisAdmin
from .hosting import apply_hosting_settings

CONFIGS = {
    "development": "config.development",
    "testing": "config.testing",
    "production": "config.production",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the stand-alone app.

    ``IRIS_CONFIG`` picks the config module (development by default); ``config``
    overrides single keys, which is how tests build apps.
    """
    app = Flask("iris_admin", instance_relative_config=True)
    name = (config or {}).get("IRIS_CONFIG") or os.environ.get("IRIS_CONFIG", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"IRIS_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}.")
    app.config.from_object(CONFIGS[name])
    if config:
        app.config.update(config)
    check = app.config.get("IRIS_CONFIG_CHECK")
    if check:
        check(app.config)
    # Before anything logs; proxy trust only when IRIS_PROXY_FIX says how many proxies.
    apply_hosting_settings(app, app.config)
    _resolve_database_url(app)

    db = SQLAlchemy()
    db.init_app(app)
    IrisAdmin(app, db=db)
    if app.config["IRIS_SQLITE_WAL"]:
        with app.app_context():
            _use_write_ahead_log(db.engine)

    @app.get("/")
    def home():
        # The log-in page sends a logged-in user on to their start page: the admin
        # for staff, the portal for customer users.
        return redirect(url_for("iris_auth.login"))

    return app


def _use_write_ahead_log(engine: Engine) -> None:
    """SQLite file: readers and the writer no longer wait for each other."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def _write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
        # The mode is stored in the file; asking again on every connection is cheap
        # and covers a file that was replaced.
        dbapi_connection.execute("PRAGMA journal_mode=WAL").fetchone()


def _resolve_database_url(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(app.instance_path, "iris.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # SQLite in a multi-threaded server: wait for the write lock instead of failing.
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
