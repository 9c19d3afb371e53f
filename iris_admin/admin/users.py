"""The user directory: accounts exist here before they are linked to customers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select
from wtforms import PasswordField, SelectField
from wtforms.validators import Length, ValidationError

from ..accounts import email_taken
from ..forms import EmailAddress
from ..last_admin import last_admin_refusal
from ..models import CustomerUser, Issue, Role, User
from ..sessions import end_sessions_of, keep_own_session
from .base import SecureModelView

ROLE_LABELS = {
    Role.ADMIN.value: _l("Administrator"),
    Role.STAFF.value: _l("Staff"),
    Role.CUSTOMER.value: _l("Customer user"),
}


class UniqueEmail:
    def __call__(self, form: Any, field: Any) -> None:
        current = getattr(form, "_obj", None)
        if field.data and email_taken(field.data, exclude_id=getattr(current, "id", None)):
            raise ValidationError(_("Another account already uses this e-mail address."))


class UserView(SecureModelView):
    permission = "users.manage"

    column_list = ("name", "email", "role", "active", "last_login_at")
    column_labels: ClassVar[dict[str, Any]] = {
        "name": _l("Name"),
        "email": _l("Email"),
        "role": _l("Role"),
        "active": _l("Active"),
        "last_login_at": _l("Last login"),
        "password": _l("Password"),
    }
    column_searchable_list = ("name", "email")
    column_sortable_list = ("name", "email", "role", "last_login_at")
    column_default_sort = ("name", False)
    column_filters = ("role", "active")
    column_formatters: ClassVar[dict[str, Callable[..., Any]]] = {
        "role": lambda v, c, m, n: ROLE_LABELS.get(m.role, m.role)
    }
    column_details_exclude_list = ("password_hash",)
    column_export_exclude_list = ("password_hash",)
    form_columns = ("name", "email", "role", "active", "password")
    form_extra_fields: ClassVar[dict[str, Any]] = {
        "password": PasswordField(
            _l("Password"),
            description=_l("At least 8 characters. Leave empty to keep the current password."),
            validators=[Length(min=0, max=200)],
        )
    }
    form_overrides: ClassVar[dict[str, type]] = {"role": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "email": {"validators": [EmailAddress(), UniqueEmail()]},
        "role": {"choices": [(key, label) for key, label in ROLE_LABELS.items()]},
        "active": {"default": True},
    }

    def __init__(self, db: Any, **kwargs: Any) -> None:
        super().__init__(User, db, **kwargs)

    def on_model_change(self, form: Any, model: User, is_created: bool) -> None:
        refusal = last_admin_refusal(self.db_session, model)
        if refusal:
            raise ValidationError(refusal)
        password = form.password.data or ""
        if is_created and not password:
            raise ValidationError(_("A new account needs a password."))
        if password:
            if len(password) < 8:
                raise ValidationError(_("The password needs at least 8 characters."))
            model.set_password(password)
        model.email = model.email.strip().lower()
        if not is_created and not model.active and inspect(model).attrs.active.history.deleted:
            model.end_all_sessions()  # deactivated: logged out everywhere at once

    def after_model_change(self, form: Any, model: User, is_created: bool) -> None:
        if not is_created:
            keep_own_session(model)

    @action(
        "end_sessions",
        _l("Log out everywhere"),
        _l("End every session of the selected accounts, on every device?"),
    )
    def action_end_sessions(self, ids: tuple[str, ...]) -> None:
        end_sessions_of(self.db_session, self._typed_ids(ids))

    def on_model_delete(self, model: User) -> None:
        refusal = last_admin_refusal(self.db_session, model, deleting=True)
        if refusal:
            raise ValidationError(refusal)
        session = self.db_session
        links = session.scalar(
            select(func.count()).select_from(CustomerUser).where(CustomerUser.user_id == model.id)
        )
        issues = session.scalar(
            select(func.count()).select_from(Issue).where(Issue.reporter_id == model.id)
        )
        if links or issues:
            raise ValidationError(
                _(
                    "%(name)s cannot be deleted: the account is linked to %(links)d customer(s) "
                    "and reported %(issues)d issue(s). Deactivate the account instead.",
                    name=model.name,
                    links=links,
                    issues=issues,
                )
            )
