"""Custom fields on the customer form, read from the definitions on every request.

Flask-Admin builds a view's form classes once, at start-up; custom fields change at
run time, so :class:`CustomFieldsFormMixin` derives a form class per request from
Flask-Admin's (a subclass with one field per active definition) and stores the
values in ``Customer.custom_values``. The issue-update setting of the customer
(``notify_issue_updates``) is added the same way, so the CustomerView's own
``form_columns`` stay as they are.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_admin.helpers import get_form_data
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import ValidationError

from ..custom_fields import (
    FieldSpec,
    active_fields,
    clean_value,
    set_custom_values,
    stored_as_python,
)
from ..extension import db_session
from ..models import Customer, CustomField, FieldType
from ..validation import InvalidValue
from .base import SecureModelView

FIELD_PREFIX = "cf_"


class CustomValue:
    """Validator: the value must fit the field's type; keeps the value to store."""

    def __init__(self, spec: FieldSpec) -> None:
        self.spec = spec
        self.field_flags = {"required": True} if spec.required else {}

    def __call__(self, form: Any, field: Any) -> None:
        try:
            field.cleaned = clean_value(self.spec, field.data)
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from exc


class CustomValueMixin:
    """A form field whose value goes to ``obj.custom_values[key]`` instead of an attribute."""

    def __init__(self, *args: Any, spec: FieldSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.cleaned: Any = None

    def populate_obj(self, obj: Any, name: str) -> None:
        set_custom_values(obj, {self.spec.key: self.cleaned})


class CustomStringField(CustomValueMixin, StringField):
    pass


class CustomTextAreaField(CustomValueMixin, TextAreaField):
    pass


class CustomDateField(CustomValueMixin, DateField):
    pass


class CustomSelectField(CustomValueMixin, SelectField):
    pass


def _yes_no_choices() -> list[tuple[str, Any]]:
    return [("", ""), ("yes", _l("Yes")), ("no", _l("No"))]


def unbound_field(custom_field: CustomField) -> Any:
    """The WTForms field (unbound) for one definition."""
    spec = FieldSpec.of(custom_field)
    common: dict[str, Any] = {
        "label": custom_field.label,
        # Plain text: Flask-Admin renders a field's description unescaped (|safe).
        "description": escape(custom_field.help_text or ""),
        "validators": [CustomValue(spec)],
        "spec": spec,
    }
    kind = custom_field.field_type
    if kind == FieldType.LONG_TEXT.value:
        return CustomTextAreaField(render_kw={"rows": 3}, **common)
    if kind == FieldType.DATE.value:
        return CustomDateField(**common)
    # validate_choice=False: CustomValue checks the value (and a form posted without
    # the field, e.g. one added while the form was open, means "no value").
    if kind == FieldType.BOOL.value:
        return CustomSelectField(choices=_yes_no_choices(), validate_choice=False, **common)
    if kind == FieldType.CHOICE.value:
        choices = [("", "")] + [(option, option) for option in spec.options]
        return CustomSelectField(choices=choices, validate_choice=False, **common)
    if kind == FieldType.NUMBER.value:
        return CustomStringField(render_kw={"inputmode": "decimal"}, **common)
    return CustomStringField(**common)


def form_value(custom_field: CustomField, stored: Any) -> Any:
    """A stored value as the form field shows it."""
    if stored is None:
        return None
    kind = custom_field.field_type
    if kind == FieldType.BOOL.value:
        return "yes" if stored else "no"
    if kind == FieldType.DATE.value:
        return stored_as_python(custom_field, stored)
    return str(stored)


def display_value(custom_field: CustomField, stored: Any) -> str:
    """A stored value as the customer page shows it, in the user's locale."""
    if stored is None:
        return ""
    kind = custom_field.field_type
    if kind == FieldType.BOOL.value:
        return _("Yes") if stored else _("No")
    if kind == FieldType.DATE.value:
        value = stored_as_python(custom_field, stored)
        return format_date(value) if isinstance(value, date) else str(stored)
    if kind == FieldType.NUMBER.value and isinstance(stored, (int, float)):
        return format_decimal(stored)
    return str(stored)


def custom_field_rows(customer: Customer) -> list[tuple[CustomField, str]]:
    """(definition, shown value) for every active field, for the customer page."""
    values = customer.custom_values or {}
    return [
        (field, display_value(field, values.get(field.key)))
        for field in active_fields(db_session())
    ]


class CustomFieldsFormMixin(SecureModelView):
    """For the CustomerView: custom fields and the issue-update setting on its form."""

    def _with_custom_fields(self, form_class: type) -> type:
        fields = active_fields(db_session())
        attributes: dict[str, Any] = {}
        # Right after the customer's own fields, before the inline contacts and addresses.
        anchor = getattr(getattr(form_class, "status", None), "creation_counter", None)
        extra: list[tuple[str, Any]] = [
            (FIELD_PREFIX + field.key, unbound_field(field)) for field in fields
        ]
        extra.append(
            (
                "notify_issue_updates",
                BooleanField(
                    _l("E-mail issue updates to the customer's address too"),
                    description=_l(
                        "The reporter of an issue always gets them; this also sends "
                        "them to the customer's e-mail address."
                    ),
                ),
            )
        )
        for position, (name, unbound) in enumerate(extra, start=1):
            if anchor is not None:
                unbound.creation_counter = anchor + position / 1000
            attributes[name] = unbound
        return type(form_class.__name__, (form_class,), attributes)

    def create_form(self, obj: Any = None) -> Any:
        form_class = self._with_custom_fields(self._create_form_class)
        return form_class(get_form_data(), obj=obj)

    def edit_form(self, obj: Any = None) -> Any:
        form_class = self._with_custom_fields(self._edit_form_class)
        form = form_class(get_form_data(), obj=obj)
        if obj is not None and request.method == "GET":
            values = obj.custom_values or {}
            for field in active_fields(db_session()):
                form_field = getattr(form, FIELD_PREFIX + field.key, None)
                if form_field is not None:
                    form_field.data = form_value(field, values.get(field.key))
        return form
