"""A log-only SMS gateway for development and demos: nothing leaves the machine.

    IRIS_PLUGINS = ["plugins.sms_log"]
    IRIS_SMS_GATEWAY = "log"

Every SMS is written to the ``iris_admin.sms`` logger (level INFO) and counts as sent.
Never use it in production: customers would receive nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from iris_admin.messaging.channels import OutgoingSms, PluginRegistry

log = logging.getLogger("iris_admin.sms")


class LogSmsGateway:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def send(self, sms: OutgoingSms) -> str | None:
        log.info(
            "SMS #%s to %s (from %s): %s", sms.message_id, sms.to_e164, sms.sender or "-", sms.text
        )
        return f"log-{sms.message_id}"


def register(iris: PluginRegistry) -> None:
    iris.register_sms_gateway("log", LogSmsGateway)
