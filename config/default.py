"""Settings shared by every configuration."""

import os

SECRET_KEY = os.environ.get("IRIS_SECRET_KEY")
SQLALCHEMY_DATABASE_URI = os.environ.get("IRIS_DATABASE_URL")  # None: SQLite in the instance folder
SQLALCHEMY_TRACK_MODIFICATIONS = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
BABEL_DEFAULT_LOCALE = os.environ.get("IRIS_LOCALE", "en")
WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
MAX_CONTENT_LENGTH = 25 * 1024 * 1024
