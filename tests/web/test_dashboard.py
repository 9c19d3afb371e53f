"""Status codes, custom fields, blocking new issues and issue-update e-mails, through the
admin (server side, CSRF on) and the portal."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask, g
from sqlalchemy import func, select

from iris_admin.custom_fields import custom_field_columns
from iris_admin.customers import can_open_issue
from iris_admin.extension import db_session
from iris_admin.models import (
    AccessLevel,
    Customer,
    CustomerStatus,
    CustomerUser,
    CustomField,
    Issue,
    Message,
    MessageKind,
    Role,
)
from tests.conftest import Client, make_user
from tests.factories import make_customer, make_issue


def text_of(response) -> str:
    return response.get_data(as_text=True)


def status(name: str) -> CustomerStatus:
    return db_session().scalar(select(CustomerStatus).where(CustomerStatus.name == name))


def count(model) -> int:
    return db_session().scalar(select(func.count()).select_from(model))


def second_client(app: Flask, email: str, role: str) -> Client:
    """Another logged-in browser in the same test (forgets the first one's cached user/token)."""
    make_user(email, role)
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    client = Client(app.test_client())
    assert client.login(email).status_code == 302
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    return client


# -- status codes --------------------------------------------------------------------------
def status_form(**values) -> dict:
    data = {"name": "On hold", "colour": "#ffaa00", "sort_order": "30"}
    data.update(values)
    return data


def test_admin_manages_status_codes(admin_client: Client) -> None:
    response = admin_client.post("/admin/customerstatus/new/", status_form())
    assert response.status_code == 302, text_of(response)
    on_hold = status("On hold")
    assert on_hold.colour == "#ffaa00" and not on_hold.allows_new_issues
    listing = text_of(admin_client.get("/admin/customerstatus/"))
    assert "On hold" in listing and "background:#ffaa00" in listing

    response = admin_client.post(
        f"/admin/customerstatus/edit/?id={on_hold.id}",
        status_form(allows_new_issues="y", colour="#123456"),
    )
    assert response.status_code == 302
    db_session().refresh(on_hold)
    assert on_hold.allows_new_issues and on_hold.colour == "#123456"

    assert (
        admin_client.post("/admin/customerstatus/delete/", {"id": str(on_hold.id)}).status_code
        == 302
    )
    assert status("On hold") is None


def test_status_names_are_unique_and_colours_valid(admin_client: Client) -> None:
    response = admin_client.post("/admin/customerstatus/new/", status_form(name="active"))
    assert "Another status code is already called active." in text_of(response)
    response = admin_client.post("/admin/customerstatus/new/", status_form(colour="orange"))
    assert "A colour like #28a745." in text_of(response)
    assert count(CustomerStatus) == 2


def test_builtin_status_codes_are_never_deleted(admin_client: Client) -> None:
    inactive = status("Inactive")
    admin_client.post("/admin/customerstatus/delete/", {"id": str(inactive.id)})
    page = text_of(admin_client.get("/admin/customerstatus/"))
    assert "Inactive is a built-in status code and cannot be deleted." in page
    assert status("Inactive") is not None


def test_builtin_status_keeps_its_name(admin_client: Client) -> None:
    active = status("Active")
    response = admin_client.post(
        f"/admin/customerstatus/edit/?id={active.id}",
        status_form(name="Live", allows_new_issues="y"),
    )
    page = (
        text_of(admin_client.get(f"/admin/customerstatus/edit/?id={active.id}"))
        if response.status_code == 302
        else text_of(response)
    )
    assert "its name cannot change" in page
    db_session().expire_all()
    assert status("Active") is not None and status("Live") is None


def test_status_in_use_is_not_deleted(admin_client: Client) -> None:
    admin_client.post("/admin/customerstatus/new/", status_form())
    on_hold = status("On hold")
    make_customer("Dune Media", status=on_hold)
    admin_client.post("/admin/customerstatus/delete/", {"id": str(on_hold.id)})
    page = text_of(admin_client.get("/admin/customerstatus/"))
    assert "On hold cannot be deleted: 1 customer(s) have this status." in page
    assert status("On hold") is not None


def test_only_admins_manage_status_codes_and_fields(staff_client: Client) -> None:
    for url in (
        "/admin/customerstatus/",
        "/admin/customerstatus/new/",
        "/admin/customfield/",
        "/admin/customfield/new/",
    ):
        assert staff_client.get(url).status_code == 403
    assert staff_client.post("/admin/customerstatus/new/", status_form()).status_code == 403
    assert status("On hold") is None


def test_status_filter_and_badge_on_the_overview(admin_client: Client) -> None:
    make_customer("Meadow Foods", status=status("Inactive"))
    make_customer("Bridge Dental")
    page = text_of(admin_client.get("/admin/customer/"))
    assert "background:#6c757d" in page and "Inactive" in page


# -- blocking new issues ------------------------------------------------------------------------
def issue_form(customer_id: int, **values) -> dict:
    data = {
        "title": "Printer offline",
        "description": "",
        "customer": str(customer_id),
        "status": "open",
        "priority": "normal",
        "reporter": "",
    }
    data.update(values)
    return data


def test_can_open_issue_follows_the_status(app: Flask) -> None:
    active = make_customer("Open B.V.")
    inactive = make_customer("Closed B.V.", status=status("Inactive"))
    without = make_customer("No status B.V.", status=None)
    assert can_open_issue(active) == (True, None)
    assert can_open_issue(without) == (True, None)
    assert can_open_issue(inactive) == (
        False,
        "New issues cannot be reported for Closed B.V.: its status is Inactive.",
    )


def test_admin_cannot_create_an_issue_for_a_blocked_customer(admin_client: Client) -> None:
    customer = make_customer("Closed B.V.", status=status("Inactive"))
    response = admin_client.post("/admin/issue/new/", issue_form(customer.id))
    page = (
        text_of(response)
        if response.status_code == 200
        else text_of(admin_client.get("/admin/issue/new/"))
    )
    assert "New issues cannot be reported for Closed B.V.: its status is Inactive." in page
    assert count(Issue) == 0

    active = make_customer("Open B.V.")
    assert admin_client.post("/admin/issue/new/", issue_form(active.id)).status_code == 302
    assert count(Issue) == 1


def test_existing_issues_of_a_blocked_customer_stay_editable(admin_client: Client) -> None:
    customer = make_customer("Closed B.V.")
    issue = make_issue(customer)
    customer.status = status("Inactive")
    db_session().commit()
    assert "Printer offline" in text_of(admin_client.get("/admin/issue/"))
    response = admin_client.post(
        f"/admin/issue/edit/?id={issue.id}", issue_form(customer.id, title="Printer still offline")
    )
    assert response.status_code == 302
    db_session().refresh(issue)
    assert issue.title == "Printer still offline"


def test_an_issue_cannot_be_moved_to_a_blocked_customer(admin_client: Client) -> None:
    issue = make_issue(make_customer("Open B.V."))
    blocked = make_customer("Closed B.V.", status=status("Inactive"))
    admin_client.post(f"/admin/issue/edit/?id={issue.id}", issue_form(blocked.id))
    db_session().expire_all()
    assert db_session().get(Issue, issue.id).customer.name == "Open B.V."


def test_portal_refuses_a_new_issue_for_a_blocked_customer(app: Flask) -> None:
    customer = make_customer("Closed B.V.", status=status("Inactive"))
    portal_user = make_user("cora@closed.example", Role.CUSTOMER.value)
    db_session().add(
        CustomerUser(customer=customer, user=portal_user, access=AccessLevel.ALL.value)
    )
    db_session().commit()
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    portal = Client(app.test_client())
    assert portal.login(portal_user.email).status_code == 302
    page = text_of(portal.get("/portal/issues/new"))
    assert "New issues cannot be reported for Closed B.V.: its status is Inactive." in page
    response = portal.post(
        "/portal/issues/new",
        {"customer_id": str(customer.id), "title": "Help", "description": "", "priority": "normal"},
    )
    assert response.status_code == 409
    assert count(Issue) == 0


# -- custom fields ---------------------------------------------------------------------------------
FIELDS = [
    {"label": "Account manager", "field_type": "text"},
    {"label": "Notes", "field_type": "long_text"},
    {"label": "Employees", "field_type": "number"},
    {"label": "Contract end", "field_type": "date"},
    {"label": "Newsletter", "field_type": "bool"},
    {"label": "Segment", "field_type": "choice", "options_text": "Gold\nSilver\n\nBronze\ngold"},
]


def define_fields(client: Client, **required: bool) -> None:
    for order, values in enumerate(FIELDS):
        data = {
            "key": "",
            "options_text": "",
            "help_text": "",
            "sort_order": str(order),
            "active": "y",
            **values,
        }
        if required.get(values["label"]):
            data["required"] = "y"
        response = client.post("/admin/customfield/new/", data)
        assert response.status_code == 302, text_of(response)


def customer_form(**values) -> dict:
    data = {
        "is_business": "y",
        "name": "Delta Logistics B.V.",
        "code": "",
        "street": "",
        "postal_code": "",
        "city": "",
        "country": "",
        "email": "",
        "telephone": "",
        "mobile": "",
    }
    data.update(values)
    return data


def test_defined_fields_get_keys_and_clean_options(admin_client: Client) -> None:
    define_fields(admin_client)
    fields = db_session().scalars(select(CustomField).order_by(CustomField.sort_order)).all()
    assert [f.key for f in fields] == [
        "account_manager",
        "notes",
        "employees",
        "contract_end",
        "newsletter",
        "segment",
    ]
    assert fields[-1].options == ["Gold", "Silver", "Bronze"]
    listing = text_of(admin_client.get("/admin/customfield/"))
    assert "Account manager" in listing and "Yes/no" in listing


def test_custom_field_definitions_are_checked(admin_client: Client) -> None:
    cases = [
        (
            {"label": "Segment", "field_type": "choice", "options_text": ""},
            "A choice field needs at least one option",
        ),
        ({"label": "City", "field_type": "text"}, "The key city is used by a built-in field."),
        ({"label": "Town", "field_type": "text"}, "Town is the name of a built-in customer column"),
        ({"label": "Vat", "key": "2vat", "field_type": "text"}, "A key starts with a letter"),
        ({"label": "Mail", "key": "email", "field_type": "text"}, "used by a built-in field"),
    ]
    for values, message in cases:
        data = {
            "key": "",
            "options_text": "",
            "help_text": "",
            "sort_order": "1",
            "active": "y",
            **values,
        }
        response = admin_client.post("/admin/customfield/new/", data)
        page = (
            text_of(response)
            if response.status_code == 200
            else text_of(admin_client.get("/admin/customfield/"))
        )
        assert message in page, message
    assert count(CustomField) == 0


def test_custom_fields_of_every_type_through_the_customer_form(admin_client: Client) -> None:
    define_fields(admin_client)
    form_page = text_of(admin_client.get("/admin/customer/new/"))
    for field_id in (
        "cf_account_manager",
        "cf_notes",
        "cf_employees",
        "cf_contract_end",
        "cf_newsletter",
        "cf_segment",
        "notify_issue_updates",
    ):
        assert f'id="{field_id}"' in form_page
    # The custom fields come right after Status, before the inline contacts.
    assert (
        form_page.index('id="status"')
        < form_page.index('id="cf_account_manager"')
        < form_page.index("Contact")
    )

    response = admin_client.post(
        "/admin/customer/new/",
        customer_form(
            cf_account_manager="  Eva  Smit ",
            cf_notes="Back door\nRing twice",
            cf_employees="1.234,5",
            cf_contract_end="2027-03-31",
            cf_newsletter="yes",
            cf_segment="Silver",
            notify_issue_updates="y",
        ),
    )
    assert response.status_code == 302, text_of(response)
    customer = db_session().scalar(select(Customer))
    assert customer.custom_values == {
        "account_manager": "Eva Smit",
        "notes": "Back door\nRing twice",
        "employees": 1234.5,
        "contract_end": "2027-03-31",
        "newsletter": True,
        "segment": "Silver",
    }
    assert customer.notify_issue_updates is True

    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    assert 'id="custom-fields"' in page
    for shown in ("Eva Smit", "Back door\nRing twice", "1,234.5", "Mar 31, 2027", "Silver"):
        assert shown in page, shown

    edit_page = text_of(admin_client.get(f"/admin/customer/edit/?id={customer.id}"))
    assert 'value="1234.5"' in edit_page and 'value="2027-03-31"' in edit_page
    assert (
        '<option selected value="Silver">' in edit_page
        or '<option value="Silver" selected>' in edit_page
    )

    # Emptying a field removes its value; the others stay.
    response = admin_client.post(
        f"/admin/customer/edit/?id={customer.id}",
        customer_form(
            cf_account_manager="",
            cf_notes="Back door",
            cf_employees="12",
            cf_contract_end="2027-03-31",
            cf_newsletter="no",
            cf_segment="Silver",
        ),
    )
    assert response.status_code == 302, text_of(response)
    db_session().refresh(customer)
    assert customer.custom_values == {
        "notes": "Back door",
        "employees": 12,
        "contract_end": "2027-03-31",
        "newsletter": False,
        "segment": "Silver",
    }
    assert customer.notify_issue_updates is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cf_employees", "many", "Not a number: many."),
        ("cf_contract_end", "31-31-2027", "Not a valid date value."),
        (
            "cf_segment",
            "Platinum",
            "Unknown choice: Platinum. Choose one of: Gold, Silver, Bronze.",
        ),
        ("cf_account_manager", "", "Account manager is required."),
    ],
)
def test_bad_custom_values_are_refused_and_nothing_saved(
    admin_client: Client, field: str, value: str, message: str
) -> None:
    define_fields(admin_client, **{"Account manager": True})
    values = {"cf_account_manager": "Eva", field: value}
    response = admin_client.post("/admin/customer/new/", customer_form(**values))
    assert response.status_code == 200
    assert message.lower() in text_of(response).lower()
    assert count(Customer) == 0


