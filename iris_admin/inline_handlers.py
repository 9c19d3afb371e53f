"""Flask-Admin's inline event handlers, rewritten to data attributes before they leave.

Flask-Admin's templates write a few ``onclick="..."`` handlers and
``href="javascript:void(0)"`` links (its action menu, a list row's delete button,
"Add" of inline rows, the filter menu). The Content-Security-Policy refuses every
inline handler, and Chromium reports each one as the page is parsed. The macros
that write them cannot be overridden one by one, so admin pages are rewritten
here: each known handler, matched exactly, becomes a data attribute that
``static/csp_handlers.js`` turns into a listener doing the same. Anything else
(such as a handler that should not be there at all) is left as it is, for the
policy to refuse.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

_NAME = r"[A-Za-z0-9_.\-]+"
_TEXT = r"[^'\"&\\<>]*"  # a confirmation text: no quotes, escapes or markup
# (handler as written, data attribute instead); Q stands for the attribute's quote.
_HANDLERS = [
    (r" onclick=Qreturn false;Q", " data-iris-onclick=QpreventQ"),
    (rf" onclick=Qreturn faHelpers\.safeConfirm\('({_TEXT})'\);Q", r" data-iris-confirm=Q\1Q"),
    (rf" onclick=Qreturn modelActions\.execute\('({_NAME})'\);Q", r" data-iris-action=Q\1Q"),
    (rf" onclick=QfaForm\.addInlineField\(this, '({_NAME})'\);Q", r" data-iris-inline-field=Q\1Q"),
    (r" href=Qjavascript:void\(0\)Q", " href=Q#Q data-iris-no-navigation"),
]
# Also inside the HTML-escaped templates of inline rows (a data attribute Flask-Admin's
# script turns into elements when "Add" is clicked), where the quote is &#34;.
REWRITES = [
    (re.compile(pattern.replace("Q", quote)), replacement.replace("Q", quote))
    for quote in ('"', "&#34;")
    for pattern, replacement in _HANDLERS
]


def rewrite_inline_handlers(html: str) -> str:
    for pattern, replacement in REWRITES:
        html = pattern.sub(replacement, html)
    return html


def init_inline_handlers(app: Flask, admin_url: str) -> None:
    prefix = admin_url.rstrip("/") + "/"

    @app.after_request
    def _rewrite(response: Response) -> Response:
        if (
            current_app.config["IRIS_SECURITY_HEADERS"]
            and request.path.startswith(prefix)
            and response.mimetype == "text/html"
            and not response.is_streamed
            and not response.direct_passthrough
        ):
            response.set_data(rewrite_inline_handlers(response.get_data(as_text=True)))
        return response
