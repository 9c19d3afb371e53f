"""Defining custom customer fields (admins only, ``settings.manage``).

A field is a row; adding or removing one needs no code and no migration. Removing a
field deletes its values from every customer, so it goes through a page that says
how many customers hold a value and asks for confirmation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..custom_fields import (
    TYPE_LABELS,
    check_key,
    clean_options,
    customers_with_value,
    key_from_label,
    remove_field,
)
from ..forms import EmptyToNone, strip_filter
from ..models import CustomField, FieldType
from ..permissions import has_permission
from ..validation import InvalidValue
from .base import SecureModelView

log = logging.getLogger(__name__)

# Keys the customer form and the import already use for built-in data.
RESERVED_KEYS = frozenset(
    {
        "id",
        "code",
        "name",
        "is_business",
        "first_name",
        "last_name",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "telephone",
        "mobile",
        "default_payer",
        "status",
        "custom_values",
        "notify_issue_updates",
        "search_text",
        "contacts",
        "invoice_addresses",
    }
)


def _builtin_header_keys() -> set[str]:
    """Headers (and aliases) of the import's built-in columns, compared like the import does."""
    try:
        from ..importing.columns import COLUMNS, header_key
    except ImportError:  # the import is optional for this view
        return set()
    return {
        header_key(name)
        for column in COLUMNS
        for name in (column.header, column.key, *column.aliases)
    }


def _header_key(text: str) -> str:
    try:
        from ..importing.columns import header_key
    except ImportError:
        return text.casefold()
    return header_key(text)


