"""E-mail over TLS to a real SMTP server on loopback: STARTTLS and TLS from the start,
with a log-in that only happens inside TLS, and a certificate that is really checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iris_admin.messaging.channels import DeliveryError, OutgoingEmail, SmtpSettings, send_email
from tests.messaging_servers import SmtpInbox
from tests.tls_certificates import ServerPki, make_pki

LOGIN = ("desk", "s3cret")
# aiosmtpd warns that AUTH is allowed without STARTTLS; in "ssl" mode the whole
# connection is TLS from the first byte, so that warning does not apply.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> ServerPki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def settings(port: int, tls: str, ca_file: Path | None) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        tls=tls,
        user=LOGIN[0],
        password=LOGIN[1],
        sender="Desk <desk@iris.example>",
        timeout=10,
        ca_file=str(ca_file) if ca_file else None,
    )


EMAIL = OutgoingEmail(
    message_id=7, recipients=("anna@customer.example",), subject="Your issue", body="Fixed."
)


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_mail_is_delivered_over_verified_tls_with_a_log_in(pki: ServerPki, tls: str) -> None:
    with SmtpInbox(login=LOGIN, tls=tls, tls_context=pki.server_context()) as inbox:
        send_email(settings(inbox.port, tls, pki.ca_file), EMAIL)
    assert inbox.logins == [LOGIN]
    assert [item.recipients for item in inbox.received] == [["anna@customer.example"]]
    assert inbox.received[0].message["Subject"] == "Your issue"


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_a_certificate_nobody_vouches_for_is_refused_before_the_password_is_sent(
    pki: ServerPki, tls: str
) -> None:
    with (
        SmtpInbox(login=LOGIN, tls=tls, tls_context=pki.server_context()) as inbox,
        pytest.raises(DeliveryError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"),
    ):
        send_email(settings(inbox.port, tls, ca_file=None), EMAIL)
    assert inbox.logins == [] and inbox.received == []


def test_a_server_that_requires_starttls_refuses_plain_mail(pki: ServerPki) -> None:
    with (
        SmtpInbox(login=LOGIN, tls="starttls", tls_context=pki.server_context()) as inbox,
        pytest.raises(DeliveryError),
    ):
        send_email(settings(inbox.port, "none", pki.ca_file), EMAIL)
    assert inbox.logins == [] and inbox.received == []
