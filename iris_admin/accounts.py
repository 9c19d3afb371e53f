"""Creating and finding user accounts, for the CLI, the admin and the portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .extension import db_session
from .models import Role, User
from .validation import InvalidValue, normalise_email

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


def email_taken(email: str, exclude_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.email) == email.strip().lower())
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db_session().execute(query.limit(1)).first() is not None


def create_user(email: str, *, name: str | None, role: str, password: str) -> User:
    try:
        role = Role(role).value
    except ValueError as exc:
        raise AccountError(
            str(_l("Unknown role %(role)s; use one of: %(roles)s.", role=role,
                   roles=", ".join(r.value for r in Role)))
        ) from exc
    try:
        address = normalise_email(email)
    except InvalidValue as exc:
        raise AccountError(str(exc)) from exc
    if not address:
        raise AccountError(str(_l("An e-mail address is required.")))
    address = address.lower()
    if email_taken(address):
        raise AccountError(str(_l("An account with e-mail %(email)s already exists.", email=address)))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            str(_l("The password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
        )
    user = User(email=address, name=(name or address.split("@")[0]).strip(), role=role, active=True)
    user.set_password(password)
    db_session().add(user)
    return user
