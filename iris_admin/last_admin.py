"""The last active administrator can be neither demoted, nor deactivated, nor deleted:
without one nobody could manage users or permissions any more."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Role, User


def _other_active_admins(session: Session, user_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user_id)
    )
    return count or 0


def _was_active_admin(session: Session, user_id: int) -> bool:
    stored = session.execute(select(User.role, User.active).where(User.id == user_id)).first()
    return stored is not None and stored.role == Role.ADMIN.value and bool(stored.active)


def last_admin_refusal(session: Session, user: User, *, deleting: bool = False) -> str | None:
    """Why this change of ``user`` (already applied to the object, not yet saved) is
    refused, or None. Reads the stored row, so call it before the flush."""
    if user.id is None:
        return None
    with session.no_autoflush:
        if not _was_active_admin(session, user.id) or _other_active_admins(session, user.id):
            return None
    stays = not deleting and user.role == Role.ADMIN.value and user.is_active
    if stays:
        return None
    return str(
        _l(
            "%(name)s is the last active administrator and must stay one: make another "
            "account an administrator first.",
            name=user.name,
        )
    )
