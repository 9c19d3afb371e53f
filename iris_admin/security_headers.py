"""Security headers on every response, and the per-request CSP nonce for Flask-Admin.

* ``X-Content-Type-Options: nosniff``: no guessing a script out of an upload.
* ``Referrer-Policy``: other sites see at most our origin, never a page's URL.
* ``X-Frame-Options: SAMEORIGIN`` and CSP ``frame-ancestors 'self'``: no framing
  by other sites (click-jacking).
* ``Content-Security-Policy``: scripts only from this site, or inline with the
  request's nonce (the few inline scripts Flask-Admin writes carry
  ``admin_csp_nonce_attribute``). Inline event handlers never run: none of our
  templates has one, and Flask-Admin's own become data attributes with listeners
  (``iris_admin.inline_handlers``, ``static/csp_handlers.js``).
  Styles may be inline (Flask-Admin's templates and widgets set ``style``).

A response that already has a header keeps it (a host app's own policy wins);
``IRIS_SECURITY_HEADERS = False`` leaves all of them to the host app.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

DEFAULT_POLICY = (
    "default-src 'self'; "
    "script-src 'self'{nonce}; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'self'"
)
_NONCE_KEY = "iris_admin.csp_nonce"


def csp_nonce() -> str:
    """This request's nonce (made on first use); Flask-Admin's ``csp_nonce_generator``.

    Kept in the request's environ, not ``g``: an app context can outlive one request.
    """
    nonce = request.environ.get(_NONCE_KEY)
    if nonce is None:
        nonce = request.environ[_NONCE_KEY] = secrets.token_urlsafe(16)
    return nonce


def content_security_policy() -> str:
    nonce = request.environ.get(_NONCE_KEY)
    template = current_app.config["IRIS_CONTENT_SECURITY_POLICY"] or DEFAULT_POLICY
    return template.format(nonce=f" 'nonce-{nonce}'" if nonce else "")


def add_security_headers(response: Response) -> Response:
    if not current_app.config["IRIS_SECURITY_HEADERS"]:
        return response
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Content-Security-Policy", content_security_policy())
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
