"""Validators and fields shared by iris-admin's forms (admin, pop-ups, portal)."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional as OptionalValidator
from wtforms.validators import StopValidation, ValidationError

from .validation import (
    InvalidValue,
    country_choices,
    normalise_email,
    normalise_phone,
)


class EmailAddress:
    """A syntactically valid e-mail address; stores the normalised form."""

    def __call__(self, form: Any, field: Any) -> None:
        try:
            field.data = normalise_email(field.data)
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from exc


class PhoneNumber:
    """A valid phone number; stored in international format (+31 6 12345678)."""

    def __call__(self, form: Any, field: Any) -> None:
        region = current_app.config.get("IRIS_DEFAULT_COUNTRY", "NL")
        try:
            field.data = normalise_phone(field.data, region)
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from exc


class EmptyToNone:
    """Stores empty or whitespace input as None and stops further validation."""

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str):
            field.data = field.data.strip() or None
        if field.data in (None, ""):
            field.errors[:] = []
            raise StopValidation()


class Required:
    """Like DataRequired, with a translated message rendered when it fails.

    Flask-Admin's templates show only ``str`` errors, so a lazy message is turned
    into text at validation time (in the user's language).
    """

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if not field.data:
            field.errors[:] = []
            raise StopValidation(str(self.message))


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def country_select(label: Any = None, **kwargs: Any) -> SelectField:
    """Countries picked by name, stored as ISO code."""
    return SelectField(
        label or _l("Country"),
        choices=lambda: [("", ""), *country_choices()],
        validators=[OptionalValidator()],
        coerce=lambda value: value or None,
        **kwargs,
    )


OPTIONAL_EMAIL = [EmptyToNone(), EmailAddress()]
OPTIONAL_PHONE = [EmptyToNone(), PhoneNumber()]
