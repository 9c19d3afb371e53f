"""A read-only page that shows admins the permission table in force."""

from __future__ import annotations

from typing import Any

from flask_admin import expose

from ..permissions import PERMISSIONS, PORTAL_RIGHTS, access_rights, role_permissions
from .base import SecureView


class PermissionTableView(SecureView):
    permission = "users.manage"

    @expose("/")
    def index(self) -> Any:
        return self.render(
            "iris_admin/permissions.html",
            permissions=PERMISSIONS,
            roles=role_permissions(),
            portal_rights=PORTAL_RIGHTS,
            access_levels=access_rights(),
        )
