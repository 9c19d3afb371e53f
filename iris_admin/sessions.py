"""Server-side ends of sessions: the id in a session or remember cookie names a version.

Flask-Login keeps ``User.get_id()`` ("<user id>:<session version>") in the signed
session cookie and in the remember cookie. The user loader accepts the id only
while the account's ``session_version`` in the database is still that version
and the account is active, so raising the version (``User.end_all_sessions``)
ends every session of the account, on every device, at its next request.
"""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta

from flask import Flask, flash, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import LoginManager, current_user, login_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .models import User

log = logging.getLogger(__name__)


def parse_session_id(value: str) -> tuple[int, str] | None:
    user_id, separator, version = (value or "").partition(":")
    # Bounded digits: a tampered id is refused, never an overflow in the database.
    if not separator or not user_id.isdigit() or not version.isdigit() or len(user_id) > 18:
        return None
    return int(user_id), version


def load_session_user(session: Session, value: str) -> User | None:
    parsed = parse_session_id(value)
    if parsed is None:
        return None  # also an id of before session versions: that session has ended
    user = session.get(User, parsed[0])
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(str(user.session_version or 1), parsed[1]):
        return None
    return user


def configure_sessions(app: Flask, manager: LoginManager, db: object) -> None:
    """The user loader and the remember cookie's lifetime (``IRIS_REMEMBER_DAYS``)."""
    app.config.setdefault(
        "REMEMBER_COOKIE_DURATION", timedelta(days=int(app.config["IRIS_REMEMBER_DAYS"]))
    )

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        return load_session_user(db.session, user_id)  # type: ignore[attr-defined]


def keep_own_session(user: User) -> None:
    """After a change that ended the current user's sessions, this browser's goes on."""
    if not (current_user.is_authenticated and current_user.id == user.id and user.is_active):
        return
    if session.get("_user_id") != user.get_id():
        login_user(user)


def end_sessions_of(db_session: Session, user_ids: list[int]) -> None:
    """The admin's "log out everywhere"; flashes what was done."""
    users = db_session.scalars(select(User).where(User.id.in_(user_ids))).all()
    for user in users:
        user.end_all_sessions()
    try:
        db_session.commit()
    except SQLAlchemyError:
        db_session.rollback()
        log.exception("Ending sessions failed")
        flash(_("Nothing was changed: the database refused. Please try again."), "error")
        return
    for user in users:
        keep_own_session(user)
    flash(
        ngettext(
            "%(num)d account is logged out everywhere.",
            "%(num)d accounts are logged out everywhere.",
            len(users),
        ),
        "success",
    )
