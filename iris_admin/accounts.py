"""Creating and finding user accounts, for the CLI, the admin and the portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .extension import db_session
from .models import AccessLevel, Customer, CustomerUser, Role, User
from .validation import InvalidValue, code_key, normalise_email

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
            str(
                _l(
                    "Unknown role %(role)s; use one of: %(roles)s.",
                    role=role,
                    roles=", ".join(r.value for r in Role),
                )
            )
        ) from exc
    try:
        address = normalise_email(email)
    except InvalidValue as exc:
        raise AccountError(str(exc)) from exc
    if not address:
        raise AccountError(str(_l("An e-mail address is required.")))
    address = address.lower()
    if email_taken(address):
        raise AccountError(
            str(_l("An account with e-mail %(email)s already exists.", email=address))
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            str(_l("The password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
        )
    user = User(email=address, name=(name or address.split("@")[0]).strip(), role=role, active=True)
    user.set_password(password)
    db_session().add(user)
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    """Only with the current password, so a borrowed session cannot take over the account."""
    if not user.check_password(current or ""):
        raise AccountError(str(_l("The current password is not correct.")))
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            str(_l("The password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
        )
    user.set_password(new)


def not_a_customer_account(user: User) -> str:
    return str(
        _l(
            "%(email)s is a %(role)s account; only customer accounts are linked to customers.",
            email=user.email,
            role=user.role,
        )
    )


def link_customer_user(user: User, customer_code: str, access: str) -> tuple[CustomerUser, bool]:
    """Link a customer account to the customer with this code (or change the link's access).

    Returns the link and whether it was created.
    """
    try:
        access = AccessLevel(access).value
    except ValueError as exc:
        raise AccountError(
            str(
                _l(
                    "Unknown access %(access)s; use one of: %(levels)s.",
                    access=access,
                    levels=", ".join(level.value for level in AccessLevel),
                )
            )
        ) from exc
    if user.role != Role.CUSTOMER.value:
        raise AccountError(not_a_customer_account(user))
    key = code_key(customer_code)
    customer = (
        db_session().scalar(select(Customer).where(func.lower(Customer.code) == key))
        if key
        else None
    )
    if customer is None:
        raise AccountError(str(_l("No customer has the code %(code)s.", code=customer_code)))
    session = db_session()
    link = session.scalar(
        select(CustomerUser).where(
            CustomerUser.customer_id == customer.id, CustomerUser.user_id == user.id
        )
    )
    if link is not None:
        link.access = access
        return link, False
    link = CustomerUser(customer=customer, user=user, access=access)
    session.add(link)
    return link, True


def find_user(email: str) -> User | None:
    return db_session().scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def update_profile(user: User, *, name: str, language: str, languages: list[str]) -> None:
    """An account's own name and language; ``language`` "" means the browser's preference."""
    name = (name or "").strip()
    if not name:
        raise AccountError(str(_l("A name is required.")))
    if len(name) > 200:
        raise AccountError(str(_l("Use at most %(max)d characters.", max=200)))
    if language and language not in languages:
        raise AccountError(str(_l("This language is not offered.")))
    user.name = name
    user.language = language or None