def test_removing_a_field_with_values_asks_first(admin_client: Client) -> None:
    define_fields(admin_client)
    for name in ("A B.V.", "B B.V."):
        admin_client.post("/admin/customer/new/", customer_form(name=name, cf_segment="Gold"))
    admin_client.post("/admin/customer/new/", customer_form(name="C B.V."))
    segment = db_session().scalar(select(CustomField).where(CustomField.key == "segment"))

    listing = text_of(admin_client.get("/admin/customfield/"))
    assert f"/admin/customfield/remove/?id={segment.id}" in listing
    assert admin_client.post("/admin/customfield/delete/", {"id": str(segment.id)}).status_code in (
        302,
        404,
    )
    assert count(CustomField) == len(FIELDS), "the plain delete is switched off"

    page = text_of(admin_client.get(f"/admin/customfield/remove/?id={segment.id}"))
    assert "2 customer(s) have a value in this field." in page
    # A stale confirmation (someone added a value since) asks again.
    response = admin_client.post(
        f"/admin/customfield/remove/?id={segment.id}", {"confirmed_count": "1"}
    )
    assert "please confirm again" in text_of(response)
    assert count(CustomField) == len(FIELDS)

    response = admin_client.post(
        f"/admin/customfield/remove/?id={segment.id}", {"confirmed_count": "2"}
    )
    assert response.status_code == 302
    assert count(CustomField) == len(FIELDS) - 1
    db_session().expire_all()
    assert all(
        "segment" not in (c.custom_values or {}) for c in db_session().scalars(select(Customer))
    )


