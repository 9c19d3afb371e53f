"""The stand-alone app's minimal issue tracker (a host app may point at its own)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IrisBase, TimestampMixin

if TYPE_CHECKING:
    from .accounts import User
    from .customers import Customer
    from .replies import IssueStatusChange


class IssueStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    CLOSED = "closed"


class IssuePriority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Issue(TimestampMixin, IrisBase):
    __tablename__ = "iris_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=IssueStatus.OPEN.value)
    priority: Mapped[str] = mapped_column(String(20), default=IssuePriority.NORMAL.value)
    # RESTRICT: an issue never disappears because its customer was deleted.
    customer_id: Mapped[int] = mapped_column(ForeignKey("iris_customer.id", ondelete="RESTRICT"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("iris_user.id", ondelete="RESTRICT"))

    customer: Mapped[Customer] = relationship(back_populates="issues")
    reporter: Mapped[User | None] = relationship()
    if TYPE_CHECKING:
        # Added at run time by the backref of IssueStatusChange.issue (models/replies.py).
        status_changes: list[IssueStatusChange]

    __table_args__ = (
        Index("ix_iris_issue_customer_id", "customer_id", "updated_at"),
        Index("ix_iris_issue_reporter_id", "reporter_id"),
    )

    def __str__(self) -> str:
        return f"#{self.id} {self.title}"
