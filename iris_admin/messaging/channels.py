"""Delivering one message: e-mail over SMTP, SMS through a gateway plugin.

E-mail
======
Sent with :mod:`smtplib` to the server of the ``IRIS_SMTP_*`` settings:

=======================  ==========================================================
``IRIS_SMTP_HOST``        the server; not set: e-mails wait and fail after the retries
``IRIS_SMTP_PORT``        587 (default), 465 for ``ssl``, 25 for ``none``
``IRIS_SMTP_TLS``         ``starttls`` (default), ``ssl`` (TLS from the first byte) or
                          ``none`` (only for a relay on the same host or network)
``IRIS_SMTP_USER``        log-in name; empty: no log-in
``IRIS_SMTP_PASSWORD``    its password
``IRIS_SMTP_SENDER``      the From, e.g. ``Service desk <desk@example.com>``
``IRIS_SMTP_TIMEOUT``     seconds before a silent server counts as a failed attempt
``IRIS_SMTP_CA_FILE``     a PEM file of certificate authorities to trust instead of
                          the system's (a relay with a company-internal certificate)
=======================  ==========================================================

TLS always verifies the server's certificate and host name; there is no setting to
switch that off.

SMS gateway plugins
===================
SMS leave through a *gateway* that a plugin registers; ``IRIS_SMS_GATEWAY`` names the
one to use. iris-admin ships two in ``plugins/``:

- ``plugins.sms_http`` registers ``"http"``: a JSON POST to ``IRIS_SMS_HTTP_URL`` with
  ``Authorization: Bearer IRIS_SMS_HTTP_TOKEN``;
- ``plugins.sms_log`` registers ``"log"``: writes the SMS to the log and delivers
  nothing (development and demos only).

Configure, for example::

    IRIS_PLUGINS = ["plugins.sms_http"]
    IRIS_SMS_GATEWAY = "http"
    IRIS_SMS_HTTP_URL = "https://sms.example.com/v1/messages"
    IRIS_SMS_HTTP_TOKEN = "..."            # from the environment, never in the code

Writing a gateway for another provider
--------------------------------------
A plugin is an importable module listed in ``IRIS_PLUGINS`` with a function
``register(iris)``. ``iris`` is the app's :class:`PluginRegistry`; a gateway plugin
calls ``iris.register_sms_gateway(name, factory)``::

    # mycompany/iris_sms.py
    from iris_admin.messaging.channels import DeliveryError, PermanentDeliveryError

    class MyGateway:
        def __init__(self, config):               # the app's config (a mapping)
            self.key = config["MYCOMPANY_SMS_KEY"]

        def send(self, sms):                      # an OutgoingSms
            ...                                   # talk to the provider
            return provider_message_id            # str or None; stored on the message

    def register(iris):
        iris.register_sms_gateway("mycompany", MyGateway)

and set ``IRIS_PLUGINS = ["mycompany.iris_sms"]``, ``IRIS_SMS_GATEWAY = "mycompany"``.

The contract:

- ``factory(config) -> gateway`` is called once per dispatcher run, in the
  dispatcher's process (a cron job, the demo's thread), never in a web request;
- ``gateway.send(sms: OutgoingSms) -> str | None`` delivers one SMS to ``sms.to``
  (international format, e.g. ``+31 6 12345678``; ``sms.to_e164`` gives
  ``+31612345678``) with ``sms.text`` and ``sms.sender`` (``IRIS_SMS_SENDER``, may be
  None). Returning means delivered (handed to the provider);
- raise :class:`DeliveryError` for a failure worth retrying (timeout, provider down,
  HTTP 5xx, rate limit): the message is tried again after a back-off, up to
  ``IRIS_MESSAGE_MAX_ATTEMPTS`` attempts; raise :class:`PermanentDeliveryError` when
  retrying cannot help (number refused, HTTP 4xx): the message is marked failed at
  once. Any other exception counts as a retryable failure. ``str(exc)`` is shown to
  staff in Messages, so keep secrets out of it;
- a gateway may be called for several messages one after the other, but never from
  two threads at once; it must give up within its own timeout.

Plugins may also register named hooks (``iris.register_hook(name, fn, order=0)``),
run in ``order``; the dispatcher calls ``message_sent(message_id, channel)`` and
``message_failed(message_id, channel, error)`` hooks after recording the outcome.
Tests register a hook or gateway for a while with ``with iris.registered(...)``.
"""

