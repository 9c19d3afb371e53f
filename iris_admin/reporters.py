"""Who may be the reporter of an issue: a user of the issue's customer, or staff.

The reporter gets the issue's update e-mails (title and public replies), so a
reporter from another customer would read this customer's conversation. Every
path that sets a reporter (the admin's issue form and its account picker, the
portal, ``report_issue`` for any caller) goes through these rules.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from .ids import parse_id
from .models import CustomerUser, Role, User

STAFF_ROLES = (Role.ADMIN.value, Role.STAFF.value)


def linked_to(customer_id: int) -> Any:
    return exists().where(CustomerUser.user_id == User.id, CustomerUser.customer_id == customer_id)


def may_report_for(session: Session, customer_id: int | None, user: User | None) -> bool:
    if user is None:
        return True  # no reporter: nobody to e-mail
    if user.role in STAFF_ROLES:
        return True
    if customer_id is None:
        return False
    found = session.scalar(
        select(CustomerUser.id).where(
            CustomerUser.customer_id == customer_id, CustomerUser.user_id == user.id
        )
    )
    return found is not None


def reporter_refusal(user: User) -> str:
    return str(
        _l(
            "%(name)s cannot be the reporter: only users of the issue's customer or staff "
            "can report its issues.",
            name=user.name,
        )
    )


class ReporterLoader(QueryAjaxModelLoader):
    """The issue form's reporter picker: staff, and the users of the issue's customer.

    The form passes the customer in the lookup URL (``customer=<id>``); without one
    only staff accounts are offered.
    """

    def get_query(self) -> Any:
        query = super().get_query()
        customer_id = parse_id(request.args.get("customer"))
        allowed: ColumnElement[bool] = User.role.in_(STAFF_ROLES)
        if customer_id is not None:
            allowed = or_(allowed, linked_to(customer_id))
        return query.filter(allowed)


def reporter_lookup_url(view: Any, loader: ReporterLoader, customer_id: int | None) -> str:
    if customer_id is None:
        return view.get_url(".ajax_lookup", name=loader.name)
    return view.get_url(".ajax_lookup", name=loader.name, customer=customer_id)
