"""Status codes (Active, Inactive, ...): admins decide what each allows.

Built-in codes keep their names (the import and the set-up find them by name) and are
never deleted; no code is deleted while customers have it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, inspect, select
from wtforms.fields import ColorField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import strip_filter
from ..models import Customer, CustomerStatus
from .base import SecureModelView


def customers_with_status(session: Any, status_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Customer).where(Customer.status_id == status_id)
        )
        or 0
    )


class UniqueStatusName:
    def __call__(self, form: Any, field: Any) -> None:
        from ..extension import db_session

        name = (field.data or "").strip()
        current = getattr(form, "_obj", None)
        query = select(CustomerStatus.id).where(func.lower(CustomerStatus.name) == name.lower())
        if current is not None and current.id is not None:
            query = query.where(CustomerStatus.id != current.id)
        if name and db_session().execute(query.limit(1)).first() is not None:
            raise ValidationError(_("Another status code is already called %(name)s.", name=name))


class HexColour:
    """#rrggbb, the only form a colour picker sends and the badges use."""

    def __call__(self, form: Any, field: Any) -> None:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", (field.data or "").strip()):
            # A plain str: Flask-Admin's form templates show only str errors.
            raise ValidationError(_("A colour like #28a745."))


def _badge(view: Any, context: Any, model: CustomerStatus, name: str) -> Markup:
    return Markup('<span class="badge" style="background:{};color:#fff">{}</span>').format(
        model.colour, model.name
    )


def _yes_no(attribute: str) -> Any:
    return lambda view, context, model, name: _("Yes") if getattr(model, attribute) else _("No")


class StatusView(SecureModelView):
    """Admins only (``settings.manage``): list, create, edit and delete status codes."""

    permission = "settings.manage"

    column_list = (
        "name",
        "allows_new_issues",
        "allows_invoices",
        "sort_order",
        "is_builtin",
        "customer_count",
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "name": _l("Name"),
        "colour": _l("Colour"),
        "allows_new_issues": _l("Allows new issues"),
        "allows_invoices": _l("Allows invoices"),
        "sort_order": _l("Order"),
        "is_builtin": _l("Built in"),
        "customer_count": _l("Customers"),
    }
    column_default_sort: ClassVar[list[tuple[str, bool]]] = [("sort_order", False), ("name", False)]
    column_sortable_list = ("name", "sort_order")
    column_formatters: ClassVar[dict[str, Callable[..., Any]]] = {
        "name": _badge,
        "allows_new_issues": _yes_no("allows_new_issues"),
        "allows_invoices": _yes_no("allows_invoices"),
        "is_builtin": _yes_no("is_builtin"),
        "customer_count": lambda view, context, model, name: customers_with_status(
            view.db_session, model.id
        ),
    }
    form_columns = ("name", "colour", "allows_new_issues", "allows_invoices", "sort_order")
    form_overrides: ClassVar[dict[str, type]] = {"colour": ColorField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "name": {
            "validators": [DataRequired(), Length(max=60), UniqueStatusName()],
            "filters": [strip_filter],
        },
        "colour": {"validators": [DataRequired(), HexColour()], "default": "#6c757d"},
        "allows_new_issues": {
            "default": True,
            "description": _l(
                "Off: the customer cannot get new issues (admin or portal); "
                "existing issues stay visible."
            ),
        },
        "allows_invoices": {"default": True},
        "sort_order": {
            "default": 100,
            "description": _l(
                "Lower comes first; the first is the default status of new customers."
            ),
        },
    }

    def __init__(self, db: Any, **kwargs: Any) -> None:
        super().__init__(CustomerStatus, db, **kwargs)

    def on_model_change(self, form: Any, model: CustomerStatus, is_created: bool) -> None:
        if not is_created and model.is_builtin:
            history = inspect(model).attrs.name.history
            if history.deleted and history.deleted[0] != model.name:
                raise ValidationError(
                    _(
                        "%(name)s is a built-in status code; its name cannot change (its colour "
                        "and what it allows can).",
                        name=history.deleted[0],
                    )
                )
        model.colour = (model.colour or "#6c757d").lower()

    def on_model_delete(self, model: CustomerStatus) -> None:
        if model.is_builtin:
            raise ValidationError(
                _("%(name)s is a built-in status code and cannot be deleted.", name=model.name)
            )
        count = customers_with_status(self.db_session, model.id)
        if count:
            raise ValidationError(
                _(
                    "%(name)s cannot be deleted: %(count)d customer(s) have this status. Give them "
                    "another status first.",
                    name=model.name,
                    count=count,
                )
            )


def refuse_issue_for_blocked_customer(issue: Any, is_created: bool) -> None:
    """For the issue form: a customer whose status blocks new issues gets none from the
    admin either, also not by moving an existing issue to it. Existing issues of the
    customer stay editable."""
    from ..customers import can_open_issue

    customer = issue.customer
    if customer is None:
        return
    # Before the flush, customer_id still holds the customer the issue had.
    moved = not is_created and issue.customer_id is not None and customer.id != issue.customer_id
    if is_created or moved:
        allowed, reason = can_open_issue(customer)
        if not allowed:
            raise ValidationError(reason)