def test_removing_an_unused_field_needs_no_count(admin_client: Client) -> None:
    define_fields(admin_client)
    notes = db_session().scalar(select(CustomField).where(CustomField.key == "notes"))
    page = text_of(admin_client.get(f"/admin/customfield/remove/?id={notes.id}"))
    assert "No customer has a value in this field." in page
    assert (
        admin_client.post(
            f"/admin/customfield/remove/?id={notes.id}", {"confirmed_count": "0"}
        ).status_code
        == 302
    )
    assert count(CustomField) == len(FIELDS) - 1


def test_a_field_with_values_keeps_its_type_and_key(admin_client: Client) -> None:
    define_fields(admin_client)
    admin_client.post("/admin/customer/new/", customer_form(cf_employees="12"))
    employees = db_session().scalar(select(CustomField).where(CustomField.key == "employees"))
    data = {
        "label": "Employees",
        "key": "employees",
        "field_type": "text",
        "options_text": "",
        "help_text": "",
        "sort_order": "2",
        "active": "y",
    }
    response = admin_client.post(f"/admin/customfield/edit/?id={employees.id}", data)
    page = (
        text_of(response)
        if response.status_code == 200
        else text_of(admin_client.get("/admin/customfield/"))
    )
    assert "1 customer(s) have a value in Employees, so its type cannot change." in page
    data.update(field_type="number", key="staff")
    response = admin_client.post(f"/admin/customfield/edit/?id={employees.id}", data)
    page = (
        text_of(response)
        if response.status_code == 200
        else text_of(admin_client.get("/admin/customfield/"))
    )
    assert "The key of a field cannot change; it is employees." in page
    db_session().expire_all()
    employees = db_session().get(CustomField, employees.id)
    assert (employees.key, employees.field_type) == ("employees", "number")