from __future__ import annotations

import importlib
import logging
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any, Protocol

import phonenumbers

log = logging.getLogger(__name__)

SMS_GATEWAY_HOOK = "sms_gateway"


class DeliveryError(Exception):
    """A delivery attempt failed; it is tried again after a back-off."""


class PermanentDeliveryError(DeliveryError):
    """A delivery attempt failed in a way that retrying cannot fix; no more attempts."""


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: int
    recipients: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True)
class OutgoingSms:
    message_id: int
    to: str
    text: str
    sender: str | None = None

    @property
    def to_e164(self) -> str:
        """``+31612345678``: the number without spaces, as most providers want it."""
        try:
            number = phonenumbers.parse(self.to, None)
        except phonenumbers.NumberParseException:
            return "".join(ch for ch in self.to if ch.isdigit() or ch == "+")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class SmsGateway(Protocol):
    def send(self, sms: OutgoingSms) -> str | None: ...


SmsGatewayFactory = Callable[[Mapping[str, Any]], SmsGateway]


# -- e-mail --------------------------------------------------------------------------
TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int
    tls: str
    user: str | None
    password: str | None
    sender: str | None
    timeout: float
    ca_file: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        return cls(
            host=config.get("IRIS_SMTP_HOST") or None,
            port=int(config.get("IRIS_SMTP_PORT") or 587),
            tls=str(config.get("IRIS_SMTP_TLS") or "starttls").lower(),
            user=config.get("IRIS_SMTP_USER") or None,
            password=config.get("IRIS_SMTP_PASSWORD") or None,
            sender=config.get("IRIS_SMTP_SENDER") or None,
            timeout=float(config.get("IRIS_SMTP_TIMEOUT") or 30),
            ca_file=config.get("IRIS_SMTP_CA_FILE") or None,
        )

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)


def build_email(settings: SmtpSettings, email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    # Several recipients never see each other's addresses: they are the envelope's
    # (like Bcc) and the header names none of them.
    recipients = list(email.recipients)
    message["To"] = recipients[0] if len(recipients) == 1 else "undisclosed-recipients:;"
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    sender_address = getaddresses([settings.sender or ""])[0][1]
    domain = sender_address.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(idstring=f"iris.{email.message_id}", domain=domain)
    message["X-Iris-Message"] = str(email.message_id)
    message.set_content(email.body)
    return message


def send_email(settings: SmtpSettings, email: OutgoingEmail) -> str:
    """Deliver one e-mail to the SMTP server; its Message-ID, or DeliveryError."""
    if not settings.host:
        raise DeliveryError("No SMTP server is configured (IRIS_SMTP_HOST).")
    if not settings.sender:
        raise DeliveryError("No sender address is configured (IRIS_SMTP_SENDER).")
    if settings.tls not in TLS_MODES:
        raise DeliveryError(f"IRIS_SMTP_TLS must be one of {', '.join(TLS_MODES)}.")
    message = build_email(settings, email)
    try:
        with _connect(settings) as smtp:
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(message, to_addrs=list(email.recipients))
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        error = "All recipients were refused: " + _refusals(exc.recipients)
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentDeliveryError(error) from exc
        raise DeliveryError(error) from exc
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        error = f"The SMTP server answered {exc.smtp_code}: {text}"
        # 5xx on the message itself (not the log-in, which a config change fixes).
        if 500 <= exc.smtp_code < 600 and isinstance(exc, smtplib.SMTPDataError):
            raise PermanentDeliveryError(error) from exc
        raise DeliveryError(error) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"Could not deliver to the SMTP server {settings.host}:{settings.port}: "
            f"{exc.__class__.__name__}: {exc}"
        ) from exc
    if refused:
        # Delivered to the others; say which addresses the server did not take.
        log.warning("Message %s: some recipients refused: %s", email.message_id, refused)
    return str(message["Message-ID"])


