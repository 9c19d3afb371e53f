"""Where a ``next`` value may send the browser: a path on this site, nothing else.

Browsers are lenient with a ``Location``: they drop tabs and newlines anywhere,
trim control characters and spaces at both ends, read ``\\`` as ``/`` and
``http:evil.example`` (a scheme with no ``//``) as ``http://evil.example/``.
So a value is accepted only when, after the same clean-up, it is a path that
starts with exactly one ``/``; the cleaned value is what the redirect uses.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Flask, abort, redirect, request
from werkzeug.wrappers import Response

# C0 controls, DEL and spaces at the ends; tab, CR and LF anywhere (what browsers drop).
_ENDS = "".join(chr(code) for code in range(0x21)) + "\x7f"
_INSIDE = re.compile(r"[\t\r\n]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_redirect_path(target: str | None) -> str | None:
    """The cleaned path when ``target`` stays on this site, else None."""
    if not target:
        return None
    cleaned = _INSIDE.sub("", target).strip(_ENDS)
    if not cleaned.startswith("/") or cleaned[1:2] in ("/", "\\"):
        return None
    if "\\" in cleaned or _CONTROL.search(cleaned):
        return None
    return cleaned


def is_safe_redirect(target: str | None) -> bool:
    return safe_redirect_path(target) is not None


def guard_admin_return_urls(app: Flask, admin_url: str) -> None:
    """Flask-Admin's forms go back to their ``url`` argument after saving and check it
    with a join against the host, which lets ``url=http:evil.example`` through. On the
    admin's pages an unsafe value is dropped before Flask-Admin reads it: a GET is sent
    to the same page without it, anything else is refused.
    """
    prefix = admin_url.rstrip("/") + "/"

    @app.before_request
    def _drop_unsafe_return_url() -> Response | None:
        if not request.path.startswith(prefix):
            return None
        values = [*request.args.getlist("url"), *request.form.getlist("url")]
        if all(safe_redirect_path(value) for value in values):
            return None
        if request.method != "GET":
            abort(400)
        kept = [(key, value) for key, value in request.args.items(multi=True) if key != "url"]
        return redirect(request.path + ("?" + urlencode(kept) if kept else ""))
