"""Who may do what: the permission table and the checks views call.

The table maps a role to the permissions it holds. A deployment changes it with
the ``IRIS_PERMISSIONS`` setting (same shape); admins can read the table in the
app. Views never test roles directly: they ask :func:`has_permission`.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .models import Role

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
}

DEFAULT_ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN.value: frozenset(PERMISSIONS),
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
    Role.CUSTOMER.value: frozenset(),
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