def _refusals(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text})"
        for address, (code, text) in recipients.items()
    )


@contextmanager
def _connect(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    assert settings.host is not None
    if settings.tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=settings.tls_context(),
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        smtp.ehlo()
        if settings.tls == "starttls":
            smtp.starttls(context=settings.tls_context())
            smtp.ehlo()
        yield smtp
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


# -- plugins -------------------------------------------------------------------------
@dataclass
class PluginRegistry:
    """What a plugin's ``register(iris)`` receives: named hooks of one app, with an order."""

    config: Mapping[str, Any]
    _hooks: dict[str, list[tuple[int, int, Any]]] = field(default_factory=dict)
    _counter: int = 0

    def register_hook(self, name: str, fn: Any, order: int = 0) -> None:
        """Add ``fn`` to hook ``name``; lower ``order`` runs first, then registration order."""
        self._counter += 1
        self._hooks.setdefault(name, []).append((order, self._counter, fn))
        self._hooks[name].sort(key=lambda entry: (entry[0], entry[1]))

    def unregister_hook(self, name: str, fn: Any) -> None:
        self._hooks[name] = [entry for entry in self._hooks.get(name, []) if entry[2] is not fn]

    def get_hooks(self, name: str) -> list[Any]:
        return [entry[2] for entry in self._hooks.get(name, [])]

    @contextmanager
    def registered(self, name: str, fn: Any, order: int = 0) -> Iterator[None]:
        """Register ``fn`` only inside the ``with`` block (for tests)."""
        self.register_hook(name, fn, order)
        try:
            yield
        finally:
            self.unregister_hook(name, fn)

    def register_sms_gateway(self, name: str, factory: SmsGatewayFactory, order: int = 0) -> None:
        self.register_hook(SMS_GATEWAY_HOOK, (name, factory), order)

    def sms_gateway_factory(self, name: str) -> SmsGatewayFactory | None:
        for gateway_name, factory in self.get_hooks(SMS_GATEWAY_HOOK):
            if gateway_name == name:
                return factory
        return None

    def sms_gateway_names(self) -> list[str]:
        return [gateway_name for gateway_name, _factory in self.get_hooks(SMS_GATEWAY_HOOK)]

    def run_hooks(self, name: str, *args: Any) -> None:
        """Call every function of hook ``name``; one failing hook never stops delivery."""
        for fn in self.get_hooks(name):
            try:
                fn(*args)
            except Exception:
                log.exception("Hook %s (%r) failed", name, fn)


def load_plugins(registry: PluginRegistry, modules: list[str] | tuple[str, ...]) -> None:
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise RuntimeError(
                f"IRIS_PLUGINS names {module_name!r}, which cannot be imported: {exc}"
            ) from exc
        register = getattr(module, "register", None)
        if not callable(register):
            raise RuntimeError(f"The plugin {module_name!r} has no register(iris) function.")
        register(registry)


def make_sms_gateway(registry: PluginRegistry, config: Mapping[str, Any]) -> SmsGateway:
    """The configured gateway, or one whose every send fails with the reason."""
    name = config.get("IRIS_SMS_GATEWAY")
    if not name:
        return _Unavailable("No SMS gateway is configured (IRIS_SMS_GATEWAY).")
    factory = registry.sms_gateway_factory(str(name))
    if factory is None:
        known = ", ".join(registry.sms_gateway_names()) or "none"
        return _Unavailable(
            f"IRIS_SMS_GATEWAY is {name!r}, but no loaded plugin registers it "
            f"(registered: {known}; check IRIS_PLUGINS)."
        )
    try:
        return factory(config)
    except Exception as exc:
        log.exception("The SMS gateway %s could not be set up", name)
        return _Unavailable(f"The SMS gateway {name!r} could not be set up: {exc}")


@dataclass
class _Unavailable:
    reason: str

    def send(self, sms: OutgoingSms) -> str | None:
        raise DeliveryError(self.reason)
