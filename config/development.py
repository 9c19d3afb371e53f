"""Local development and the demo: a SQLite file, a fixed key unless one is given."""

import os

from config.default import *  # noqa: F403

SECRET_KEY = os.environ.get("IRIS_SECRET_KEY") or "development-only-not-secret"
