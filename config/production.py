"""Hosted deployments: secrets, URLs and server settings come from the environment.

Every value is read from an environment variable of the same name (``IRIS_SECRET_KEY``
and ``IRIS_DATABASE_URL`` become Flask's ``SECRET_KEY`` and
``SQLALCHEMY_DATABASE_URI``). A variable that is unset or empty leaves the default of
``iris_admin/settings.py``. The app refuses to start without a secret key, a
database URL and the portal's public address (``IRIS_PORTAL_BASE_URL``: links in
e-mails are never built from a request's Host header, which any client sets), and
names every variable that holds an unusable value, so a typo in a unit file fails
the deployment instead of, say, silently sending no e-mail.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from config.default import *  # noqa: F403  a settings module extends the defaults
from config.environment import REQUIRED, read_environment

SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True
# Logs go to stdout (one line per record), where systemd, Docker or a PaaS collect them.
IRIS_LOG_STDOUT = True

# Read at import: the factory imports this module once per process, before the app exists.
SECRET_KEY = None
SQLALCHEMY_DATABASE_URI = None
IRIS_PORTAL_BASE_URL = None
_from_environment, _problems = read_environment(os.environ)
globals().update(_from_environment)


def IRIS_CONFIG_CHECK(config: Mapping[str, Any]) -> None:
    """Called by the factory with the final config; refuses to start a broken deployment."""
    missing = [variable for variable, key in REQUIRED.items() if not config.get(key)]
    lines = []
    if missing:
        lines.append(
            "The production configuration needs these environment variables: " + ", ".join(missing)
        )
    lines.extend(_problems)
    if lines:
        raise RuntimeError("\n".join(lines))
