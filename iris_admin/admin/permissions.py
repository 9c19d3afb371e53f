"""A read-only page that shows admins the permission table in force."""

from __future__ import annotations

from typing import Any

from flask_admin import expose

from ..permissions import PERMISSIONS, role_permissions
from .base import SecureView


class PermissionTableView(SecureView):
    permission = "users.manage"

    @expose("/")
    def index(self) -> Any:
        return self.render(
            "iris_admin/permissions.html",
            permissions=PERMISSIONS,
            roles=role_permissions(),
        )
