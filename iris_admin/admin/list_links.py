"""The overview's per-row links, built without a url_for or a Jinja macro per row.

Flask-Admin renders every row action through a Jinja macro that calls ``url_for``,
and the delete button through WTForms (its hidden fields) and ``csrf_token()``:
about 0.8 ms a row, 16 ms of a 20-row page at 1,000,000 customers (measured with
bench/bench_overview.py). All of it but the row's id is the same on every row of a
page, so :class:`PageLinks` works it out once per page and the row actions below
only put the id in. They render the same HTML as Flask-Admin's macros
(``admin/model/row_actions.html``; tests/web/test_overview_rendering.py compares
them), and fall back to those macros when a template renders the list without a
:class:`PageLinks` in its context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

from flask import current_app
from flask_admin.babel import gettext as admin_gettext
from flask_admin.model.template import (
    DeleteRowAction,
    EditRowAction,
    LinkRowAction,
    ViewRowAction,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

# The name under which the list template's context holds the page's PageLinks.
CONTEXT_NAME = "iris_page_links"
# Werkzeug's url_for leaves these unquoted in a query string (werkzeug.urls._urlencode),
# so the links read the same as Flask-Admin's.
_QUERY_SAFE = "!$'()*,/:;?@"
_ID_PLACEHOLDER = "\x00row-id\x00"


def query_url(base: str, **args: Any) -> str:
    """``base`` with ``args`` as its query string, as ``url_for`` writes it."""
    items = [(key, value) for key, value in args.items() if value is not None]
    return f"{base}?{urlencode(items, safe=_QUERY_SAFE)}" if items else base


def _link(url: str, title: Any, icon_class: str) -> Markup:
    # f-strings and escape(): Markup.format costs several times more, 80 times a page.
    return Markup(
        f'<a class="icon" href="{escape(url)}" title="{escape(title or "")}">\n'
        f'  <span class="{escape(icon_class)}"></span>\n</a>\n'
    )


@dataclass(frozen=True)
class PageLinks:
    """What the row links of one list page have in common."""

    details_base: str  # the details view's URL, without a query
    edit_base: str
    return_url: str | None
    back_query: str  # "&url=<return_url>", or ""
    delete_action: str
    # The delete form's hidden fields, rendered once: the id field split where the
    # row's id goes, the others whole.
    delete_id_field: tuple[str, str]
    delete_other_fields: Markup
    delete_question: str
    delete_title: str
    issues_url: Callable[[Any], str | None]

    @classmethod
    def for_page(
        cls,
        view: Any,
        *,
        return_url: str | None,
        delete_form: Any,
        issues_url: Callable[[Any], str | None],
    ) -> PageLinks:
        id_field, other_fields = ("", ""), Markup("")
        if delete_form is not None:
            rendered = str(delete_form.id(value=_ID_PLACEHOLDER))
            before, found, after = rendered.partition(str(escape(_ID_PLACEHOLDER)))
            if not found:  # a widget that changes the value: fall back to the macros
                delete_form = None
            id_field = (before, after)
            other_fields = (
                Markup("\n  ").join([delete_form.url(value=return_url), *_csrf_field(delete_form)])
                if delete_form is not None
                else Markup("")
            )
        return cls(
            details_base=view.get_url(".details_view"),
            edit_base=view.get_url(".edit_view"),
            return_url=return_url,
            back_query=f"&{urlencode([('url', return_url)], safe=_QUERY_SAFE)}"
            if return_url is not None
            else "",
            delete_action=view.get_url(".delete_view") if delete_form is not None else "",
            delete_id_field=id_field,
            delete_other_fields=other_fields,
            delete_question=admin_gettext("Are you sure you want to delete this record?"),
            delete_title=admin_gettext("Delete Record"),
            issues_url=issues_url,
        )

    def details_url(self, row_id: Any, *, back: bool = True) -> str:
        return f"{self.details_base}?id={_quoted(row_id)}{self.back_query if back else ''}"

    def edit_url(self, row_id: Any) -> str:
        return f"{self.edit_base}?id={_quoted(row_id)}{self.back_query}"

    def delete_form(self, row_id: Any) -> Markup:
        before, after = self.delete_id_field
        return Markup(
            f'<form class="icon" method="POST" action="{escape(self.delete_action)}">\n'
            f"  {before}{escape(row_id)}{after}\n"
            f"  {self.delete_other_fields}\n"
            f"  <button onclick=\"return faHelpers.safeConfirm('{escape(self.delete_question)}');\""
            f' title="{escape(self.delete_title)}">\n'
            '    <span class="fa fa-trash glyphicon glyphicon-trash"></span>\n'
            "  </button>\n"
            "</form>\n"
        )


def _quoted(value: Any) -> str:
    return quote_plus(str(value), safe=_QUERY_SAFE)


def _csrf_field(delete_form: Any) -> list[Any]:
    """The CSRF field the delete macro adds: the form's own, or Flask-WTF's token."""
    own = getattr(delete_form, "csrf_token", None)
    if own:
        return [own]
    token = current_app.jinja_env.globals.get("csrf_token")
    if callable(token):
        return [Markup('<input type="hidden" name="csrf_token" value="{}"/>').format(token())]
    return []


def page_links(context: Context) -> PageLinks | None:
    links = context.resolve(CONTEXT_NAME)
    return links if isinstance(links, PageLinks) else None


class FastViewRowAction(ViewRowAction):
    def render(self, context: Context, row_id: str, row: Any) -> Any:
        links = page_links(context)
        if links is None:
            return super().render(context, row_id, row)
        return _link(
            links.details_url(row_id), self.title, "fa fa-eye glyphicon glyphicon-eye-open"
        )


class FastEditRowAction(EditRowAction):
    def render(self, context: Context, row_id: str, row: Any) -> Any:
        links = page_links(context)
        if links is None:
            return super().render(context, row_id, row)
        return _link(links.edit_url(row_id), self.title, "fa fa-pencil glyphicon glyphicon-pencil")


class FastDeleteRowAction(DeleteRowAction):
    def render(self, context: Context, row_id: str, row: Any) -> Any:
        links = page_links(context)
        if links is None or not links.delete_action:
            return super().render(context, row_id, row)
        return links.delete_form(row_id)


class IssuesRowAction(LinkRowAction):
    """A link to the customer's issues; the page's PageLinks knows where they are
    (asked once per page whether the user may see them)."""

    def __init__(
        self, icon_class: str, url: Callable[[Any, str, Any], str], title: str | None = None
    ) -> None:
        super().__init__(icon_class, url, title=title)

    def render(self, context: Context, row_id: str, row: Any) -> Any:
        links = page_links(context)
        if links is None:
            return super().render(context, row_id, row)
        return _link(links.issues_url(row) or "#", self.title, self.icon_class)