def test_inactive_fields_are_hidden_but_keep_their_values(admin_client: Client) -> None:
    define_fields(admin_client)
    admin_client.post("/admin/customer/new/", customer_form(cf_segment="Gold"))
    segment = db_session().scalar(select(CustomField).where(CustomField.key == "segment"))
    segment.active = False
    db_session().commit()
    customer = db_session().scalar(select(Customer))
    assert 'id="cf_segment"' not in text_of(
        admin_client.get(f"/admin/customer/edit/?id={customer.id}")
    )
    admin_client.post(f"/admin/customer/edit/?id={customer.id}", customer_form())
    db_session().refresh(customer)
    assert customer.custom_values.get("segment") == "Gold"


def test_custom_field_columns_for_the_import_and_export(admin_client: Client) -> None:
    define_fields(admin_client, Segment=True)
    columns = {column.field_key: column for column in custom_field_columns(db_session())}
    assert [column.header for column in columns.values()] == [f["label"] for f in FIELDS]
    assert columns["segment"].key == "custom:segment" and columns["segment"].required
    assert columns["segment"].options == ("Gold", "Silver", "Bronze")
    cases = {
        "account_manager": [(" Eva ", "Eva"), (None, None)],
        "employees": [(12.0, 12), ("12,5", 12.5), ("1,234.5", 1234.5)],
        "contract_end": [
            (date(2027, 3, 31), "2027-03-31"),
            ("31-03-2027", "2027-03-31"),
            (46477.0, "2027-03-31"),
        ],
        "newsletter": [("ja", True), ("No", False), (1, True)],
        "segment": [("gold", "Gold")],
    }
    for key, pairs in cases.items():
        for cell, stored in pairs:
            assert columns[key].clean(cell) == stored, (key, cell)
    for key, cell, message in (
        ("employees", "twelve", "Not a number"),
        ("contract_end", "2027-02-30", "Not a date"),
        ("newsletter", "maybe", "Not yes or no"),
        ("segment", "Platinum", "Unknown choice: Platinum"),
        ("segment", "", "Segment is required."),
    ):
        with pytest.raises(ValueError, match=message):
            columns[key].clean(cell)
    # What the export writes, the import reads back to the same stored value.
    for key, stored in (
        ("employees", 1234.5),
        ("contract_end", "2027-03-31"),
        ("newsletter", False),
        ("segment", "Silver"),
        ("notes", "a\nb"),
    ):
        assert columns[key].clean(columns[key].export(stored)) == stored


