"""The pop-up forms of the customer page: contacts, invoice addresses, user links."""

from __future__ import annotations

from typing import Any

from flask_admin.model.fields import AjaxSelectField
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import (
    OPTIONAL_EMAIL,
    OPTIONAL_PHONE,
    EmptyToNone,
    Required,
    country_select,
    strip_filter,
)
from ..models import AccessLevel

ACCESS_LABELS = {
    AccessLevel.OWN.value: _l("Own issues"),
    AccessLevel.ALL.value: _l("All issues of this customer"),
    AccessLevel.MANAGER.value: _l("Customer manager"),
}


class ContactForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip_filter]
    )
    function = StringField(_l("Function"), validators=[EmptyToNone(), Length(max=100)])
    email = StringField(_l("Email"), validators=OPTIONAL_EMAIL)
    telephone = StringField(_l("Telephone"), validators=OPTIONAL_PHONE)
    mobile = StringField(_l("Mobile phone"), validators=OPTIONAL_PHONE)


class InvoiceAddressForm(FlaskForm):
    attention = StringField(_l("Attention of"), validators=[EmptyToNone(), Length(max=200)])
    street = StringField(
        _l("Street"), validators=[DataRequired(), Length(max=200)], filters=[strip_filter]
    )
    postal_code = StringField(_l("Postal code"), validators=[EmptyToNone(), Length(max=20)])
    city = StringField(
        _l("City"), validators=[DataRequired(), Length(max=100)], filters=[strip_filter]
    )
    country = country_select()
    invoice_email = StringField(_l("Invoice e-mail"), validators=OPTIONAL_EMAIL)
    is_default = BooleanField(_l("Default invoice address"))


def access_choices() -> list[tuple[str, Any]]:
    return list(ACCESS_LABELS.items())


class CustomerUserAccessForm(FlaskForm):
    access = SelectField(_l("Role"), choices=access_choices, validators=[DataRequired()])


def customer_user_link_form(account_loader: Any) -> type[FlaskForm]:
    """The "link a user" form; the account picker searches users through ``account_loader``."""

    class CustomerUserLinkForm(CustomerUserAccessForm):
        account = AjaxSelectField(
            account_loader,
            _l("User account"),
            validators=[Required(_l("Pick an existing user account."))],
            allow_blank=True,
        )
        # Declared again so the pop-up asks for the account first, then its role.
        access = SelectField(_l("Role"), choices=access_choices, validators=[DataRequired()])

    return CustomerUserLinkForm
