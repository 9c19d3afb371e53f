"""The plugin's own declarative base.

iris-admin's tables live on their own ``MetaData`` so a host application that
already has a Flask-SQLAlchemy ``db`` (with its own models and migrations) can
use our models through its session without mixing schemas or histories.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import CursorResult, DateTime, MetaData, Result, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched.

    ``Session.execute`` is typed to return a plain ``Result``; for a DML statement it
    is a ``CursorResult``, the one that carries ``rowcount``.
    """
    assert isinstance(result, CursorResult)
    return result.rowcount


class IrisBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model of ours maps one ``Table`` (no joined or selectable mappings), so core
    # statements (update/insert/delete) can take ``Model.__table__`` as the table it is.
    __table__: ClassVar[Table]


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