# -- issue-update e-mails --------------------------------------------------------------------------
@pytest.fixture
def reported_issue(app: Flask):
    customer = make_customer("Tulip Dental", email="desk@tulip.example")
    reporter = make_user("noor@tulip.example", Role.CUSTOMER.value, "Noor Bakker")
    db_session().add(CustomerUser(customer=customer, user=reporter, access=AccessLevel.OWN.value))
    db_session().commit()
    return make_issue(customer, "Chair squeaks", reporter=reporter)


def update_messages() -> list[Message]:
    return list(
        db_session().scalars(
            select(Message)
            .where(Message.kind == MessageKind.ISSUE_UPDATE.value)
            .order_by(Message.id)
        )
    )


def test_public_staff_reply_and_status_change_make_one_email(
    app: Flask, staff_client: Client, reported_issue: Issue
) -> None:
    app.config["IRIS_PORTAL_BASE_URL"] = "https://desk.example.com/"
    response = staff_client.post(
        f"/admin/issue/{reported_issue.id}/reply",
        {"body": "A technician comes at 10:00.", "visibility": "public", "status": "in_progress"},
    )
    assert response.status_code == 302
    [message] = update_messages()
    assert message.recipients == ["noor@tulip.example"]
    assert message.issue_id == reported_issue.id
    assert message.customer_id == reported_issue.customer_id
    assert message.subject == f"[#{reported_issue.id}] New reply: Chair squeaks"
    assert "Hello Noor Bakker," in message.body
    assert "Status: Open → In progress" in message.body
    assert "Stan Staff replied:\n\nA technician comes at 10:00." in message.body
    assert f"https://desk.example.com/portal/issues/{reported_issue.id}" in message.body
    page = text_of(staff_client.get(f"/admin/customer/details/?id={reported_issue.customer_id}"))
    assert "New reply: Chair squeaks" in page and "Issue update" in page


