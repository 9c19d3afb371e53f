"""Tests: each test passes its own database URL."""

from config.default import *  # noqa: F403  a settings module extends the defaults

TESTING = True
SECRET_KEY = "testing-only"
WTF_CSRF_ENABLED = True
