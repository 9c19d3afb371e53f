"""One send to several recipients: nobody sees the others' addresses, and a send has at
most IRIS_MESSAGE_MAX_RECIPIENTS of them (a clear refusal, nothing queued)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.messaging import dispatcher_for_app
from iris_admin.models import Contact, Message
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
    return {
        **messaging_config(database_url, inbox.port, gateway.url),
        "IRIS_MESSAGE_MAX_RECIPIENTS": 5,
    }


def customer_with_contacts(count: int):
    customer = make_customer("Many Contacts B.V.", email="office@many.example")
    for number in range(count):
        db_session().add(
            Contact(
                customer=customer, name=f"Contact {number:03d}", email=f"c{number}@many.example"
            )
        )
    db_session().commit()
    return customer


def send(client, customer, keys: list[str]):
    return client.post(
        f"/admin/customer/{customer.id}/messages/email",
        {
            "email-new-recipients": keys,
            "email-new-subject": "Our new opening hours",
            "email-new-body": "From Monday we open at 8.",
            "email-new-when": "now",
        },
    )


def contact_keys(customer) -> list[str]:
    ids = db_session().scalars(select(Contact.id).where(Contact.customer_id == customer.id))
    return [f"contact-{contact_id}" for contact_id in ids]


def test_several_recipients_do_not_see_each_other(app, admin_client, inbox):
    customer = customer_with_contacts(3)
    assert send(admin_client, customer, ["customer", *contact_keys(customer)]).status_code == 302
    assert dispatcher_for_app(app).run().sent == 1
    [received] = inbox.received
    assert sorted(received.recipients) == sorted(
        ["office@many.example", "c0@many.example", "c1@many.example", "c2@many.example"]
    )
    header = str(received.message["To"])
    assert "@many.example" not in header and received.message["Cc"] is None


def test_one_recipient_is_named_in_to(app, admin_client, inbox):
    customer = customer_with_contacts(0)
    send(admin_client, customer, ["customer"])
    dispatcher_for_app(app).run()
    [received] = inbox.received
    assert str(received.message["To"]) == "office@many.example"


def test_a_send_to_more_than_the_cap_is_refused_and_nothing_is_queued(app, admin_client):
    customer = customer_with_contacts(6)
    response = send(admin_client, customer, ["customer", *contact_keys(customer)])
    page = response.get_data(as_text=True)
    assert "One e-mail can go to at most 5 recipients; 7 were chosen. Nothing was sent." in page
    assert db_session().scalar(select(func.count()).select_from(Message)) == 0


def test_the_default_cap_is_50(app):
    from iris_admin.settings import DEFAULTS

    assert DEFAULTS["IRIS_MESSAGE_MAX_RECIPIENTS"] == 50
