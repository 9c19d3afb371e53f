"""Access control shared by every iris-admin view.

Each view names the permission it needs; Flask-Admin calls ``is_accessible`` on
every request to every exposed URL of the view (list, forms, actions, ajax
lookups, exports), so the check is made on the server, not only in the menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from sqlalchemy.orm import Session

from ..extension import iris_state
from ..ids import parse_id
from ..permissions import has_permission


def refuse_access() -> Any:
    """Anonymous visitors go to the login page; others see a 403 page."""
    if not current_user.is_authenticated:
        return redirect(url_for("iris_auth.login", next=request.full_path))
    return render_template("iris_admin/forbidden.html"), 403


class PermissionRequired:
    """Mixin for Flask-Admin views: ``permission`` guards the whole view."""

    permission = "admin.access"

    def is_accessible(self) -> bool:
        return has_permission(self.permission)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return refuse_access()


class SecureAdminIndexView(PermissionRequired, AdminIndexView):
    @expose("/")
    def index(self) -> Any:
        return redirect(url_for("customer.index_view"))


class SecureModelView(PermissionRequired, ModelView):
    """A ModelView whose create/edit/delete rights follow the permission table."""

    permission = "admin.access"
    edit_permission: str | None = None
    delete_permission: str | None = None

    page_size = 20
    can_set_page_size = True

    @property
    def db_session(self) -> Session:
        # Flask-Admin keeps the Flask-SQLAlchemy object in ``self.session``.
        return iris_state().session

    @property
    def can_create(self) -> bool:
        return has_permission(self.edit_permission or self.permission)

    @property
    def can_edit(self) -> bool:
        return has_permission(self.edit_permission or self.permission)

    @property
    def can_delete(self) -> bool:
        return has_permission(self.delete_permission or self.permission)

    # Flask-Admin's own labels, so its translations apply.
    @action(
        "delete",
        admin_lazy_gettext("Delete"),
        admin_lazy_gettext("Are you sure you want to delete selected records?"),
    )
    def action_delete(self, ids: tuple[str, ...]) -> Any:
        # The ids arrive as text; PostgreSQL will not compare an integer key with text.
        return super().action_delete(tuple(self._typed_ids(ids)))

    def get_one(self, id: Any) -> Any:
        # An id no key can hold is a record that does not exist (Flask-Admin's answer).
        if not self._typed_ids((id,)):
            return None
        return super().get_one(id)

    @expose("/action/", methods=("POST",))
    def action_view(self) -> Any:
        # A row id that cannot be a key of this model (text, a huge number) is a bad
        # request: nothing is done to the other rows either.
        ids = request.form.getlist("rowid")
        if len(self._typed_ids(tuple(ids))) != len(ids):
            abort(400)
        return super().action_view()

    def _typed_ids(self, ids: Sequence[str]) -> list[Any]:
        python_type = self.model.__mapper__.primary_key[0].type.python_type
        typed = []
        for value in ids:
            if python_type is int:
                number = parse_id(value)  # digits a key can hold, else not an id at all
                if number is not None:
                    typed.append(number)
                continue
            try:
                typed.append(python_type(value))
            except (TypeError, ValueError):
                continue  # not an id of this model: nothing to delete
        return typed


class SecureView(PermissionRequired, BaseView):
    """A plain Flask-Admin page behind a permission."""
