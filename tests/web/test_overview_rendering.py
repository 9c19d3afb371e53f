"""The overview's row links, rendered without a Jinja macro per row (admin/list_links.py).

They must be the links Flask-Admin's own row actions render, and work: the view and
edit links open the customer and lead back to the page the list was on, the delete
button deletes with its CSRF token, the issues link follows the user's rights.
Speed is measured in bench/bench_overview.py.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import render_template_string
from flask_admin.babel import gettext as admin_gettext
from flask_admin.model.template import (
    DeleteRowAction,
    EditRowAction,
    LinkRowAction,
    ViewRowAction,
)

from iris_admin.admin.customers import _issues_url_or_empty
from iris_admin.admin.list_links import (
    CONTEXT_NAME,
    FastDeleteRowAction,
    FastEditRowAction,
    FastViewRowAction,
    IssuesRowAction,
    PageLinks,
)
from iris_admin.extension import db_session, iris_state
from iris_admin.models import Customer
from tests.factories import make_customer, make_issue

ROW_ACTIONS = """{% import 'admin/model/row_actions.html' as row_actions with context -%}
{% for action in actions %}{{ action.render_ctx(get_pk_value(row), row) }}{% endfor %}"""


def normalised(markup: str) -> str:
    """Whitespace between and inside tags is all the two renderings may differ in."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(markup))).strip()


def render_row_actions(view, actions, customer, return_url, links):
    delete_form = view.delete_form()
    return render_template_string(
        ROW_ACTIONS,
        actions=actions,
        row=customer,
        get_pk_value=view.get_pk_value,
        get_url=view.get_url,
        return_url=return_url,
        delete_form=delete_form,
        _gettext=admin_gettext,
        **{CONTEXT_NAME: links(view, return_url, delete_form)},
    )


def page_links(view, return_url, delete_form):
    return PageLinks.for_page(
        view, return_url=return_url, delete_form=delete_form, issues_url=_issues_url_or_empty
    )


@pytest.mark.parametrize(
    "return_url",
    [
        "/admin/customer/",
        "/admin/customer/?page=4999&page_size=20",
        "/admin/customer/?search=van der Berg & Zoën+co%&sort=1&desc=1",
    ],
)
@pytest.mark.parametrize("with_links", [True, False], ids=["page links", "macro fallback"])
def test_row_actions_render_what_flask_admins_macros_render(
    app, admin_user, return_url, with_links
):
    customer = make_customer("Bakker & Zonen <B.V.>")
    view = iris_state().views["customer"]
    title = "View customer issues"
    stock = [
        ViewRowAction(),
        EditRowAction(),
        DeleteRowAction(),
        LinkRowAction("fa fa-ticket", lambda a, i, row: _issues_url_or_empty(row), title),
    ]
    fast = [
        FastViewRowAction(),
        FastEditRowAction(),
        FastDeleteRowAction(),
        IssuesRowAction("fa fa-ticket", lambda a, i, row: _issues_url_or_empty(row), title),
    ]
    with app.test_request_context(return_url):
        expected = render_row_actions(view, stock, customer, return_url, lambda *_: None)
        rendered = render_row_actions(
            view, fast, customer, return_url, page_links if with_links else lambda *_: None
        )
    assert 'name="csrf_token"' in expected and f'value="{customer.id}"' in expected
    assert normalised(rendered) == normalised(expected)


def row_of(page: str, customer: Customer) -> str:
    """The overview's row of one customer."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.DOTALL)
    return next(row for row in rows if f'/details/?id={customer.id}"' in row)


def href(row: str, title: str) -> str:
    match = re.search(rf'<a class="icon" href="([^"]+)" title="{title}">', row)
    assert match, f"no {title!r} link in the row"
    return html.unescape(match.group(1))


def test_view_and_edit_links_open_the_customer_and_lead_back_to_the_list(admin_client):
    for number in range(25):
        make_customer(f"Customer {number:02d}", commit=False)
    db_session().commit()
    customer = db_session().query(Customer).filter_by(name="Customer 21").one()
    list_url = "/admin/customer/?page=1&search=customer"
    row = row_of(admin_client.get(list_url).get_data(as_text=True), customer)
    for title in ("View Record", "Edit Record"):
        link = urlsplit(href(row, title))
        # Flask-Admin adds the page size to the list URL it returns to.
        back = list_url + "&page_size=20"
        assert parse_qs(link.query) == {"id": [str(customer.id)], "url": [back]}
        opened = admin_client.get(href(row, title))
        assert opened.status_code == 200 and "Customer 21" in opened.get_data(as_text=True)
    name_link = re.search(r'<td class="col-name">\s*<a href="([^"]+)">Customer 21</a>', row)
    assert name_link and name_link.group(1) == f"/admin/customer/details/?id={customer.id}"


def test_the_delete_button_of_a_row_deletes_that_customer(admin_client):
    keep, gone = make_customer("Keep Me"), make_customer("Delete Me")
    gone_id = gone.id
    row = row_of(admin_client.get("/admin/customer/?page_size=50").get_data(as_text=True), gone)
    form = re.search(
        r'<form class="icon" method="POST" action="([^"]+)">(.*?)</form>', row, flags=re.DOTALL
    )
    assert form, "no delete form in the row"
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)
        )
    }
    assert set(fields) == {"id", "url", "csrf_token"}
    response = admin_client.http.post(form.group(1), data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/customer/?page_size=50")
    db_session().expire_all()
    assert db_session().get(Customer, gone_id) is None
    assert db_session().get(Customer, keep.id) is not None


def test_the_issues_link_follows_the_users_right_to_see_issues(admin_client, app):
    customer = make_customer("Linked Co")
    make_issue(customer)
    row = row_of(admin_client.get("/admin/customer/").get_data(as_text=True), customer)
    assert href(row, "View customer issues") == (
        f"/admin/issue/?flt0_customer_id_equals={customer.id}"
    )
    # Staff who may see customers but not issues get no way into the issue list.
    app.config["IRIS_PERMISSIONS"] = {"admin": ["admin.access", "customers.view"]}
    row = row_of(admin_client.get("/admin/customer/").get_data(as_text=True), customer)
    assert href(row, "View customer issues") == "#"
    assert 'title="Edit Record"' not in row and 'class="icon" method="POST"' not in row
