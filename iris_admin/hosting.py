"""What the stand-alone app needs behind a reverse proxy: proxy headers and stdout logs.

Both are applied by :func:`iris_admin.factory.create_app`; a host app that embeds
iris-admin keeps its own logging and proxy set-up.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from flask import Flask
from flask.logging import default_handler
from werkzeug.middleware.proxy_fix import ProxyFix

LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


class StdoutHandler(logging.StreamHandler):
    """A handler on whatever ``sys.stdout`` is when a record is written.

    Test runners and some process managers replace ``sys.stdout``; a handler that
    kept the object from start-up would write into a closed stream.
    """

    name_marker = "iris-admin-stdout"

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        self.set_name(self.name_marker)

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass  # always sys.stdout


def configure_stdout_logging(app: Flask, level: str) -> None:
    """Every logger of the process (the app's, iris-admin's, SQLAlchemy's) to stdout.

    Replaces a handler installed by an earlier app of the same process, so building
    several apps (tests, the CLI) never duplicates lines.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == StdoutHandler.name_marker:
            root.removeHandler(handler)
    handler = StdoutHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces each of its plugins at INFO whenever it loads; not news for operators.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Flask's own handler writes app.logger to stderr; the root handler has it now.
    app.logger.removeHandler(default_handler)
    app.logger.setLevel(logging.NOTSET)


def trust_proxy_headers(app: Flask, proxies: int) -> None:
    """Honour ``X-Forwarded-For/-Proto/-Host/-Prefix`` set by ``proxies`` proxies in front.

    Only a deployment behind a proxy it controls may do this: otherwise any client
    could claim another address (log-in throttling counts per address) or https.
    """
    if proxies <= 0:
        return
    # Flask's documented way to wrap the WSGI app; typeshed sees a method being replaced.
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
    )


def apply_hosting_settings(app: Flask, config: Any) -> None:
    """Logging and proxy trust from ``IRIS_LOG_STDOUT``, ``IRIS_LOG_LEVEL``, ``IRIS_PROXY_FIX``."""
    if config.get("IRIS_LOG_STDOUT"):
        configure_stdout_logging(app, str(config.get("IRIS_LOG_LEVEL") or "INFO").upper())
    trust_proxy_headers(app, int(config.get("IRIS_PROXY_FIX") or 0))
