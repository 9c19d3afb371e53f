"""Local development and the demo: a SQLite file, a fixed key unless one is given."""

import os

from config.default import *  # noqa: F403  a settings module extends the defaults

SECRET_KEY = os.environ.get("IRIS_SECRET_KEY") or "development-only-not-secret"

# The demo logs SMS instead of sending them; set IRIS_SMTP_HOST to deliver e-mail.
IRIS_PLUGINS = ["plugins.sms_log"]
IRIS_SMS_GATEWAY = "log"
