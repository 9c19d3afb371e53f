"""The customer page's Customer actions (Send e-mail, Send SMS) and its Messages section.

Mixed into the CustomerView (through :class:`CustomerDashboardMixin`), so its URLs are
guarded by the view's ``is_accessible`` like every other URL of it; sending and
cancelling also need ``customers.edit``. A request only writes the message to the
outbox (:mod:`iris_admin.messaging.outbox`); a dispatcher delivers it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import abort, current_app, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import Form, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extension import iris_state
from ..forms import strip_filter
from ..messaging.outbox import (
    MAX_EMAIL_BODY_LENGTH,
    MAX_SUBJECT_LENGTH,
    MessageRefused,
    Recipient,
    queue_email,
    queue_sms,
)
from ..models import Customer, Message
from ..permissions import has_permission
from .base import SecureModelView
from .custom_field_form import CustomFieldsFormMixin, custom_field_rows
from .messages import (
    CHANNEL_LABELS,
    KIND_LABELS,
    cancel_and_report,
    message_summary,
    status_badge,
    when,
)

log = logging.getLogger(__name__)

NOW, LATER = "now", "later"
MESSAGES_ON_PAGE = 50
CUSTOMER_KEY = "customer"


def _when_choices() -> list[tuple[str, Any]]:
    return [(NOW, _l("Send now")), (LATER, _l("Send at a chosen date and time"))]


class ScheduleFields(Form):
    """Send now or at a time; the time is typed in the user's time zone."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        send_at = self.send_at
        # Checked here: the field's Optional() stops its own validators when empty.
        if self.when.data == LATER and send_at.data is None and not send_at.errors:
            send_at.errors = [*send_at.errors, _("Choose the date and time to send at.")]
            valid = False
        return valid

    def send_at_utc(self) -> datetime | None:
        if self.when.data != LATER or self.send_at.data is None:
            return None
        return to_utc(self.send_at.data)


