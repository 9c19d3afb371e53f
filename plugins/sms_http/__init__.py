"""A generic HTTP SMS gateway: one JSON POST per SMS.

    IRIS_PLUGINS = ["plugins.sms_http"]
    IRIS_SMS_GATEWAY = "http"
    IRIS_SMS_HTTP_URL = "https://sms.example.com/v1/messages"
    IRIS_SMS_HTTP_TOKEN = "..."          # sent as "Authorization: Bearer <token>"
    IRIS_SMS_HTTP_TIMEOUT = 10           # seconds
    IRIS_SMS_SENDER = "ServiceDesk"      # optional

The request body::

    {"to": "+31612345678", "text": "...", "sender": "ServiceDesk", "reference": "iris-42"}

``reference`` is the same for every attempt of one message, so a provider that
de-duplicates by reference never delivers a retried SMS twice. A 2xx answer means
delivered; its JSON ``id`` (or ``message_id``), if any, is kept with the message.
5xx, 429, timeouts and connection errors are retried; other 4xx fail at once.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from iris_admin.messaging.channels import (
    DeliveryError,
    OutgoingSms,
    PermanentDeliveryError,
    PluginRegistry,
)

MAX_ERROR_BODY = 300


class HttpSmsGateway:
    def __init__(self, config: Mapping[str, Any]) -> None:
        url = config.get("IRIS_SMS_HTTP_URL")
        if not url:
            raise ValueError("IRIS_SMS_HTTP_URL is not set")
        if not str(url).startswith(("http://", "https://")):
            raise ValueError("IRIS_SMS_HTTP_URL must start with http:// or https://")
        self.url = str(url)
        self.token = config.get("IRIS_SMS_HTTP_TOKEN") or None
        self.timeout = float(config.get("IRIS_SMS_HTTP_TIMEOUT") or 10)

    def send(self, sms: OutgoingSms) -> str | None:
        payload = {
            "to": sms.to_e164,
            "text": sms.text,
            "sender": sms.sender,
            "reference": f"iris-{sms.message_id}",
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:MAX_ERROR_BODY].decode("utf-8", "replace").strip()
            error = f"The SMS gateway answered HTTP {exc.code}" + (f": {detail}" if detail else "")
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise PermanentDeliveryError(error) from exc
            raise DeliveryError(error) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"The SMS gateway could not be reached: {reason}") from exc
        return _provider_id(body)


def _provider_id(body: bytes) -> str | None:
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        return None
    if isinstance(answer, dict):
        found = answer.get("id") or answer.get("message_id")
        return str(found) if found is not None else None
    return None


def register(iris: PluginRegistry) -> None:
    iris.register_sms_gateway("http", HttpSmsGateway)
