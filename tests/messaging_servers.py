"""Real servers on loopback for the messaging tests: an SMTP server and an SMS gateway.

- :class:`SmtpInbox`: aiosmtpd's Controller on a free port; keeps every message it
  accepted; can refuse recipients (550) or ask for a log-in.
- :class:`SmsGatewayServer`: http.server in a thread; keeps every JSON POST with its
  headers; answers with the status the test sets.
"""

from __future__ import annotations

import email
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A TCP port nothing listens on now (aiosmtpd's Controller needs a real number)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


class SmtpInbox:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(
        self,
        *,
        login: tuple[str, str] | None = None,
        tls: str | None = None,
        tls_context: Any = None,
    ) -> None:
        """``tls``: None (plain), "starttls" (required before MAIL) or "ssl" (from the start)."""
        self.received: list[Received] = []
        self.refused_recipients: set[str] = set()
        self.logins: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._login = login
        self.port = free_port()
        options: dict[str, Any] = {}
        if login is not None:
            options = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
                "auth_required": True,
            }
        if tls == "starttls":
            options.update(tls_context=tls_context, require_starttls=True)
            options["auth_require_tls"] = True
        elif tls == "ssl":
            options["ssl_context"] = tls_context
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            pair = (auth_data.login.decode(), auth_data.password.decode())
            self.logins.append(pair)
            # handled=False: aiosmtpd answers "535 ... credentials invalid" itself.
            return AuthResult(success=pair == self._login, handled=False)
        return AuthResult(success=False, handled=False)

    def __enter__(self) -> SmtpInbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def by_iris_id(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = {}
        for item in self.received:
            found.setdefault(str(item.message["X-Iris-Message"]), []).append(item)
        return found


@dataclass
class GatewayCall:
    path: str
    headers: dict[str, str]
    payload: Any


@dataclass
class SmsGatewayServer:
    """A real HTTP server on 127.0.0.1 that plays an SMS provider."""

    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"id": "prov-1"})
    calls: list[GatewayCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = body.decode("utf-8", "replace")
                gateway.calls.append(GatewayCall(self.path, dict(self.headers.items()), payload))
                answer = json.dumps(gateway.answer).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1/messages"

    def __enter__(self) -> SmsGatewayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def messaging_config(
    database_url: str, smtp_port: int, gateway_url: str | None = None, **extra: Any
) -> dict[str, Any]:
    """App settings that send through the loopback servers."""
    config = {
        "IRIS_CONFIG": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "IRIS_SMTP_HOST": "127.0.0.1",
        "IRIS_SMTP_PORT": smtp_port,
        "IRIS_SMTP_TLS": "none",
        "IRIS_SMTP_SENDER": "Service desk <desk@iris.example>",
        "IRIS_SMTP_TIMEOUT": 5,
        "IRIS_PLUGINS": ["plugins.sms_http", "plugins.sms_log"],
        "IRIS_SMS_GATEWAY": "http",
        "IRIS_SMS_HTTP_URL": gateway_url,
        "IRIS_SMS_HTTP_TOKEN": "secret-token",
        "IRIS_SMS_HTTP_TIMEOUT": 5,
        "IRIS_SMS_SENDER": "IrisDesk",
        "IRIS_MESSAGE_MAX_ATTEMPTS": 3,
        # Retries are due at once, so a test runs them without waiting.
        "IRIS_MESSAGE_RETRY_BACKOFF": 0,
    }
    config.update(extra)
    return config
