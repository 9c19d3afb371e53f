"""The customer dashboard in a real browser: e-mail now and scheduled, cancelling, the SMS
counter, a custom field, and an Inactive customer refused a new issue.

E-mails go to a real SMTP server on loopback; the dispatcher runs in the test process
against the live server's database file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from iris_admin.extension import db_session
from iris_admin.messaging import dispatcher_for_app
from iris_admin.models import AccessLevel, Contact, CustomerUser, Role
from tests.browser.helpers import click_when_loaded, open_modal, pick_in_select2
from tests.conftest import login_in_browser, make_user
from tests.factories import make_customer
from tests.messaging_servers import SmsGatewayServer, SmtpInbox, messaging_config

pytestmark = pytest.mark.browser


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
    return messaging_config(database_url, inbox.port, gateway.url)


def open_customer(page: Page, server_url: str, customer_id: int) -> None:
    page.goto(f"{server_url}/admin/customer/details/?id={customer_id}")
    expect(page.locator("#customer-actions")).to_be_visible()


def message_row(page: Page, text: str):
    return page.locator("#messages tbody tr", has_text=text)


def test_send_email_now_and_scheduled_see_both_and_cancel_the_scheduled(
    app: Flask, admin_page: Page, server_url: str, inbox: SmtpInbox
) -> None:
    customer = make_customer("Harbour Logistics", email="info@harbour.example")
    db_session().add(Contact(customer=customer, name="Noor Bakker", email="noor@harbour.example"))
    db_session().commit()
    open_customer(admin_page, server_url, customer.id)
    expect(admin_page.locator("#messages")).to_contain_text("No messages yet.")

    # Now: to the customer (ticked by default) and Noor.
    click_when_loaded(admin_page.locator("#send-email"))
    modal = open_modal(admin_page)
    expect(modal.get_by_role("heading", name="Send e-mail")).to_be_visible()
    expect(
        modal.get_by_label("Harbour Logistics (customer) — info@harbour.example")
    ).to_be_checked()
    modal.get_by_label("Noor Bakker — noor@harbour.example").check()
    modal.get_by_label("Subject").fill("Delivery on Monday")
    modal.get_by_label("Message").fill("Dear all,\nWe deliver on Monday.")
    expect(modal.get_by_label("Date and time", exact=True)).to_be_hidden()
    modal.get_by_role("button", name="Send").click()
    expect(admin_page.get_by_text("The message is on its way")).to_be_visible()

    # Scheduled: tomorrow at 09:30.
    click_when_loaded(admin_page.locator("#send-email"))
    modal = open_modal(admin_page)
    modal.get_by_label("Subject").fill("Reminder: delivery tomorrow")
    modal.get_by_label("Message").fill("See you tomorrow.")
    modal.get_by_label("Send at a chosen date and time").check()
    tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=30)
    modal.get_by_label("Date and time", exact=True).fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    modal.get_by_role("button", name="Send").click()
    expect(admin_page.get_by_text("The message is scheduled for")).to_be_visible()

    rows = admin_page.locator("#messages tbody tr")
    expect(rows).to_have_count(2)
    expect(message_row(admin_page, "Delivery on Monday")).to_contain_text(
        "info@harbour.example, noor@harbour.example"
    )
    expect(message_row(admin_page, "Reminder: delivery tomorrow")).to_contain_text("Scheduled")

    # The dispatcher delivers the first; the scheduled one waits for its time.
    assert dispatcher_for_app(app).run().sent == 1
    assert [item.message["Subject"] for item in inbox.received] == ["Delivery on Monday"]
    admin_page.reload()
    sent = message_row(admin_page, "Delivery on Monday")
    expect(sent.locator(".iris-message-status")).to_have_text("Sent")
    expect(sent.get_by_text("We deliver on Monday.")).to_be_hidden()
    click_when_loaded(sent.get_by_text("Delivery on Monday"))
    expect(sent.get_by_text("We deliver on Monday.")).to_be_visible()

    scheduled = message_row(admin_page, "Reminder: delivery tomorrow")
    expect(scheduled.locator(".iris-message-status")).to_have_text("Scheduled")
    click_when_loaded(scheduled.get_by_role("button", name="Cancel sending"))
    expect(admin_page.get_by_text("The message is cancelled; it will not be sent.")).to_be_visible()
    scheduled = message_row(admin_page, "Reminder: delivery tomorrow")
    expect(scheduled.locator(".iris-message-status")).to_have_text("Cancelled")
    expect(scheduled.get_by_role("button", name="Cancel sending")).to_have_count(0)

    # Both are in the message log too, filtered to this customer.
    admin_page.locator("#message-log-link").click()
    expect(admin_page.locator("table.model-list tbody tr")).to_have_count(2)


def test_sms_counts_characters_and_segments_while_typing(
    app: Flask, admin_page: Page, server_url: str, gateway: SmsGatewayServer
) -> None:
    customer = make_customer("Dune Media", mobile="+31 6 11111111")
    open_customer(admin_page, server_url, customer.id)
    click_when_loaded(admin_page.locator("#send-sms"))
    modal = open_modal(admin_page)
    counter = modal.locator("#sms-counter")
    text = modal.get_by_label("Text")
    text.fill("x" * 160)
    expect(counter).to_contain_text("160 characters · 1 SMS (0 left in this one)")
    text.fill("x" * 161)
    expect(counter).to_contain_text("161 characters · 2 SMS (145 left in this one)")
    text.fill("Prijs: €10")
    expect(counter).to_contain_text("11 characters · 1 SMS")
    text.fill("Thanks 👍")
    expect(counter).to_contain_text("special characters: 70 per SMS")
    text.fill("The driver arrives at 14:00.")
    modal.get_by_role("button", name="Send").click()
    expect(admin_page.get_by_text("The message is on its way")).to_be_visible()
    assert dispatcher_for_app(app).run().sent == 1
    assert gateway.calls[0].payload["to"] == "+31611111111"
    admin_page.reload()
    expect(
        message_row(admin_page, "The driver arrives").locator(".iris-message-status")
    ).to_have_text("Sent")


def test_define_a_custom_field_and_fill_it_in(admin_page: Page, server_url: str) -> None:
    customer = make_customer("Tulip Dental")
    admin_page.goto(f"{server_url}/admin/customfield/new/")
    admin_page.get_by_label("Label").fill("Segment")
    admin_page.get_by_label("Type").select_option(label="Choice")
    admin_page.get_by_label("Options").fill("Gold\nSilver\nBronze")
    admin_page.get_by_label("Help text").fill("How much business they bring.")
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator("table.model-list")).to_contain_text("Segment")

    admin_page.goto(f"{server_url}/admin/customer/edit/?id={customer.id}")
    segment = admin_page.get_by_label("Segment")
    expect(admin_page.get_by_text("How much business they bring.")).to_be_visible()
    segment.select_option("Silver")
    admin_page.get_by_role("button", name="Save", exact=True).click()

    admin_page.goto(f"{server_url}/admin/customer/details/?id={customer.id}")
    expect(admin_page.locator("#custom-field-segment")).to_have_text("Segment Silver")


def test_an_inactive_customer_is_refused_a_new_issue(
    app: Flask, admin_page: Page, server_url: str
) -> None:
    customer = make_customer("Meadow Foods")
    admin_page.goto(f"{server_url}/admin/customer/edit/?id={customer.id}")
    pick_in_select2(admin_page, "status", "Inact", "Inactive")
    admin_page.get_by_role("button", name="Save", exact=True).click()
    admin_page.goto(f"{server_url}/admin/customer/")
    row = admin_page.locator("table.model-list tbody tr", has_text="Meadow Foods")
    expect(row.locator(".badge")).to_have_text("Inactive")

    admin_page.goto(f"{server_url}/admin/issue/new/")
    admin_page.get_by_label("Title").fill("Printer offline")
    pick_in_select2(admin_page, "customer", "Meadow", "Meadow Foods")
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator(".alert-danger")).to_contain_text(
        "New issues cannot be reported for Meadow Foods: its status is Inactive."
    )
    admin_page.goto(f"{server_url}/admin/issue/")
    expect(admin_page.locator("table.model-list")).not_to_contain_text("Printer offline")

    # The portal says the same to the customer's own users.
    portal_user = make_user("cora@meadow.example", Role.CUSTOMER.value)
    db_session().add(
        CustomerUser(customer=customer, user=portal_user, access=AccessLevel.ALL.value)
    )
    db_session().commit()
    admin_page.context.clear_cookies()
    login_in_browser(admin_page, server_url, portal_user.email)
    admin_page.goto(f"{server_url}/portal/issues/new")
    expect(
        admin_page.get_by_text(
            "New issues cannot be reported for Meadow Foods: its status is Inactive."
        )
    ).to_be_visible()
