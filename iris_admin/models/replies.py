"""The conversation on an issue: replies (public or internal) and its status history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, event, inspect
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .accounts import User
from .base import IrisBase, utcnow
from .issues import Issue


class IssueReply(IrisBase):
    """A message on an issue; an internal note is for staff only and never reaches the portal."""

    __tablename__ = "iris_issue_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("iris_issue.id", ondelete="CASCADE"))
    # SET NULL: deleting an account keeps what it wrote; the portal says "former user".
    author_id: Mapped[int | None] = mapped_column(ForeignKey("iris_user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    # The backref lives here so the Issue model of the foundation stays untouched.
    # The ORM cascade (not passive) removes replies with their issue, because SQLite
    # without PRAGMA foreign_keys does not carry out ON DELETE CASCADE itself.
    issue: Mapped[Issue] = relationship(
        backref=backref(
            "replies",
            cascade="all, delete-orphan",
            order_by="IssueReply.created_at, IssueReply.id",
        )
    )
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_iris_issue_reply_issue_id", "issue_id", "created_at"),
        Index("ix_iris_issue_reply_author_id", "author_id"),
    )

    @property
    def is_public(self) -> bool:
        return not self.is_internal

    def __str__(self) -> str:
        return f"Reply #{self.id} on issue #{self.issue_id}"


class IssueStatusChange(IrisBase):
    """One step of an issue's status history, written whenever ``Issue.status`` changes."""

    __tablename__ = "iris_issue_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("iris_issue.id", ondelete="CASCADE"))
    old_status: Mapped[str | None] = mapped_column(String(20))
    new_status: Mapped[str] = mapped_column(String(20))
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("iris_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    issue: Mapped[Issue] = relationship(
        backref=backref(
            "status_changes",
            cascade="all, delete-orphan",
            order_by="IssueStatusChange.created_at, IssueStatusChange.id",
        )
    )
    changed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_iris_issue_status_change_issue_id", "issue_id", "created_at"),
        Index("ix_iris_issue_status_change_changed_by_id", "changed_by_id"),
    )


def _acting_user_id() -> int | None:
    """The logged-in user during a request, else None (CLI, import, scripts)."""
    from flask import has_request_context

    if not has_request_context():
        return None
    from flask_login import current_user

    return getattr(current_user, "id", None) if current_user.is_authenticated else None


@event.listens_for(Issue.status, "set", active_history=True)
def _record_status_change(issue: Issue, new: Any, old: Any, _initiator: Any) -> None:
    # Every path that changes a status (admin form, portal, import, scripts) leaves
    # a history row; a new issue has no history until its status first changes.
    state = inspect(issue)
    if not state.persistent or new == old or not isinstance(old, str):
        return
    issue.status_changes.append(
        IssueStatusChange(old_status=old, new_status=new, changed_by_id=_acting_user_id())
    )
