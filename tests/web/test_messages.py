"""Sending e-mail and SMS from the customer page, the Messages section and the message log,
with a real SMTP server and a real HTTP SMS gateway on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask, g
from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.messaging import dispatcher_for_app
from iris_admin.models import Contact, Message, MessageStatus, Role
from iris_admin.models.base import utcnow
from tests.conftest import Client, make_user
from tests.factories import make_customer
from tests.messaging_servers import SmsGatewayServer, SmtpInbox, messaging_config


@pytest.fixture
def inbox() -> Iterator[SmtpInbox]:
    with SmtpInbox() as server:
        yield server


@pytest.fixture
def gateway() -> Iterator[SmsGatewayServer]:
    with SmsGatewayServer() as server:
        yield server


@pytest.fixture
def app_config(database_url: str, inbox: SmtpInbox, gateway: SmsGatewayServer) -> dict:
    # The scheduling time is typed in the users' time zone (Amsterdam: UTC+1 in winter).
    return messaging_config(
        database_url, inbox.port, gateway.url, BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam"
    )


def deliver(app: Flask, **options):
    """Run a dispatcher (it writes through its own connections) and forget cached rows."""
    result = dispatcher_for_app(app).run(**options)
    db_session().expire_all()
    return result


def second_client(app: Flask, email: str, role: str) -> Client:
    """Another logged-in browser in the same test.

    The test's shared app context keeps ``g`` between requests: Flask-Login's cached
    user and Flask-WTF's cached CSRF token of the first client; forget both so the new
    client logs in and gets a token of its own session.
    """
    make_user(email, role)
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    client = Client(app.test_client())
    assert client.login(email).status_code == 302
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    return client


def count_messages() -> int:
    return db_session().scalar(select(func.count()).select_from(Message))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def a_customer():
    customer = make_customer(
        "Harbour Logistics", email="info@harbour.example", mobile="+31 6 11111111"
    )
    db_session().add(
        Contact(
            customer=customer,
            name="Noor Bakker",
            email="noor@harbour.example",
            mobile="+31 6 22222222",
        )
    )
    db_session().add(Contact(customer=customer, name="Vera Vos", function="Planner"))
    db_session().commit()
    return customer


def contact_key(name: str) -> str:
    contact = db_session().scalar(select(Contact).where(Contact.name == name))
    return f"contact-{contact.id}"


# -- the page -----------------------------------------------------------------------------
def test_customer_page_has_actions_and_an_empty_messages_section(admin_client: Client) -> None:
    customer = a_customer()
    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    for text in (
        'id="customer-actions"',
        'id="send-email"',
        'id="send-sms"',
        'id="messages"',
        "No messages yet.",
        'id="modal-email-new"',
        'id="modal-sms-new"',
    ):
        assert text in page
    # Only people with an address are offered: the customer and Noor, not Vera.
    assert "Harbour Logistics (customer) — info@harbour.example" in page
    assert "Noor Bakker — noor@harbour.example" in page
    assert "Noor Bakker — +31 6 22222222" in page
    assert "Vera Vos —" not in page


def test_send_email_now_is_queued_then_delivered(
    app: Flask, admin_client: Client, admin_user, inbox: SmtpInbox
) -> None:
    customer = a_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["customer", contact_key("Noor Bakker")],
            "email-new-subject": "Delivery on Monday",
            "email-new-body": "Dear all,\nWe deliver on Monday.",
            "email-new-when": "now",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/admin/customer/details/?id={customer.id}#messages"
    )
    assert not inbox.received, "the request only writes the outbox"
    message = db_session().scalar(select(Message))
    assert message.status == MessageStatus.SCHEDULED.value
    assert message.recipients == ["info@harbour.example", "noor@harbour.example"]
    assert message.recipient_names == ["Harbour Logistics", "Noor Bakker"]
    assert message.created_by_id == admin_user.id

    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    assert "The message is on its way" in page
    assert "Delivery on Monday" in page and "Scheduled" in page

    assert deliver(app).sent == 1
    [received] = inbox.received
    assert received.recipients == ["info@harbour.example", "noor@harbour.example"]
    assert received.message["Subject"] == "Delivery on Monday"
    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    row = re.search(r'<tr id="message-\d+".*?</tr>', page, re.DOTALL).group(0)
    assert "Sent" in row and "info@harbour.example, noor@harbour.example" in row
    assert "We deliver on Monday." in row, "the full text opens on click"


def test_send_email_later_is_scheduled_in_the_users_time_zone(
    app: Flask, admin_client: Client, inbox: SmtpInbox
) -> None:
    customer = a_customer()
    local = (utcnow() + timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    response = admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["customer"],
            "email-new-subject": "Reminder",
            "email-new-body": "Your appointment.",
            "email-new-when": "later",
            "email-new-send_at": local.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    message = db_session().scalar(select(Message))
    # 09:30 in Amsterdam is 08:30 UTC in winter, 07:30 in summer.
    assert message.scheduled_at in (local - timedelta(hours=1), local - timedelta(hours=2))
    assert message.next_attempt_at == message.scheduled_at
    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    assert "The message is scheduled for" in page and "Cancel sending" in page
    assert deliver(app).claimed == 0
    assert not inbox.received


def test_cancel_a_scheduled_message_from_the_customer_page(
    app: Flask, admin_client: Client, inbox: SmtpInbox
) -> None:
    customer = a_customer()
    admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["customer"],
            "email-new-subject": "Later",
            "email-new-body": "Text",
            "email-new-when": "later",
            "email-new-send_at": (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    message = db_session().scalar(select(Message))
    url = f"/admin/customer/{customer.id}/messages/{message.id}/cancel"
    response = admin_client.post(url)
    assert response.status_code == 302
    db_session().refresh(message)
    assert message.status == MessageStatus.CANCELLED.value
    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    assert "The message is cancelled; it will not be sent." in page
    assert "Cancelled" in page

    admin_client.post(url)
    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    assert "Too late to cancel: the message is Cancelled." in page
    deliver(app, now=lambda: utcnow() + timedelta(days=2))
    assert not inbox.received


def test_invalid_email_form_reopens_the_popup_and_saves_nothing(admin_client: Client) -> None:
    customer = a_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-subject": "",
            "email-new-body": "",
            "email-new-when": "later",
            "email-new-send_at": "",
        },
    )
    page = text_of(response)
    assert response.status_code == 400
    assert 'data-modal="#modal-email-new"' in page
    assert "Choose at least one recipient." in page
    assert "Choose the date and time to send at." in page
    assert count_messages() == 0


def test_a_time_in_the_past_is_refused(admin_client: Client) -> None:
    customer = a_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["customer"],
            "email-new-subject": "Old",
            "email-new-body": "Text",
            "email-new-when": "later",
            "email-new-send_at": "2020-01-01T10:00",
        },
    )
    assert response.status_code == 400
    assert "The chosen time has passed." in text_of(response)
    assert count_messages() == 0


def test_recipients_are_taken_from_the_database_not_the_browser(admin_client: Client) -> None:
    customer = a_customer()
    other = make_customer("Other B.V.", email="secret@other.example")
    response = admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["attacker@evil.example"],
            "email-new-subject": "x",
            "email-new-body": "x",
            "email-new-when": "now",
        },
    )
    assert response.status_code == 400 and count_messages() == 0
    assert "not a valid choice" in text_of(response).lower()
    assert other.email not in text_of(response)


def test_send_sms_now_reaches_the_gateway(
    app: Flask, admin_client: Client, gateway: SmsGatewayServer
) -> None:
    customer = a_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/messages/sms",
        {
            "sms-new-recipient": contact_key("Noor Bakker"),
            "sms-new-text": "The driver arrives at 14:00.",
            "sms-new-when": "now",
        },
    )
    assert response.status_code == 302
    assert deliver(app).sent == 1
    [call] = gateway.calls
    assert call.payload["to"] == "+31622222222"
    assert call.payload["text"] == "The driver arrives at 14:00."
    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    assert "The driver arrives at 14:00." in page and "+31 6 22222222" in page


def test_too_long_sms_is_refused_with_the_segment_count(app: Flask, admin_client: Client) -> None:
    app.config["IRIS_SMS_MAX_SEGMENTS"] = 2
    customer = a_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/messages/sms",
        {
            "sms-new-recipient": "customer",
            "sms-new-text": "x" * 400,
            "sms-new-when": "now",
        },
    )
    assert response.status_code == 400
    assert "This text needs 3 SMS segments; at most 2 are allowed." in text_of(response)
    assert count_messages() == 0


def test_failed_message_shows_its_error_on_the_customer_page(
    app: Flask, admin_client: Client
) -> None:
    app.config.update(IRIS_SMS_GATEWAY=None, IRIS_MESSAGE_MAX_ATTEMPTS=1)
    customer = a_customer()
    admin_client.post(
        f"/admin/customer/{customer.id}/messages/sms",
        {"sms-new-recipient": "customer", "sms-new-text": "Hi", "sms-new-when": "now"},
    )
    assert deliver(app).failed == 1
    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    assert "Failed" in page and "No SMS gateway is configured (IRIS_SMS_GATEWAY)." in page


# -- who may ------------------------------------------------------------------------------
def test_staff_may_send_a_customer_user_may_not(app: Flask, staff_client: Client) -> None:
    customer = a_customer()
    data = {
        "email-new-recipients": ["customer"],
        "email-new-subject": "Hi",
        "email-new-body": "Text",
        "email-new-when": "now",
    }
    assert (
        staff_client.post(f"/admin/customer/{customer.id}/messages/email", data).status_code == 302
    )
    portal = second_client(app, "portal@harbour.example", Role.CUSTOMER.value)
    assert portal.post(f"/admin/customer/{customer.id}/messages/email", data).status_code == 403
    assert portal.get("/admin/message/").status_code == 403
    assert count_messages() == 1


def test_without_edit_permission_no_actions_and_no_sending(app: Flask) -> None:
    app.config["IRIS_PERMISSIONS"] = {
        "admin": ["admin.access", "customers.view", "users.manage"],
        "staff": ["admin.access", "customers.view"],
        "customer": ["portal.access"],
    }
    viewer = second_client(app, "viewer@desk.example", Role.STAFF.value)
    customer = a_customer()
    page = text_of(viewer.get(f"/admin/customer/details/?id={customer.id}"))
    assert 'id="messages"' in page and 'id="send-email"' not in page
    response = viewer.post(
        f"/admin/customer/{customer.id}/messages/sms",
        {"sms-new-recipient": "customer", "sms-new-text": "Hi", "sms-new-when": "now"},
    )
    assert response.status_code == 403 and count_messages() == 0


# -- the message log ---------------------------------------------------------------------
def test_message_log_lists_filters_and_shows_details(app: Flask, admin_client: Client) -> None:
    customer = a_customer()
    other = make_customer("Other B.V.", email="info@other.example")
    for target, subject in ((customer, "For Harbour"), (other, "For Other")):
        admin_client.post(
            f"/admin/customer/{target.id}/messages/email",
            {
                "email-new-recipients": ["customer"],
                "email-new-subject": subject,
                "email-new-body": f"Body of {subject}",
                "email-new-when": "now",
            },
        )
    listing = text_of(admin_client.get("/admin/message/"))
    assert "For Harbour" in listing and "For Other" in listing

    page = text_of(admin_client.get(f"/admin/customer/details/?id={customer.id}"))
    log_url = (
        re.search(r'id="message-log-link" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    )
    filtered = text_of(admin_client.get(log_url))
    assert "For Harbour" in filtered and "For Other" not in filtered

    message = db_session().scalar(select(Message).where(Message.subject == "For Harbour"))
    details = text_of(admin_client.get(f"/admin/message/details/?id={message.id}"))
    assert "Body of For Harbour" in details and 'id="cancel-message"' in details
    assert admin_client.post(f"/admin/message/cancel/{message.id}").status_code == 302
    db_session().refresh(message)
    assert message.status == MessageStatus.CANCELLED.value


def test_message_log_is_read_only(admin_client: Client) -> None:
    customer = a_customer()
    admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["customer"],
            "email-new-subject": "x",
            "email-new-body": "x",
            "email-new-when": "now",
        },
    )
    message = db_session().scalar(select(Message))
    for url in ("/admin/message/new/", f"/admin/message/edit/?id={message.id}"):
        assert admin_client.get(url).status_code == 302
    admin_client.post("/admin/message/delete/", {"id": str(message.id)})
    assert count_messages() == 1


def test_cancel_action_skips_messages_already_sent(app: Flask, admin_client: Client) -> None:
    customer = a_customer()
    for subject in ("First", "Second"):
        admin_client.post(
            f"/admin/customer/{customer.id}/messages/email",
            {
                "email-new-recipients": ["customer"],
                "email-new-subject": subject,
                "email-new-body": "x",
                "email-new-when": "later",
                "email-new-send_at": (datetime.now() + timedelta(days=1)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
            },
        )
    first, second = db_session().scalars(select(Message).order_by(Message.id)).all()
    first.status = MessageStatus.SENT.value
    db_session().commit()
    response = admin_client.post(
        "/admin/message/action/", {"action": "cancel", "rowid": [str(first.id), str(second.id)]}
    )
    assert response.status_code == 302
    page = text_of(admin_client.get("/admin/message/"))
    assert "1 message(s) cancelled." in page
    assert "1 message(s) were already sent, being sent or cancelled" in page
    db_session().expire_all()
    assert (
        db_session().get(Message, first.id).status,
        db_session().get(Message, second.id).status,
    ) == ("sent", "cancelled")


def test_deleting_a_customer_takes_its_messages(app: Flask, admin_client: Client) -> None:
    customer = a_customer()
    admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["customer"],
            "email-new-subject": "x",
            "email-new-body": "x",
            "email-new-when": "now",
        },
    )
    assert admin_client.post(f"/admin/customer/{customer.id}/delete").status_code == 302
    assert count_messages() == 0


def test_cli_dispatch_sends_and_reports(app: Flask, admin_client: Client, inbox: SmtpInbox) -> None:
    customer = a_customer()
    admin_client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": ["customer"],
            "email-new-subject": "Via cron",
            "email-new-body": "x",
            "email-new-when": "now",
        },
    )
    result = app.test_cli_runner().invoke(args=["iris", "dispatch"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Outbox: 1 sent, 0 to retry, 0 failed."
    assert len(inbox.received) == 1
    quiet = app.test_cli_runner().invoke(args=["iris", "dispatch", "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