class EmailForm(ScheduleFields, FlaskForm):
    recipients = SelectMultipleField(
        _l("To"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired(), Length(max=MAX_SUBJECT_LENGTH)],
        filters=[strip_filter],
    )
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=MAX_EMAIL_BODY_LENGTH)],
        filters=[strip_filter],
        render_kw={"rows": 8},
    )
    when = RadioField(_l("When"), choices=_when_choices, default=NOW)
    send_at = DateTimeLocalField(
        _l("Date and time"), validators=[Optional()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )

    def validate_recipients(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_("Choose at least one recipient."))


class SmsForm(ScheduleFields, FlaskForm):
    recipient = RadioField(_l("To"), choices=[], validate_choice=True)
    text = TextAreaField(
        _l("Text"), validators=[DataRequired()], filters=[strip_filter], render_kw={"rows": 4}
    )
    when = RadioField(_l("When"), choices=_when_choices, default=NOW)
    send_at = DateTimeLocalField(
        _l("Date and time"), validators=[Optional()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )

    def validate_recipient(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_("Choose who gets the SMS."))


# -- who can be reached ---------------------------------------------------------------------
def email_recipients(customer: Customer) -> dict[str, Recipient]:
    """Choice value -> recipient: the customer's address and every contact with one."""
    return _recipients(customer, "email")


def sms_recipients(customer: Customer) -> dict[str, Recipient]:
    """Choice value -> recipient: the customer's mobile and every contact with one."""
    return _recipients(customer, "mobile")


def _recipients(customer: Customer, attribute: str) -> dict[str, Recipient]:
    found: dict[str, Recipient] = {}
    if getattr(customer, attribute):
        found[CUSTOMER_KEY] = Recipient(getattr(customer, attribute), customer.name)
    for contact in customer.contacts:
        if getattr(contact, attribute):
            found[f"contact-{contact.id}"] = Recipient(getattr(contact, attribute), contact.name)
    return found


def _choice_label(recipient: Recipient, is_customer: bool) -> str:
    who = recipient.name if not is_customer else _("%(name)s (customer)", name=recipient.name)
    return f"{who} — {recipient.address}"


def email_form(customer: Customer, formdata: Any = None) -> EmailForm:
    form = EmailForm(prefix="email-new", formdata=formdata)
    form.recipients.choices = [
        (key, _choice_label(recipient, key == CUSTOMER_KEY))
        for key, recipient in email_recipients(customer).items()
    ]
    if formdata is None and CUSTOMER_KEY in email_recipients(customer):
        form.recipients.data = [CUSTOMER_KEY]
    return form


def sms_form(customer: Customer, formdata: Any = None) -> SmsForm:
    form = SmsForm(prefix="sms-new", formdata=formdata)
    choices = sms_recipients(customer)
    form.recipient.choices = [
        (key, _choice_label(recipient, key == CUSTOMER_KEY)) for key, recipient in choices.items()
    ]
    if formdata is None and choices:
        form.recipient.data = next(iter(choices))
    return form


class CustomerMessagesMixin(SecureModelView):
    """Endpoints and page context for the Customer actions and Messages sections."""

    # -- page context -----------------------------------------------------------------------
    def render(self, template: str, **kwargs: Any) -> Any:
        if template == getattr(self, "details_template", None) and "model" in kwargs:
            customer: Customer = kwargs["model"]
            forms = kwargs.setdefault("forms", {})
            forms.setdefault("email-new", email_form(customer))
            forms.setdefault("sms-new", sms_form(customer))
            for key, value in self._dashboard_context(customer).items():
                kwargs.setdefault(key, value)
        return super().render(template, **kwargs)

    def _dashboard_context(self, customer: Customer) -> dict[str, Any]:
        session = iris_state().session
        messages = list(
            session.scalars(
                select(Message)
                .where(Message.customer_id == customer.id)
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(MESSAGES_ON_PAGE)
            )
        )
        total = (
            session.scalar(
                select(func.count()).select_from(Message).where(Message.customer_id == customer.id)
            )
            or 0
        )
        message_view = iris_state().views.get("message")
        log_url = None
        if message_view is not None and message_view.is_accessible():
            log_url = message_view.customer_filter_url(customer.id)
        return {
            "can_send_messages": has_permission("customers.edit"),
            "customer_messages": messages,
            "customer_message_total": total,
            "message_log_url": log_url,
            "message_view": message_view,
            "message_channel_labels": CHANNEL_LABELS,
            "message_kind_labels": KIND_LABELS,
            "message_status_badge": status_badge,
            "message_summary": message_summary,
            "message_when": when,
            "custom_field_rows": custom_field_rows(customer),
            "sms_max_segments": current_app.config["IRIS_SMS_MAX_SEGMENTS"],
        }

    # -- endpoints ----------------------------------------------------------------------------
    def _sending_customer(self, customer_id: int) -> Customer:
        if not has_permission("customers.edit"):
            abort(403)
        customer = iris_state().session.get(Customer, customer_id)
        if customer is None:
            abort(404)
        return customer

    def _messages_url(self, customer: Customer) -> str:
        return self.get_url(".details_view", id=customer.id) + "#messages"

    def _queued(self, message: Message, customer: Customer) -> Any:
        session = iris_state().session
        try:
            session.commit()
        except SQLAlchemyError:
            session.rollback()
            log.exception("Queueing a message failed")
            flash(_("Saving failed; nothing was sent. Please try again."), "error")
            return redirect(self._messages_url(customer))
        if message.scheduled_at > message.created_at:
            flash(
                _("The message is scheduled for %(when)s.", when=when(message.scheduled_at)),
                "success",
            )
        else:
            flash(_("The message is on its way; its status shows under Messages."), "success")
        return redirect(self._messages_url(customer))

    @expose("/<int:customer_id>/messages/email", methods=("POST",))
    def send_email_view(self, customer_id: int) -> Any:
        customer = self._sending_customer(customer_id)
        form = email_form(customer, formdata=request.form)
        if not form.validate_on_submit():
            return self._show_form_errors(customer, "email-new", form)
        chosen = email_recipients(customer)
        try:
            message = queue_email(
                iris_state().session,
                customer=customer,
                recipients=[chosen[key] for key in form.recipients.data if key in chosen],
                subject=form.subject.data,
                body=form.body.data,
                send_at=form.send_at_utc(),
                created_by=current_user._get_current_object(),
            )
        except MessageRefused as exc:
            form.body.errors = [*form.body.errors, str(exc)]
            return self._show_form_errors(customer, "email-new", form)
        return self._queued(message, customer)

    @expose("/<int:customer_id>/messages/sms", methods=("POST",))
    def send_sms_view(self, customer_id: int) -> Any:
        customer = self._sending_customer(customer_id)
        form = sms_form(customer, formdata=request.form)
        if not form.validate_on_submit():
            return self._show_form_errors(customer, "sms-new", form)
        config = current_app.config
        try:
            message = queue_sms(
                iris_state().session,
                customer=customer,
                recipient=sms_recipients(customer)[form.recipient.data],
                text=form.text.data,
                max_segments=int(config["IRIS_SMS_MAX_SEGMENTS"]),
                default_region=config.get("IRIS_DEFAULT_COUNTRY") or "NL",
                send_at=form.send_at_utc(),
                created_by=current_user._get_current_object(),
            )
        except MessageRefused as exc:
            form.text.errors = [*form.text.errors, str(exc)]
            return self._show_form_errors(customer, "sms-new", form)
        return self._queued(message, customer)

    @expose("/<int:customer_id>/messages/<int:message_id>/cancel", methods=("POST",))
    def cancel_message_view(self, customer_id: int, message_id: int) -> Any:
        customer = self._sending_customer(customer_id)
        message = iris_state().session.get(Message, message_id)
        if message is None or message.customer_id != customer.id:
            abort(404)
        cancel_and_report(iris_state().session, message_id)
        return redirect(self._messages_url(customer))


class CustomerDashboardMixin(CustomerMessagesMixin, CustomFieldsFormMixin):
    """Everything issue 5 adds to the CustomerView: put it first in the view's bases."""
