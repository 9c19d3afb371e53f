"""Numbers typed into URLs (ids, page numbers): ones the database can take, or a 4xx.

A number too big for an INTEGER makes SQLite raise an OverflowError and PostgreSQL
an out-of-range error, which used to answer 500. Such an id cannot exist (404) and
such a page number is a bad request (400):

* ``<int:...>`` in iris-admin's routes matches only ids up to ``MAX_ID`` (else 404);
* ``page``, ``page_size``, ``offset`` and ``limit`` arguments of the admin and the
  portal must be small whole numbers (else 400);
* any other number that still reaches the database too big (a filter value, say)
  answers 400 instead of 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

# The largest integer SQLite stores and PostgreSQL's BIGINT: no key can be larger.
MAX_ID = 2**63 - 1
# Page numbers, sizes and offsets: far beyond any list, far below any overflow.
MAX_PAGING_NUMBER = 10**9
PAGING_ARGUMENTS = ("page", "page_size", "offset", "limit")


def parse_id(value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter, refusing values no database key can hold."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _paging_arguments_are_sane() -> bool:
    for name in PAGING_ARGUMENTS:
        for value in request.args.getlist(name):
            text = value.strip().lstrip("-")
            if text.isdigit() and int(text) > MAX_PAGING_NUMBER:
                return False
    return True


def _is_out_of_range(error: DataError) -> bool:
    # PostgreSQL's SQLSTATE 22003: numeric_value_out_of_range.
    return getattr(getattr(error, "orig", None), "sqlstate", None) == "22003"


def _our_prefixes(app: Flask) -> tuple[str, ...]:
    admin = app.extensions["iris_admin"].admin
    prefixes = [admin.url, app.config["IRIS_PORTAL_URL_PREFIX"]]
    return tuple(prefix.rstrip("/") + "/" for prefix in prefixes if prefix)


def guard_request_numbers(app: Flask) -> None:
    """Set up the three rules above (before any iris-admin route is added)."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _refuse_huge_paging_numbers() -> None:
        if request.path.startswith(_our_prefixes(app)) and not _paging_arguments_are_sane():
            abort(400)

    def _bad_number(error: Exception) -> Any:
        from .extension import db_session

        db_session().rollback()
        return render_template("iris_admin/bad_request.html"), 400

    @app.errorhandler(OverflowError)
    def _overflow(error: OverflowError) -> Any:
        return _bad_number(error)

    @app.errorhandler(DataError)
    def _data_error(error: DataError) -> Any:
        if not _is_out_of_range(error):
            raise error
        return _bad_number(error)
