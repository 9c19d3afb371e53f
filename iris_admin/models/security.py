"""Failed log-ins, counted in the database so every worker sees the same counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import IrisBase, utcnow


class LoginFailure(IrisBase):
    """One failed log-in; rows older than the throttle window are pruned."""

    __tablename__ = "iris_login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The e-mail as typed, lower-cased: unknown addresses are throttled like real ones,
    # so the answer never tells which accounts exist.
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    __table_args__ = (
        Index("ix_iris_login_failure_email", "email", "created_at"),
        Index("ix_iris_login_failure_address", "address", "created_at"),
        Index("ix_iris_login_failure_created_at", "created_at"),
    )
