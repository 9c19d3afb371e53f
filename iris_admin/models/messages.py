"""The outbox: every e-mail and SMS is a row first and is delivered later by a dispatcher.

A web request only writes a row (status ``scheduled``); a dispatcher claims due
rows atomically (``scheduled`` -> ``sending`` with its claim token), delivers them
and records the outcome. The same rows are the message log shown in the app.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import IrisBase, TimestampMixin

if TYPE_CHECKING:
    from .accounts import User
    from .customers import Customer
    from .issues import Issue


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class MessageStatus(enum.StrEnum):
    # Waiting for its time (scheduled_at) or for its next attempt after a failure.
    SCHEDULED = "scheduled"
    # Claimed by a dispatcher that is delivering it now.
    SENDING = "sending"
    SENT = "sent"
    # Every attempt failed; last_error says why.
    FAILED = "failed"
    CANCELLED = "cancelled"


class MessageKind(enum.StrEnum):
    # Written by staff on the customer page.
    MANUAL = "manual"
    # An issue's status changed or staff replied publicly (see messaging.issue_updates).
    ISSUE_UPDATE = "issue_update"


class Message(TimestampMixin, IrisBase):
    __tablename__ = "iris_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20), default=MessageKind.MANUAL.value)
    # CASCADE: the log of a customer goes with the customer (the delete pop-up says so).
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("iris_customer.id", ondelete="CASCADE")
    )
    # E-mail addresses or phone numbers (international format), as delivered.
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Who the recipients are, for the log ("Acme B.V.", "Noor Bakker (contact)").
    recipient_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.SCHEDULED.value)
    # When staff wanted it sent (UTC); "send now" is the time it was written.
    scheduled_at: Mapped[datetime] = mapped_column(DateTime)
    # When a dispatcher may (next) try it: scheduled_at at first, later after a back-off.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The dispatcher run that holds the row while it is ``sending``.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the provider answered: the e-mail's Message-ID, the SMS gateway's id.
    provider_ref: Mapped[str | None] = mapped_column(String(255))
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("iris_issue.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("iris_user.id", ondelete="SET NULL")
    )

    # The backref lives here so the Customer model stays untouched. The ORM cascade
    # (not passive) removes the log with its customer, because SQLite without
    # PRAGMA foreign_keys does not carry out ON DELETE CASCADE itself.
    customer: Mapped[Customer | None] = relationship(
        backref=backref(
            "messages",
            cascade="all, delete-orphan",
            order_by="(Message.created_at.desc(), Message.id.desc())",
        )
    )
    issue: Mapped[Issue | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # The dispatcher's query: due rows of one status, oldest first.
        Index("ix_iris_message_due", "status", "next_attempt_at"),
        Index("ix_iris_message_customer_id", "customer_id", "created_at"),
        Index("ix_iris_message_issue_id", "issue_id"),
        Index("ix_iris_message_created_by_id", "created_by_id"),
        Index("ix_iris_message_claimed_by", "claimed_by"),
    )

    @property
    def is_cancellable(self) -> bool:
        return self.status == MessageStatus.SCHEDULED.value

    @property
    def to_text(self) -> str:
        return ", ".join(self.recipients or [])

    def __str__(self) -> str:
        what = self.subject or (self.body[:40] + ("…" if len(self.body) > 40 else ""))
        return f"{self.channel} #{self.id}: {what}"
