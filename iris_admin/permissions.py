"""Who may do what: the permission table and the checks views call.

The table maps a role to the permissions it holds. A deployment changes it with
the ``IRIS_PERMISSIONS`` setting (same shape); admins can read the table in the
app. Views never test roles directly: they ask :func:`has_permission`.

What a customer user sees in the portal follows the access level of each link
between the account and a customer (:data:`DEFAULT_ACCESS_RIGHTS`), and every
query for issues and customer data is scoped by one helper, :func:`visible`.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.sql.elements import ColumnElement

from .models import (
    AccessLevel,
    Contact,
    Customer,
    CustomerUser,
    InvoiceAddress,
    Issue,
    IssueReply,
    IssueStatusChange,
    Role,
)
from .models.base import IrisBase

# Every permission the product knows, with the sentence admins read in the app.
PERMISSIONS: dict[str, object] = {
    "admin.access": _l("Open the admin panel"),
    "customers.view": _l("See customers, their contacts, invoice addresses and users"),
    "customers.edit": _l("Create and edit customers, contacts, invoice addresses and user links"),
    "customers.delete": _l("Delete customers"),
    "customers.import": _l("Import customers in modes add and all; export customers"),
    "customers.import_delete": _l("Import customers in mode delete"),
    "issues.view": _l("See issues"),
    "issues.edit": _l("Create, edit and reply to issues"),
    "issues.delete": _l("Delete issues"),
    "users.manage": _l("Manage user accounts and roles"),
    "settings.manage": _l("Manage status codes and custom fields"),
    "portal.access": _l("Use the customer portal (what it shows follows the link's access level)"),
}

DEFAULT_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # The portal is for customer users; staff and admins work in /admin.
    Role.ADMIN.value: frozenset(PERMISSIONS) - {"portal.access"},
    Role.STAFF.value: frozenset(
        {
            "admin.access",
            "customers.view",
            "customers.edit",
            "customers.import",
            "issues.view",
            "issues.edit",
        }
    ),
    Role.CUSTOMER.value: frozenset({"portal.access"}),
}


def role_permissions() -> Mapping[str, frozenset[str]]:
    configured = current_app.config.get("IRIS_PERMISSIONS")
    if not configured:
        return DEFAULT_ROLE_PERMISSIONS
    return {role: frozenset(perms) for role, perms in configured.items()}


def has_permission(permission: str, user: object | None = None) -> bool:
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return permission in role_permissions().get(getattr(user, "role", ""), frozenset())


def is_staff_user(user: object | None = None) -> bool:
    return has_permission("admin.access", user)


# -- what a customer user sees in the portal -------------------------------------
# Each link between an account and a customer carries an access level; the level
# grants portal rights. A deployment may change this with IRIS_PORTAL_ACCESS_RIGHTS.
PORTAL_RIGHTS: dict[str, object] = {
    "issues.own": _l("See and follow the issues they reported"),
    "issues.all": _l("See and follow every issue of the customer"),
    "customer.details": _l("See the customer's contacts and invoice addresses"),
    "issues.report_for_colleague": _l("Report a new issue on behalf of a colleague"),
}

DEFAULT_ACCESS_RIGHTS: dict[str, frozenset[str]] = {
    AccessLevel.OWN.value: frozenset({"issues.own"}),
    AccessLevel.ALL.value: frozenset({"issues.own", "issues.all"}),
    AccessLevel.MANAGER.value: frozenset(PORTAL_RIGHTS),
}


def access_rights() -> Mapping[str, frozenset[str]]:
    configured = current_app.config.get("IRIS_PORTAL_ACCESS_RIGHTS")
    if not configured:
        return DEFAULT_ACCESS_RIGHTS
    return {level: frozenset(rights) for level, rights in configured.items()}


def link_allows(link: CustomerUser | None, right: str) -> bool:
    return link is not None and right in access_rights().get(link.access, frozenset())


def _levels_with(right: str) -> list[str]:
    return [level for level, rights in access_rights().items() if right in rights]


def _user_id(user: object) -> int | None:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return getattr(user, "id", None)


# -- the one query helper ------------------------------------------------------------
SCOPED_ISSUE_DATA = (Issue, IssueReply, IssueStatusChange)
SCOPED_CUSTOMER_DATA = (Customer, Contact, InvoiceAddress, CustomerUser)


def visible(
    entity: type[IrisBase], user: object | None = None, *, customer_id: int | None = None
) -> Select:
    """``SELECT entity`` limited to the rows ``user`` (default: the current user) may see.

    Every list, detail page, search, export and portal query for issues and
    customer data starts here, so a view never filters by hand and a forgotten
    filter cannot leak another customer's data. ``customer_id`` narrows the result
    to one customer (it never widens it). Callers add ordering, search and paging.

    - staff with ``issues.view`` / ``customers.view`` see everything of that kind,
      internal notes included;
    - a customer user (``portal.access``) sees, per linked customer, what the link's
      access level grants: own issues, all issues, or also contacts and invoice
      addresses; never internal notes; never another customer;
    - anyone else sees nothing.
    """
    user = current_user if user is None else user
    user_id = _user_id(user)
    query: Select = select(entity)
    condition: ColumnElement[bool]
    if entity in SCOPED_ISSUE_DATA:
        if entity is not Issue:
            query = query.join(Issue, Issue.id == entity.__table__.c.issue_id)
        if user_id is None:
            return query.where(false())
        if has_permission("issues.view", user):
            condition = true()
        elif has_permission("portal.access", user):
            condition = _portal_issue_condition(user_id)
            if entity is IssueReply:
                condition = and_(condition, IssueReply.is_internal.is_(False))
        else:
            condition = false()
        if customer_id is not None:
            condition = and_(condition, Issue.customer_id == customer_id)
        return query.where(condition)

    if entity in SCOPED_CUSTOMER_DATA:
        customer_column = entity.__table__.c["id" if entity is Customer else "customer_id"]
        if user_id is None:
            return query.where(false())
        if has_permission("customers.view", user):
            condition = true()
        elif has_permission("portal.access", user):
            # Every linked user sees the customer itself (its name, to switch to it);
            # the rest of the customer's data needs the customer.details right.
            levels = (
                [level.value for level in AccessLevel]
                if entity is Customer
                else _levels_with("customer.details")
            )
            # An alias: the scoped entity may itself be CustomerUser.
            own_link = aliased(CustomerUser)
            condition = exists().where(
                own_link.user_id == user_id,
                own_link.customer_id == customer_column,
                own_link.access.in_(levels),
            )
            if entity is CustomerUser:
                # Colleagues' links are customer data too; one's own links are always visible.
                condition = or_(condition, CustomerUser.user_id == user_id)
        else:
            condition = false()
        if customer_id is not None:
            condition = and_(condition, customer_column == customer_id)
        return query.where(condition)

    raise TypeError(f"visible() does not know how to scope {entity!r}")


def _portal_issue_condition(user_id: int) -> ColumnElement[bool]:
    """An issue of a customer the user is linked to, and reported by them unless the
    link's level grants all issues. Read on every query, so removing a link or
    lowering its level takes effect at the next request."""
    link = aliased(CustomerUser)
    return exists().where(
        link.user_id == user_id,
        link.customer_id == Issue.customer_id,
        or_(link.access.in_(_levels_with("issues.all")), Issue.reporter_id == user_id),
        link.access.in_(_levels_with("issues.own") + _levels_with("issues.all")),
    )


def portal_links(user: object | None = None) -> list[CustomerUser]:
    """The customers the user may open in the portal, by customer name."""
    user = current_user if user is None else user
    user_id = _user_id(user)
    if user_id is None or not has_permission("portal.access", user):
        return []
    from .extension import db_session

    query = (
        select(CustomerUser)
        .join(Customer, Customer.id == CustomerUser.customer_id)
        .where(CustomerUser.user_id == user_id)
        .options(contains_eager(CustomerUser.customer))
        .order_by(Customer.name, Customer.id)
    )
    return list(db_session().scalars(query))