class CustomFieldView(SecureModelView):
    permission = "settings.manage"

    # Removing goes through the confirmation page (remove_view), never a bare delete.
    can_delete = False

    column_list = ("label", "key", "field_type", "required", "active", "sort_order", "value_count")
    column_labels: ClassVar[dict[str, Any]] = {
        "label": _l("Label"),
        "key": _l("Key"),
        "field_type": _l("Type"),
        "options_text": _l("Options"),
        "required": _l("Required"),
        "help_text": _l("Help text"),
        "sort_order": _l("Order"),
        "active": _l("Active"),
        "value_count": _l("Customers with a value"),
    }
    column_default_sort: ClassVar[list[tuple[str, bool]]] = [
        ("sort_order", False),
        ("label", False),
    ]
    column_sortable_list = ("label", "key", "sort_order")
    column_formatters: ClassVar[dict[str, Callable[..., Any]]] = {
        "field_type": lambda v, c, m, n: TYPE_LABELS.get(m.field_type, m.field_type),
        "required": lambda v, c, m, n: _("Yes") if m.required else _("No"),
        "active": lambda v, c, m, n: _("Yes") if m.active else _("No"),
        "value_count": lambda v, c, m, n: customers_with_value(v.db_session, m.key),
    }
    column_extra_row_actions: ClassVar[list[Any]] = [
        EndpointLinkRowAction("fa fa-trash", ".remove_view", title=_l("Remove field")),
    ]
    form_columns = (
        "label",
        "key",
        "field_type",
        "options_text",
        "required",
        "help_text",
        "sort_order",
        "active",
    )
    form_extra_fields: ClassVar[dict[str, Any]] = {
        "options_text": TextAreaField(
            _l("Options"),
            description=_l("Choice fields: one option per line, in the order shown."),
            render_kw={"rows": 5},
        ),
    }
    form_overrides: ClassVar[dict[str, type]] = {"field_type": SelectField, "key": StringField}
    # The column is NOT NULL, so Flask-Admin marks it required; empty means "from the label".
    form_widget_args: ClassVar[dict[str, dict[str, Any]]] = {"key": {"required": False}}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "label": {"validators": [DataRequired(), Length(max=100)], "filters": [strip_filter]},
        "key": {
            "validators": [EmptyToNone(), Length(max=50)],
            "filters": [strip_filter],
            "description": _l(
                "Used in the import/export and by integrations; lower-case "
                "letters, digits and _. Empty: made from the label. Cannot "
                "change later."
            ),
        },
        "field_type": {"choices": list(TYPE_LABELS.items()), "default": FieldType.TEXT.value},
        "help_text": {
            "validators": [EmptyToNone(), Length(max=300)],
            "description": _l("Shown under the field on the customer form."),
        },
        "sort_order": {"default": 100, "description": _l("Lower comes first.")},
        "active": {"default": True, "description": _l("Off: hidden everywhere, values kept.")},
    }

    def __init__(self, db: Any, **kwargs: Any) -> None:
        super().__init__(CustomField, db, **kwargs)

    # -- form -----------------------------------------------------------------------------
    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        if request.method == "GET" and obj is not None:
            form.options_text.data = "\n".join(obj.options or [])
        if obj is not None:
            form.key.render_kw = {"readonly": True}
        return form

    def on_model_change(self, form: Any, model: CustomField, is_created: bool) -> None:
        session = self.db_session
        # Read the old values before any query: a query autoflushes and clears history.
        state = inspect(model)
        old_key = state.attrs.key.history.deleted
        old_type = state.attrs.field_type.history.deleted
        if is_created:
            model.key = model.key or key_from_label(model.label)
        else:
            if old_key and old_key[0] != model.key:
                raise ValidationError(
                    _("The key of a field cannot change; it is %(key)s.", key=old_key[0])
                )
        try:
            check_key(model.key)
            model.options = clean_options(form.options_text.data)
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from exc
        if model.field_type not in TYPE_LABELS:
            raise ValidationError(_("Choose a type."))
        if model.field_type == FieldType.CHOICE.value and not model.options:
            raise ValidationError(_("A choice field needs at least one option (one per line)."))
        if model.field_type != FieldType.CHOICE.value:
            model.options = []
        self._check_names_free(model)
        if not is_created and old_type and old_type[0] != model.field_type:
            count = customers_with_value(session, model.key)
            if count:
                raise ValidationError(
                    _(
                        "%(count)d customer(s) have a value in %(label)s, so its type cannot "
                        "change. Add a new field instead.",
                        count=count,
                        label=model.label,
                    )
                )

    def _check_names_free(self, model: CustomField) -> None:
        session = self.db_session
        if model.key in RESERVED_KEYS:
            raise ValidationError(_("The key %(key)s is used by a built-in field.", key=model.key))
        others = (
            select(CustomField).where(CustomField.id != model.id)
            if model.id
            else select(CustomField)
        )
        for other in session.scalars(others):
            if other is model:  # already flushed by the query's autoflush
                continue
            if other.key == model.key:
                raise ValidationError(
                    _("Another field already has the key %(key)s.", key=model.key)
                )
            if other.label.casefold() == model.label.casefold():
                raise ValidationError(
                    _("Another field is already called %(label)s.", label=model.label)
                )
        builtin = _builtin_header_keys()
        for name in (model.label, model.key):
            if _header_key(name) in builtin:
                raise ValidationError(
                    _(
                        "%(name)s is the name of a built-in customer column; the import could not "
                        "tell them apart. Choose another label or key.",
                        name=name,
                    )
                )

    # -- removing -------------------------------------------------------------------------
    @expose("/remove/", methods=("GET", "POST"))
    def remove_view(self) -> Any:
        if not has_permission(self.permission):
            abort(403)
        field_id = request.values.get("id", type=int)
        custom_field = self.db_session.get(CustomField, field_id) if field_id else None
        if custom_field is None:
            abort(404)
        count = customers_with_value(self.db_session, custom_field.key)
        if request.method == "POST":
            # The count the user confirmed must still be true; otherwise ask again.
            confirmed = request.form.get("confirmed_count", type=int)
            if count and confirmed != count:
                flash(
                    _("The number of customers with a value changed; please confirm again."),
                    "warning",
                )
            else:
                label = custom_field.label
                try:
                    changed = remove_field(self.db_session, custom_field)
                    self.db_session.commit()
                except SQLAlchemyError:
                    self.db_session.rollback()
                    log.exception("Removing custom field %s failed", field_id)
                    flash(_("Removing failed; nothing was changed. Please try again."), "error")
                else:
                    flash(
                        _(
                            "Field %(label)s removed, with its values of %(count)d customer(s).",
                            label=label,
                            count=changed,
                        ),
                        "success",
                    )
                    return redirect(self.get_url(".index_view"))
        return self.render(
            "iris_admin/custom_field_remove.html",
            custom_field=custom_field,
            count=count,
            return_url=self.get_url(".index_view"),
        )
