"""The outbox and the dispatcher against a real SQLite file, a real SMTP server and a real
HTTP SMS gateway on loopback: delivery, retries, failures, claims, plugins."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

import pytest
from flask import Flask

from iris_admin.extension import db_session
from iris_admin.messaging import dispatcher_for_app, plugin_registry
from iris_admin.messaging.channels import (
    DeliveryError,
    OutgoingSms,
    PermanentDeliveryError,
    PluginRegistry,
    load_plugins,
)
from iris_admin.messaging.dispatcher import Dispatcher, DispatchSettings
from iris_admin.messaging.outbox import (
    MessageRefused,
    Recipient,
    cancel_message,
    queue_email,
    queue_sms,
)
from iris_admin.messaging.sms_text import sms_length
from iris_admin.models import Message, MessageStatus
from iris_admin.models.base import utcnow
from tests.factories import make_customer
from tests.messaging_servers import SmsGatewayServer, SmtpInbox, free_port, messaging_config

# The log-in tests use AUTH without TLS on loopback, which aiosmtpd warns about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


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


def fresh(message: Message) -> Message:
    """The row as the dispatcher left it (it writes through its own connections)."""
    session = db_session()
    session.expire_all()
    return session.get(Message, message.id)


def an_email(subject: str = "Your booking", **values) -> Message:
    customer = values.pop("customer", None) or make_customer("Tulip Travel")
    message = queue_email(
        db_session(),
        customer=customer,
        recipients=values.pop("recipients", [Recipient("info@tulip.example", "Tulip Travel")]),
        subject=subject,
        body=values.pop("body", "Dear customer,\n\nSee you on Monday."),
        **values,
    )
    db_session().commit()
    return message


def an_sms(text: str = "Your table is ready", **values) -> Message:
    customer = make_customer("Tulip Travel")
    message = queue_sms(
        db_session(),
        customer=customer,
        recipient=values.pop("recipient", Recipient("06 12345678", "Noor")),
        text=text,
        max_segments=6,
        **values,
    )
    db_session().commit()
    return message


# -- e-mail --------------------------------------------------------------------------
def test_a_queued_email_reaches_the_smtp_server_once(app: Flask, inbox: SmtpInbox) -> None:
    message = an_email(body="Dear customer,\n\nSee you on Monday.")
    assert not inbox.received, "queueing never sends"

    result = dispatcher_for_app(app).run()

    assert (result.sent, result.failed) == (1, 0)
    [received] = inbox.received
    assert received.recipients == ["info@tulip.example"]
    assert received.message["From"] == "Service desk <desk@iris.example>"
    assert received.message["Subject"] == "Your booking"
    body = received.message.get_content().replace("\r\n", "\n").strip()
    assert body == "Dear customer,\n\nSee you on Monday."
    stored = fresh(message)
    assert stored.status == MessageStatus.SENT.value
    assert stored.attempts == 1 and stored.sent_at is not None and stored.claimed_by is None
    assert stored.provider_ref == received.message["Message-ID"]
    assert dispatcher_for_app(app).run().claimed == 0


def test_an_email_to_several_recipients_is_one_message(app: Flask, inbox: SmtpInbox) -> None:
    an_email(
        recipients=[
            Recipient("info@tulip.example", "Tulip"),
            Recipient("Noor@Tulip.example", "Noor"),
            Recipient("info@TULIP.example", "twice"),
        ]
    )
    dispatcher_for_app(app).run()
    [received] = inbox.received
    assert received.recipients == ["info@tulip.example", "Noor@tulip.example"]


def test_a_scheduled_email_waits_for_its_time(app: Flask, inbox: SmtpInbox) -> None:
    later = utcnow() + timedelta(hours=2)
    message = an_email(send_at=later)
    assert dispatcher_for_app(app).run().claimed == 0
    assert fresh(message).status == MessageStatus.SCHEDULED.value

    dispatcher = dispatcher_for_app(app)
    result = dispatcher.run(now=lambda: later + timedelta(seconds=1))
    assert result.sent == 1 and len(inbox.received) == 1


def test_smtp_log_in_uses_the_configured_account(app: Flask) -> None:
    with SmtpInbox(login=("desk", "s3cret")) as server:
        app.config.update(
            IRIS_SMTP_PORT=server.port, IRIS_SMTP_USER="desk", IRIS_SMTP_PASSWORD="s3cret"
        )
        an_email()
        assert dispatcher_for_app(app).run().sent == 1
        assert server.logins == [("desk", "s3cret")] and len(server.received) == 1


def test_a_wrong_smtp_password_is_retried_then_fails_with_the_answer(app: Flask) -> None:
    with SmtpInbox(login=("desk", "s3cret")) as server:
        app.config.update(
            IRIS_SMTP_PORT=server.port, IRIS_SMTP_USER="desk", IRIS_SMTP_PASSWORD="wrong"
        )
        message = an_email()
        result = dispatcher_for_app(app).run()
        assert (result.retried, result.failed) == (2, 1)
        stored = fresh(message)
        assert stored.status == MessageStatus.FAILED.value and stored.attempts == 3
        assert "535" in stored.last_error
        assert not server.received


def test_smtp_server_down_is_retried_with_back_off_then_failed(app: Flask) -> None:
    app.config.update(
        IRIS_SMTP_PORT=free_port(), IRIS_MESSAGE_RETRY_BACKOFF=60, IRIS_MESSAGE_MAX_ATTEMPTS=3
    )
    message = an_email()
    dispatcher = dispatcher_for_app(app)

    first = dispatcher.run_once()
    assert (first.claimed, first.retried) == (1, 1)
    stored = fresh(message)
    assert stored.status == MessageStatus.SCHEDULED.value and stored.attempts == 1
    assert "Could not deliver to the SMTP server 127.0.0.1" in stored.last_error
    wait = stored.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    assert dispatcher.run_once().claimed == 0, "not due before the back-off has passed"

    second = dispatcher.run_once(now=stored.next_attempt_at)
    assert second.retried == 1
    stored = fresh(message)
    assert stored.attempts == 2
    # The back-off doubles: 60 s, then 120 s.
    assert timedelta(seconds=110) < stored.next_attempt_at - utcnow() <= timedelta(seconds=120)

    third = dispatcher.run_once(now=stored.next_attempt_at)
    assert third.failed == 1
    stored = fresh(message)
    assert stored.status == MessageStatus.FAILED.value and stored.attempts == 3
    assert "Could not deliver" in stored.last_error
    assert db_session().query(Message).count() == 1, "nothing is lost"


def test_a_refused_recipient_fails_at_once(app: Flask, inbox: SmtpInbox) -> None:
    inbox.refused_recipients.add("gone@tulip.example")
    message = an_email(recipients=[Recipient("gone@tulip.example")])
    result = dispatcher_for_app(app).run()
    assert (result.failed, result.retried) == (1, 0)
    stored = fresh(message)
    assert stored.status == MessageStatus.FAILED.value and stored.attempts == 1
    assert "gone@tulip.example (550" in stored.last_error


def test_an_unconfigured_smtp_server_is_a_clear_error(app: Flask) -> None:
    app.config.update(IRIS_SMTP_HOST=None, IRIS_MESSAGE_MAX_ATTEMPTS=1)
    message = an_email()
    dispatcher_for_app(app).run()
    assert fresh(message).last_error == "No SMTP server is configured (IRIS_SMTP_HOST)."


# -- SMS -------------------------------------------------------------------------------
def test_an_sms_is_posted_to_the_http_gateway(app: Flask, gateway: SmsGatewayServer) -> None:
    message = an_sms("Your table is ready")
    result = dispatcher_for_app(app).run()
    assert result.sent == 1
    [call] = gateway.calls
    assert call.path == "/v1/messages"
    assert call.headers["Authorization"] == "Bearer secret-token"
    assert call.headers["Content-Type"] == "application/json"
    assert call.payload == {
        "to": "+31612345678",
        "text": "Your table is ready",
        "sender": "IrisDesk",
        "reference": f"iris-{message.id}",
    }
    stored = fresh(message)
    assert stored.status == MessageStatus.SENT.value and stored.provider_ref == "prov-1"
    assert stored.recipients == ["+31 6 12345678"]


def test_gateway_answering_500_is_retried_then_failed(
    app: Flask, gateway: SmsGatewayServer
) -> None:
    gateway.status, gateway.answer = 500, {"error": "maintenance"}
    message = an_sms()
    dispatcher = dispatcher_for_app(app)
    assert dispatcher.run_once().retried == 1
    assert fresh(message).status == MessageStatus.SCHEDULED.value
    result = dispatcher.run()
    assert (result.retried, result.failed) == (1, 1)
    stored = fresh(message)
    assert stored.status == MessageStatus.FAILED.value and stored.attempts == 3
    assert stored.last_error == 'The SMS gateway answered HTTP 500: {"error": "maintenance"}'
    assert len(gateway.calls) == 3
    # The same reference every time, so the provider can drop duplicates.
    assert {call.payload["reference"] for call in gateway.calls} == {f"iris-{message.id}"}


def test_gateway_refusing_the_request_fails_at_once(app: Flask, gateway: SmsGatewayServer) -> None:
    gateway.status, gateway.answer = 422, {"error": "invalid number"}
    message = an_sms()
    assert dispatcher_for_app(app).run().failed == 1
    stored = fresh(message)
    assert stored.attempts == 1 and "HTTP 422" in stored.last_error


def test_gateway_down_is_retried_then_failed(app: Flask) -> None:
    app.config["IRIS_SMS_HTTP_URL"] = f"http://127.0.0.1:{free_port()}/sms"
    message = an_sms()
    result = dispatcher_for_app(app).run()
    assert (result.retried, result.failed) == (2, 1)
    assert "could not be reached" in fresh(message).last_error


def test_unknown_or_missing_gateway_is_a_clear_error(app: Flask) -> None:
    app.config.update(IRIS_SMS_GATEWAY="carrier-pigeon", IRIS_MESSAGE_MAX_ATTEMPTS=1)
    message = an_sms()
    dispatcher_for_app(app).run()
    assert fresh(message).last_error == (
        "IRIS_SMS_GATEWAY is 'carrier-pigeon', but no loaded plugin registers it "
        "(registered: http, log; check IRIS_PLUGINS)."
    )
    app.config["IRIS_SMS_GATEWAY"] = None
    other = an_sms()
    dispatcher_for_app(app).run()
    assert fresh(other).last_error == "No SMS gateway is configured (IRIS_SMS_GATEWAY)."


def test_log_gateway_delivers_nothing_but_counts_as_sent(
    app: Flask, gateway: SmsGatewayServer, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["IRIS_SMS_GATEWAY"] = "log"
    message = an_sms("Hello from the demo")
    with caplog.at_level("INFO", logger="iris_admin.sms"):
        assert dispatcher_for_app(app).run().sent == 1
    assert "to +31612345678 (from IrisDesk): Hello from the demo" in caplog.text
    assert not gateway.calls and fresh(message).provider_ref == f"log-{message.id}"


# -- plugins -----------------------------------------------------------------------------
class RecordingGateway:
    # Shared on purpose: the registry makes its own instance, the test reads the class.
    sent: ClassVar[list[OutgoingSms]] = []

    def __init__(self, config) -> None:
        self.config = config

    def send(self, sms: OutgoingSms) -> str:
        RecordingGateway.sent.append(sms)
        if "fail" in sms.text:
            raise PermanentDeliveryError("number blocked by the provider")
        return "rec-1"


def test_a_plugin_gateway_registered_for_a_while(app: Flask) -> None:
    registry = plugin_registry(app)
    app.config["IRIS_SMS_GATEWAY"] = "recording"
    RecordingGateway.sent = []
    with registry.registered("sms_gateway", ("recording", RecordingGateway)):
        an_sms("hello")
        bad = an_sms("please fail")
        result = dispatcher_for_app(app).run()
    assert (result.sent, result.failed) == (1, 1)
    assert [sms.text for sms in RecordingGateway.sent] == ["hello", "please fail"]
    assert fresh(bad).last_error == "number blocked by the provider"
    assert registry.sms_gateway_factory("recording") is None, "gone after the with block"


def test_hooks_run_in_order_and_see_the_outcome(app: Flask) -> None:
    registry = plugin_registry(app)
    seen: list[tuple] = []
    with (
        registry.registered("message_sent", lambda *a: seen.append(("late", *a)), order=10),
        registry.registered("message_sent", lambda *a: seen.append(("early", *a)), order=-1),
    ):
        message = an_email()
        dispatcher_for_app(app).run()
    assert seen == [("early", message.id, "email"), ("late", message.id, "email")]


def test_load_plugins_explains_a_missing_module() -> None:
    with pytest.raises(RuntimeError, match=r"'plugins.nothing', which cannot be imported"):
        load_plugins(PluginRegistry(config={}), ["plugins.nothing"])


# -- claims --------------------------------------------------------------------------------
def test_a_claimed_message_is_not_claimed_again(app: Flask) -> None:
    an_email()
    engine = app.extensions["iris_admin"].db.engine
    first = Dispatcher(
        engine, DispatchSettings(), email_sender=lambda e: None, sms_gateway=lambda: None
    )
    now = utcnow()
    claimed = first.claim("token-a", now)
    assert len(claimed) == 1
    assert first.claim("token-b", now) == []
    assert cancel_message(db_session(), claimed[0].id) is False, "too late to cancel"


def test_a_dispatcher_that_died_leaves_its_claim_to_the_next_after_the_timeout(
    app: Flask, inbox: SmtpInbox
) -> None:
    app.config["IRIS_MESSAGE_CLAIM_TIMEOUT"] = 600
    message = an_email()
    engine = app.extensions["iris_admin"].db.engine
    crashed = Dispatcher(
        engine,
        DispatchSettings(claim_timeout=600),
        email_sender=lambda e: None,
        sms_gateway=lambda: None,
    )
    claimed_at = utcnow()
    assert len(crashed.claim("dead-dispatcher", claimed_at)) == 1

    dispatcher = dispatcher_for_app(app)
    assert dispatcher.run(now=lambda: claimed_at + timedelta(seconds=599)).claimed == 0
    assert dispatcher.run(now=lambda: claimed_at + timedelta(seconds=601)).sent == 1
    stored = fresh(message)
    assert stored.status == MessageStatus.SENT.value and stored.attempts == 2
    assert len(inbox.received) == 1


def test_cancel_before_the_dispatcher_runs(app: Flask, inbox: SmtpInbox) -> None:
    message = an_email(send_at=utcnow() + timedelta(days=1))
    assert cancel_message(db_session(), message.id) is True
    db_session().commit()
    assert cancel_message(db_session(), message.id) is False
    dispatcher_for_app(app).run(now=lambda: utcnow() + timedelta(days=2))
    assert fresh(message).status == MessageStatus.CANCELLED.value and not inbox.received


def test_retry_delay_doubles_up_to_the_maximum() -> None:
    settings = DispatchSettings(backoff=60, backoff_max=300)
    assert [settings.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        60,
        120,
        240,
        300,
        300,
    ]


# -- input ---------------------------------------------------------------------------------
def test_queue_email_refuses_bad_input(app: Flask) -> None:
    customer = make_customer()
    session = db_session()
    cases = [
        ({"recipients": []}, "Choose at least one recipient"),
        ({"recipients": [Recipient("not an address")]}, "Not a valid e-mail address"),
        ({"subject": "  "}, "An e-mail needs a subject."),
        ({"body": ""}, "An e-mail needs a text."),
        ({"send_at": utcnow() - timedelta(hours=1)}, "The chosen time has passed."),
    ]
    for override, message in cases:
        values = {"recipients": [Recipient("a@b.example")], "subject": "Hi", "body": "Text"}
        values.update(override)
        with pytest.raises(MessageRefused, match=message):
            queue_email(session, customer=customer, **values)
    assert session.query(Message).count() == 0


def test_subject_line_breaks_are_removed(app: Flask, inbox: SmtpInbox) -> None:
    an_email(subject="Hello\r\nBcc: everyone@example.com")
    dispatcher_for_app(app).run()
    [received] = inbox.received
    assert received.message["Subject"] == "Hello Bcc: everyone@example.com"
    assert received.message["Bcc"] is None


def test_queue_sms_refuses_bad_numbers_and_long_texts(app: Flask) -> None:
    customer = make_customer()
    session = db_session()
    with pytest.raises(MessageRefused, match="Not a valid phone number"):
        queue_sms(session, customer=customer, recipient=Recipient("12"), text="Hi", max_segments=2)
    with pytest.raises(MessageRefused, match="needs 3 SMS segments; at most 2"):
        queue_sms(
            session,
            customer=customer,
            recipient=Recipient("+31 6 12345678"),
            text="x" * 307,
            max_segments=2,
        )
    with pytest.raises(MessageRefused, match=r"An SMS needs a text."):
        queue_sms(
            session,
            customer=customer,
            recipient=Recipient("+31 6 12345678"),
            text=" ",
            max_segments=2,
        )


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("x" * 160, "GSM-7", 160, 1),
        ("x" * 161, "GSM-7", 161, 2),
        ("x" * 306, "GSM-7", 306, 2),
        ("x" * 307, "GSM-7", 307, 3),
        ("Prijs: €10 [incl.]", "GSM-7", 21, 1),  # € [ ] count twice
        ("é" * 160, "GSM-7", 160, 1),  # é is in the GSM alphabet
        ("ő" * 70, "UCS-2", 70, 1),
        ("ő" * 71, "UCS-2", 71, 2),
        ("Thanks 👍", "UCS-2", 9, 1),  # the emoji is two UTF-16 units
    ],
)
def test_sms_length_counts_like_the_networks(
    text: str, encoding: str, units: int, segments: int
) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_delivery_error_kinds() -> None:
    assert issubclass(PermanentDeliveryError, DeliveryError)


# -- the demo's background thread ------------------------------------------------------
def test_background_dispatcher_delivers_until_stopped(app: Flask, inbox: SmtpInbox) -> None:
    from iris_admin.messaging.background import start_background_dispatcher

    message = an_email("From the background")
    dispatcher = start_background_dispatcher(app, interval=0.05)
    try:
        for _ in range(600):  # polls up to 30 s; this is not a speed test
            if inbox.received:
                break
            time.sleep(0.05)
    finally:
        dispatcher.stop()
    assert not dispatcher.running
    assert [item.message["Subject"] for item in inbox.received] == ["From the background"]
    assert fresh(message).status == MessageStatus.SENT.value
