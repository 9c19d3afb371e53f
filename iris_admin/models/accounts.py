"""User accounts (the user directory) and their links to customers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .base import IrisBase, TimestampMixin, utcnow

if TYPE_CHECKING:
    from .customers import Customer


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    CUSTOMER = "customer"


class AccessLevel(enum.StrEnum):
    """What a customer user may see of the customer they are linked to."""

    OWN = "own"
    ALL = "all"
    MANAGER = "manager"


class User(TimestampMixin, IrisBase):
    __tablename__ = "iris_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased, so uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.STAFF.value)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Part of get_id(): raising it ends every session and remember cookie of the account.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Preferred language (a locale code such as "en" or "nl"); None: the app's default.
    language: Mapped[str | None] = mapped_column(String(10))

    customer_links: Mapped[list[CustomerUser]] = relationship(
        back_populates="user", passive_deletes="all"
    )

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # "<id>:<session version>"; iris_admin.sessions reads it back.
        return f"{self.id}:{self.session_version or 1}"

    def end_all_sessions(self) -> None:
        """Every session and remember cookie of this account stops working."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN.value, Role.STAFF.value)

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a random salt.
        self.password_hash = generate_password_hash(password)
        if self.id is not None:
            self.end_all_sessions()  # a new password ends every old session

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def mark_logged_in(self) -> None:
        self.last_login_at = utcnow()

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class CustomerUser(IrisBase):
    """An existing account linked to a customer, with what it may see there."""

    __tablename__ = "iris_customer_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("iris_customer.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("iris_user.id", ondelete="RESTRICT"), index=True
    )
    access: Mapped[str] = mapped_column(String(20), default=AccessLevel.ALL.value)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="user_links")
    user: Mapped[User] = relationship(back_populates="customer_links")

    __table_args__ = (UniqueConstraint("customer_id", "user_id"),)

    def __str__(self) -> str:
        return f"{self.user} → {self.customer}"
