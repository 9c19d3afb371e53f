"""Hosted deployments: secrets and URLs come from the environment, never from here."""

import os

from config.default import *  # noqa: F403

SECRET_KEY = os.environ.get("IRIS_SECRET_KEY")
SQLALCHEMY_DATABASE_URI = os.environ.get("IRIS_DATABASE_URL")
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True


def IRIS_CONFIG_CHECK(config):  # noqa: N802 - a config value, named like one
    missing = [
        name
        for name, key in (("IRIS_SECRET_KEY", "SECRET_KEY"), ("IRIS_DATABASE_URL", "SQLALCHEMY_DATABASE_URI"))
        if not config.get(key)
    ]
    if missing:
        raise RuntimeError(
            "The production configuration needs these environment variables: " + ", ".join(missing)
        )
