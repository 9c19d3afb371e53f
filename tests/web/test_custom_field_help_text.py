"""A custom field's help text is plain text on every form that shows it."""

from __future__ import annotations

from markupsafe import escape

from iris_admin.extension import db_session
from iris_admin.models import CustomField
from tests.factories import make_customer
from tests.security_helpers import HOSTILE_TEXT


def test_help_text_set_by_an_admin_is_escaped_on_the_customer_forms(admin_client, staff_user):
    admin_client.refresh_token("/admin/customfield/new/")
    response = admin_client.post(
        "/admin/customfield/new/",
        {
            "label": "Notes",
            "key": "notes",
            "field_type": "text",
            "help_text": HOSTILE_TEXT,
            "sort_order": "100",
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db_session().query(CustomField).one().help_text == HOSTILE_TEXT
    customer = make_customer("Help Text B.V.")
    for url in ("/admin/customer/new/", f"/admin/customer/edit/?id={customer.id}"):
        page = admin_client.get(url).get_data(as_text=True)
        assert "<img src=x" not in page, url
        assert str(escape(HOSTILE_TEXT)) in page, url