def test_status_change_in_the_issue_form_emails_the_reporter(
    app: Flask, admin_client: Client, reported_issue: Issue
) -> None:
    response = admin_client.post(
        f"/admin/issue/edit/?id={reported_issue.id}",
        issue_form(
            reported_issue.customer_id,
            title="Chair squeaks",
            status="closed",
            reporter=str(reported_issue.reporter_id),
        ),
    )
    assert response.status_code == 302, text_of(response)
    [message] = update_messages()
    assert message.subject == f"[#{reported_issue.id}] Chair squeaks is now Closed"
    # No base URL configured: the link uses the address the request came in on.
    assert f"http://localhost/portal/issues/{reported_issue.id}" in message.body


def test_internal_notes_and_unchanged_issues_send_nothing(
    app: Flask, staff_client: Client, reported_issue: Issue
) -> None:
    staff_client.post(
        f"/admin/issue/{reported_issue.id}/reply",
        {"body": "Check the contract.", "visibility": "internal"},
    )
    staff_client.post(
        f"/admin/issue/edit/?id={reported_issue.id}",
        issue_form(
            reported_issue.customer_id,
            title="Chair squeaks (left)",
            reporter=str(reported_issue.reporter_id),
        ),
    )
    assert update_messages() == []


def test_the_customer_setting_adds_the_customer_address(
    app: Flask, staff_client: Client, reported_issue: Issue
) -> None:
    reported_issue.customer.notify_issue_updates = True
    db_session().commit()
    staff_client.post(
        f"/admin/issue/{reported_issue.id}/reply", {"body": "Fixed.", "visibility": "public"}
    )
    [message] = update_messages()
    assert message.recipients == ["noor@tulip.example", "desk@tulip.example"]


def test_a_customer_users_own_reply_sends_nothing(app: Flask, reported_issue: Issue) -> None:
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    portal = Client(app.test_client())
    assert portal.login("noor@tulip.example").status_code == 302
    response = portal.post(f"/portal/issues/{reported_issue.id}/reply", {"body": "Thanks!"})
    assert response.status_code == 302
    assert update_messages() == []


def test_staff_reporters_and_switched_off_setting_get_nothing(
    app: Flask, staff_client: Client, staff_user
) -> None:
    issue = make_issue(make_customer("Dune Media"), reporter=staff_user)
    staff_client.post(f"/admin/issue/{issue.id}/reply", {"body": "Noted.", "visibility": "public"})
    assert update_messages() == []
    app.config["IRIS_ISSUE_UPDATE_EMAILS"] = False
    customer = make_customer("Quiet B.V.", email="q@quiet.example", notify_issue_updates=True)
    quiet = make_issue(customer)
    staff_client.post(f"/admin/issue/{quiet.id}/reply", {"body": "Noted.", "visibility": "public"})
    assert update_messages() == []


def test_a_failed_save_sends_nothing(app: Flask, reported_issue: Issue) -> None:
    from iris_admin.issue_actions import add_reply

    staff = make_user("sam@desk.example", Role.STAFF.value, "Sam")
    add_reply(db_session(), issue=reported_issue, author=staff, body="Soon.")
    db_session().flush()
    db_session().rollback()
    db_session().commit()
    assert update_messages() == []
