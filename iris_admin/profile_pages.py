"""What the profile pages of the admin and of the portal do on a POST.

Both pages show the same two forms (name and language; password). The views only
render; these functions validate, change the account, commit and say what happened.
"""

from __future__ import annotations

import logging

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .accounts import AccountError, change_password, update_profile
from .extension import db_session
from .languages import available_languages
from .models import User
from .profile_forms import PasswordForm, ProfileForm
from .sessions import keep_own_session

log = logging.getLogger(__name__)


def the_user() -> User:
    return current_user._get_current_object()


def blank_forms() -> tuple[ProfileForm, PasswordForm]:
    return ProfileForm(obj=the_user(), formdata=None), PasswordForm(formdata=None)


def _commit() -> bool:
    try:
        db_session().commit()
    except SQLAlchemyError:
        db_session().rollback()
        log.exception("Saving a profile failed")
        flash(_("Saving failed; nothing was changed. Please try again."), "error")
        return False
    return True


def save_profile(form: ProfileForm) -> bool:
    """False when the form has errors (shown at the fields) and nothing changed."""
    if not form.validate_on_submit():
        return False
    try:
        update_profile(
            the_user(),
            name=form.name.data or "",
            language=form.language.data or "",
            languages=list(available_languages()),
        )
    except AccountError as exc:
        db_session().rollback()
        form.name.errors = [*form.name.errors, str(exc)]
        return False
    if _commit():
        flash(_("Your profile was saved."), "success")
    return True


def save_password(form: PasswordForm) -> bool:
    """False when the form has errors; on success every other session of the account ends."""
    if not form.validate_on_submit():
        return False
    user = the_user()
    try:
        change_password(
            user, current=form.current_password.data or "", new=form.new_password.data or ""
        )
    except AccountError as exc:
        db_session().rollback()
        form.current_password.errors = [*form.current_password.errors, str(exc)]
        return False
    if _commit():
        keep_own_session(user)  # the change ended every session; this browser's goes on
        flash(_("Your password was changed."), "success")
    return True
