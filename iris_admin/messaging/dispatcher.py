"""Delivering due messages from the outbox, safely with several dispatchers at once.

One run:

1. **Claim** a batch in one short transaction: pick the ids of due rows, then
   ``UPDATE ... SET status='sending', claimed_by=<token> WHERE id IN (...) AND
   <still due>``. The WHERE is evaluated again under the write lock (SQLite's
   database lock, PostgreSQL's row locks with re-check under READ COMMITTED), so a
   row another dispatcher claimed in between is simply not updated; the rowcount
   says how many we got and the rows carrying our token are exactly ours. Two
   dispatchers therefore never hold the same message.
2. **Deliver** each claimed message outside any transaction (no lock is held while
   talking to an SMTP server or an SMS gateway).
3. **Record** the outcome with ``UPDATE ... WHERE id=... AND claimed_by=<token>``:
   ``sent``; or back to ``scheduled`` with ``next_attempt_at`` after an exponential
   back-off; or ``failed`` with the error once ``IRIS_MESSAGE_MAX_ATTEMPTS`` attempts
   are used (or at once for a permanent error). Nothing is ever deleted.

A dispatcher that dies while sending leaves its rows ``sending``; after
``IRIS_MESSAGE_CLAIM_TIMEOUT`` the next dispatcher claims them again (a message may
then go out twice, which is better than never; keep the timeout well above the
SMTP/gateway timeouts). No Flask imports: used by the CLI, the demo's thread and tests.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from ..models import Channel, Message, MessageStatus
from ..models.base import utcnow
from .channels import (
    DeliveryError,
    OutgoingEmail,
    OutgoingSms,
    PermanentDeliveryError,
    PluginRegistry,
    SmsGateway,
    SmtpSettings,
    make_sms_gateway,
    send_email,
)

log = logging.getLogger(__name__)

MESSAGES = Message.__table__
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class DispatchSettings:
    max_attempts: int = 5
    backoff: float = 60
    backoff_max: float = 6 * 60 * 60
    claim_timeout: float = 15 * 60
    batch_size: int = 50
    sms_sender: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DispatchSettings:
        return cls(
            max_attempts=max(1, int(config.get("IRIS_MESSAGE_MAX_ATTEMPTS", 5))),
            backoff=float(config.get("IRIS_MESSAGE_RETRY_BACKOFF", 60)),
            backoff_max=float(config.get("IRIS_MESSAGE_RETRY_BACKOFF_MAX", 6 * 60 * 60)),
            claim_timeout=float(config.get("IRIS_MESSAGE_CLAIM_TIMEOUT", 15 * 60)),
            batch_size=max(1, int(config.get("IRIS_MESSAGE_BATCH_SIZE", 50))),
            sms_sender=config.get("IRIS_SMS_SENDER") or None,
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """Back-off after the ``attempts``-th failed attempt: backoff, 2x, 4x, ... at most max."""
        return timedelta(seconds=min(self.backoff * 2 ** max(attempts - 1, 0), self.backoff_max))


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    # Claims another dispatcher took over (this one was too slow); outcome not recorded.
    lost: int = 0

    def add(self, other: DispatchResult) -> None:
        for name in ("claimed", "sent", "retried", "failed", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retried} to retry, {self.failed} failed" + (
            f", {self.lost} taken over" if self.lost else ""
        )


def new_claim_token() -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{uuid.uuid4().hex[:20]}"


class Dispatcher:
    """Delivers due messages through ``engine``; one instance per thread or process."""

    def __init__(
        self,
        engine: Engine,
        settings: DispatchSettings,
        *,
        email_sender: Callable[[OutgoingEmail], str | None],
        sms_gateway: Callable[[], SmsGateway],
        registry: PluginRegistry | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.email_sender = email_sender
        self._make_sms_gateway = sms_gateway
        self._sms_gateway: SmsGateway | None = None
        self.registry = registry

    @classmethod
    def from_config(
        cls, engine: Engine, config: Mapping[str, Any], registry: PluginRegistry
    ) -> Dispatcher:
        smtp = SmtpSettings.from_config(config)
        return cls(
            engine,
            DispatchSettings.from_config(config),
            email_sender=lambda email: send_email(smtp, email),
            sms_gateway=lambda: make_sms_gateway(registry, config),
            registry=registry,
        )

    # -- running -------------------------------------------------------------------------
    def run(
        self, now: Callable[[], datetime] = utcnow, max_batches: int = 10_000
    ) -> DispatchResult:
        """Deliver everything due now, batch after batch, until nothing is due."""
        total = DispatchResult()
        for _ in range(max_batches):
            result = self.run_once(now())
            total.add(result)
            if result.claimed == 0:
                break
        return total

    def run_once(self, now: datetime | None = None) -> DispatchResult:
        """Claim one batch of due messages and deliver it."""
        now = now or utcnow()
        token = new_claim_token()
        rows = self.claim(token, now)
        result = DispatchResult(claimed=len(rows))
        for row in rows:
            self._deliver(row, token, result)
        return result

    # -- claiming ------------------------------------------------------------------------
    def _due(self, now: datetime) -> Any:
        stale_before = now - timedelta(seconds=self.settings.claim_timeout)
        return or_(
            and_(
                MESSAGES.c.status == MessageStatus.SCHEDULED.value,
                MESSAGES.c.next_attempt_at <= now,
            ),
            and_(
                MESSAGES.c.status == MessageStatus.SENDING.value,
                MESSAGES.c.claimed_at < stale_before,
            ),
        )

    def claim(self, token: str, now: datetime, tries: int = 20) -> list[Any]:
        """Take up to batch_size due messages for ``token``; the rows now held by it.

        Empty only when nothing is due: when another dispatcher took every picked id
        between our SELECT and our UPDATE, we pick again.
        """
        due = self._due(now)
        for _ in range(tries):
            with self.engine.connect() as connection:
                ids = list(
                    connection.scalars(
                        select(MESSAGES.c.id)
                        .where(due)
                        .order_by(MESSAGES.c.next_attempt_at, MESSAGES.c.id)
                        .limit(self.settings.batch_size)
                    )
                )
                connection.rollback()
            if not ids:
                return []
            rows = self._claim_ids(ids, due, token, now)
            if rows:
                return rows
        return []

    def _claim_ids(self, ids: list[int], due: Any, token: str, now: datetime) -> list[Any]:
        with self.engine.begin() as connection:
            claimed = connection.execute(
                update(MESSAGES)
                .where(MESSAGES.c.id.in_(ids), due)
                .values(
                    status=MessageStatus.SENDING.value,
                    claimed_by=token,
                    claimed_at=now,
                    attempts=MESSAGES.c.attempts + 1,
                    updated_at=now,
                )
            ).rowcount
            if not claimed:
                return []  # another dispatcher was quicker for all of them
            return list(
                connection.execute(
                    select(
                        MESSAGES.c.id,
                        MESSAGES.c.channel,
                        MESSAGES.c.recipients,
                        MESSAGES.c.subject,
                        MESSAGES.c.body,
                        MESSAGES.c.attempts,
                    )
                    .where(
                        MESSAGES.c.claimed_by == token,
                        MESSAGES.c.status == MessageStatus.SENDING.value,
                    )
                    .order_by(MESSAGES.c.id)
                )
            )

    # -- delivering ----------------------------------------------------------------------
    def _deliver(self, row: Any, token: str, result: DispatchResult) -> None:
        try:
            provider_ref = self._send(row)
        except PermanentDeliveryError as exc:
            self._record_failure(row, token, _error_text(exc), result, permanent=True)
        except Exception as exc:
            if not isinstance(exc, DeliveryError):
                log.exception("Delivering message %s failed unexpectedly", row.id)
            self._record_failure(row, token, _error_text(exc), result, permanent=False)
        else:
            self._record_sent(row, token, provider_ref, result)

    def _send(self, row: Any) -> str | None:
        recipients = tuple(row.recipients or ())
        if not recipients:
            raise PermanentDeliveryError("The message has no recipients.")
        if row.channel == Channel.EMAIL.value:
            return self.email_sender(
                OutgoingEmail(
                    message_id=row.id,
                    recipients=recipients,
                    subject=row.subject or "",
                    body=row.body,
                )
            )
        if row.channel == Channel.SMS.value:
            if self._sms_gateway is None:
                self._sms_gateway = self._make_sms_gateway()
            refs = [
                self._sms_gateway.send(
                    OutgoingSms(
                        message_id=row.id,
                        to=number,
                        text=row.body,
                        sender=self.settings.sms_sender,
                    )
                )
                for number in recipients
            ]
            return ", ".join(ref for ref in refs if ref) or None
        raise PermanentDeliveryError(f"Unknown channel {row.channel!r}.")

    def _finish(self, row: Any, token: str, values: dict[str, Any]) -> bool:
        with self.engine.begin() as connection:
            return (
                connection.execute(
                    update(MESSAGES)
                    .where(
                        MESSAGES.c.id == row.id,
                        MESSAGES.c.claimed_by == token,
                        MESSAGES.c.status == MessageStatus.SENDING.value,
                    )
                    .values(updated_at=utcnow(), **values)
                ).rowcount
                == 1
            )

    def _record_sent(
        self, row: Any, token: str, provider_ref: str | None, result: DispatchResult
    ) -> None:
        done = self._finish(
            row,
            token,
            {
                "status": MessageStatus.SENT.value,
                "sent_at": utcnow(),
                "claimed_by": None,
                "provider_ref": (provider_ref or None) and provider_ref[:255],
            },
        )
        if not done:
            result.lost += 1
            log.warning("Message %s was sent, but another dispatcher had taken it over", row.id)
            return
        result.sent += 1
        log.info("Message %s (%s) sent", row.id, row.channel)
        if self.registry is not None:
            self.registry.run_hooks("message_sent", row.id, row.channel)

    def _record_failure(
        self, row: Any, token: str, error: str, result: DispatchResult, *, permanent: bool
    ) -> None:
        attempts = int(row.attempts)
        give_up = permanent or attempts >= self.settings.max_attempts
        if give_up:
            values: dict[str, Any] = {
                "status": MessageStatus.FAILED.value,
                "last_error": error,
                "claimed_by": None,
            }
        else:
            values = {
                "status": MessageStatus.SCHEDULED.value,
                "last_error": error,
                "claimed_by": None,
                "next_attempt_at": utcnow() + self.settings.retry_delay(attempts),
            }
        if not self._finish(row, token, values):
            result.lost += 1
            return
        if give_up:
            result.failed += 1
            log.warning("Message %s failed after %d attempt(s): %s", row.id, attempts, error)
            if self.registry is not None:
                self.registry.run_hooks("message_failed", row.id, row.channel, error)
        else:
            result.retried += 1
            log.info("Message %s attempt %d failed, will retry: %s", row.id, attempts, error)


def _error_text(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text[:MAX_ERROR_LENGTH]
