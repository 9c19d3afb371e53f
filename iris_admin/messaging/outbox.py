"""Writing messages to the outbox: the only thing a web request does to send something.

``queue_email`` and ``queue_sms`` check the input and add a ``scheduled`` row to the
session; the caller commits it together with whatever caused it (so a message exists
exactly when its cause was saved). A dispatcher delivers it later
(:mod:`iris_admin.messaging.dispatcher`). No Flask imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..models import Channel, Customer, Issue, Message, MessageKind, MessageStatus, User
from ..models.base import affected_rows, utcnow
from ..validation import InvalidValue, normalise_email, normalise_phone
from .sms_text import sms_length

DEFAULT_MAX_RECIPIENTS = 50

MAX_SUBJECT_LENGTH = 300
MAX_EMAIL_BODY_LENGTH = 100_000
# A time a few seconds in the past (the form took a while) still means "now".
PAST_TOLERANCE = timedelta(minutes=1)


class MessageRefused(ValueError):
    """The message cannot be queued; ``str(exc)`` says why, for the user."""


@dataclass(frozen=True)
class Recipient:
    address: str  # e-mail address or phone number
    name: str = ""  # who it is, for the log

    @property
    def label(self) -> str:
        return self.name or self.address


def _when(send_at: datetime | None, now: datetime) -> datetime:
    if send_at is None:
        return now
    if send_at.tzinfo is not None:
        raise ValueError("send_at must be a naive UTC datetime")
    if send_at < now - PAST_TOLERANCE:
        raise MessageRefused(str(_l("The chosen time has passed. Pick a time in the future.")))
    return max(send_at, now)


def max_recipients() -> int:
    """``IRIS_MESSAGE_MAX_RECIPIENTS``: the most addresses one send may have."""
    config = current_app.config if has_app_context() else {}
    return int(config.get("IRIS_MESSAGE_MAX_RECIPIENTS") or DEFAULT_MAX_RECIPIENTS)


def queue_email(
    session: Session,
    *,
    customer: Customer | None,
    recipients: Sequence[Recipient],
    subject: str,
    body: str,
    send_at: datetime | None = None,
    created_by: User | None = None,
    issue: Issue | None = None,
    kind: MessageKind = MessageKind.MANUAL,
    now: datetime | None = None,
) -> Message:
    """Queue one e-mail to ``recipients`` (at most ``IRIS_MESSAGE_MAX_RECIPIENTS``; none
    sees the others' addresses). ``send_at``: naive UTC, None = now."""
    now = now or utcnow()
    subject = " ".join((subject or "").split())  # no line breaks in a header
    body = (body or "").strip()
    if not subject:
        raise MessageRefused(str(_l("An e-mail needs a subject.")))
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise MessageRefused(
            str(_l("A subject can hold at most %(count)d characters.", count=MAX_SUBJECT_LENGTH))
        )
    if not body:
        raise MessageRefused(str(_l("An e-mail needs a text.")))
    if len(body) > MAX_EMAIL_BODY_LENGTH:
        raise MessageRefused(
            str(_l("An e-mail can hold at most %(count)d characters.", count=MAX_EMAIL_BODY_LENGTH))
        )
    addresses: list[str] = []
    names: list[str] = []
    for recipient in recipients:
        try:
            address = normalise_email(recipient.address)
        except InvalidValue as exc:
            raise MessageRefused(str(exc)) from exc
        if address and address.lower() not in {known.lower() for known in addresses}:
            addresses.append(address)
            names.append(recipient.label)
    if not addresses:
        raise MessageRefused(str(_l("Choose at least one recipient with an e-mail address.")))
    most = max_recipients()
    if len(addresses) > most:
        raise MessageRefused(
            str(
                _l(
                    "One e-mail can go to at most %(most)d recipients; %(count)d were chosen. "
                    "Nothing was sent.",
                    most=most,
                    count=len(addresses),
                )
            )
        )
    return _add_scheduled(
        session,
        _when(send_at, now),
        now,
        channel=Channel.EMAIL.value,
        kind=kind.value,
        customer=customer,
        issue=issue,
        recipients=addresses,
        recipient_names=names,
        subject=subject,
        body=body,
        created_by=created_by,
    )


def queue_sms(
    session: Session,
    *,
    customer: Customer | None,
    recipient: Recipient,
    text: str,
    max_segments: int,
    default_region: str = "NL",
    send_at: datetime | None = None,
    created_by: User | None = None,
    now: datetime | None = None,
) -> Message:
    """Queue one SMS to one mobile number. ``send_at``: naive UTC, None = now."""
    now = now or utcnow()
    text = (text or "").strip()
    if not text:
        raise MessageRefused(str(_l("An SMS needs a text.")))
    length = sms_length(text)
    if length.segments > max_segments:
        raise MessageRefused(
            str(
                _l(
                    "This text needs %(segments)d SMS segments; at most %(limit)d are allowed. "
                    "Please shorten it.",
                    segments=length.segments,
                    limit=max_segments,
                )
            )
        )
    try:
        number = normalise_phone(recipient.address, default_region)
    except InvalidValue as exc:
        raise MessageRefused(str(exc)) from exc
    if not number:
        raise MessageRefused(str(_l("Choose a recipient with a mobile phone number.")))
    return _add_scheduled(
        session,
        _when(send_at, now),
        now,
        channel=Channel.SMS.value,
        kind=MessageKind.MANUAL.value,
        customer=customer,
        recipients=[number],
        recipient_names=[recipient.label],
        subject=None,
        body=text,
        created_by=created_by,
    )


def _add_scheduled(session: Session, when: datetime, now: datetime, **fields: Any) -> Message:
    """A new outbox row, due at ``when``; the dispatcher picks it up from there."""
    message = Message(
        status=MessageStatus.SCHEDULED.value,
        scheduled_at=when,
        next_attempt_at=when,
        attempts=0,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(message)
    return message


def cancel_message(session: Session, message_id: int, *, now: datetime | None = None) -> bool:
    """Cancel a message that no dispatcher has taken yet. False: too late (or not found).

    One conditional UPDATE, so a dispatcher that claims the row at the same moment
    and this cancel never both win. The caller commits.
    """
    now = now or utcnow()
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.SCHEDULED.value)
        .values(status=MessageStatus.CANCELLED.value, updated_at=now, claimed_by=None)
        .execution_options(synchronize_session="fetch")
    )
    return affected_rows(result) == 1
