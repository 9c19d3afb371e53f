"""The languages iris-admin offers, and which one a request is answered in.

An account's own choice (its profile) comes first, then the browser's
``Accept-Language``, then the app's ``BABEL_DEFAULT_LOCALE``. Only languages in
``IRIS_LANGUAGES`` are ever chosen.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user


def available_languages(app: Flask | None = None) -> dict[str, str]:
    """Locale code -> the language's own name, as configured in ``IRIS_LANGUAGES``."""
    config = (app or current_app).config
    return dict(config["IRIS_LANGUAGES"])


def language_choices() -> list[tuple[str, str]]:
    return list(available_languages().items())


def select_locale() -> str:
    """Flask-Babel's locale selector; a host app with its own Babel may call it too."""
    languages = available_languages()
    default = str(current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))
    if not has_request_context():
        return default
    # A host app may run iris-admin without Flask-Login (IRIS_AUTH off, its own auth).
    has_accounts = getattr(current_app, "login_manager", None) is not None
    own = getattr(current_user, "language", None) if has_accounts else None
    if own in languages:
        return str(own)
    return browser_language(list(languages)) or default


def browser_language(offered: list[str]) -> str | None:
    """The browser's most preferred language we offer, "nl-BE" counting as "nl".

    Werkzeug's ``best_match`` prefers any exact match, so "nl-NL, en;q=0.5" would
    get English; here the browser's order wins.
    """
    for tag, quality in request.accept_languages:  # best first
        if quality <= 0:
            continue  # "q=0": not wanted at all
        tag = tag.replace("_", "-").lower()
        for code in offered:
            if tag == code.lower() or tag.split("-")[0] == code.lower().split("-")[0]:
                return code
    return None
