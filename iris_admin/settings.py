"""Every ``IRIS_*`` setting with its default, in one place (the README lists them too)."""

from __future__ import annotations

DEFAULTS: dict[str, object] = {
    # Two-letter region used to read phone numbers written without a country code.
    "IRIS_DEFAULT_COUNTRY": "NL",
    # Rows per page on the overview and other lists.
    "IRIS_PAGE_SIZE": 20,
    # Role -> permissions; None means the built-in table (iris_admin.permissions).
    "IRIS_PERMISSIONS": None,
    # Register iris-admin's /login and /logout and a Flask-Login manager when the
    # host has none.
    "IRIS_AUTH": True,
    # Protect every POST of the app with Flask-WTF's CSRFProtect (when the host has none).
    "IRIS_CSRF_PROTECT": True,
    # Endpoint of the Flask-Admin issue list "View customer issues" opens.
    "IRIS_ISSUES_ENDPOINT": "issue.index_view",
    # Where iris-admin's own views go in the admin menu.
    "IRIS_MENU_CATEGORY": None,
    # Largest upload the import accepts, in bytes.
    "IRIS_IMPORT_MAX_BYTES": 20 * 1024 * 1024,
}


def apply_defaults(config: dict) -> None:
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)
