"""The message log: every e-mail and SMS, sent or scheduled, with its status and content.

Read-only; a scheduled message can be cancelled (``customers.edit``) until a
dispatcher takes it. Staff who may see customers (``customers.view``) see the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from ..messaging.outbox import cancel_message
from ..models import Channel, Message, MessageKind, MessageStatus
from ..permissions import has_permission
from ..redirects import safe_redirect_path
from .base import SecureModelView

log = logging.getLogger(__name__)

STATUS_LABELS = {
    MessageStatus.SCHEDULED.value: _l("Scheduled"),
    MessageStatus.SENDING.value: _l("Sending"),
    MessageStatus.SENT.value: _l("Sent"),
    MessageStatus.FAILED.value: _l("Failed"),
    MessageStatus.CANCELLED.value: _l("Cancelled"),
}
STATUS_BADGES = {
    MessageStatus.SCHEDULED.value: "badge-info",
    MessageStatus.SENDING.value: "badge-primary",
    MessageStatus.SENT.value: "badge-success",
    MessageStatus.FAILED.value: "badge-danger",
    MessageStatus.CANCELLED.value: "badge-secondary",
}
CHANNEL_LABELS = {Channel.EMAIL.value: _l("E-mail"), Channel.SMS.value: _l("SMS")}
KIND_LABELS = {
    MessageKind.MANUAL.value: _l("Written by staff"),
    MessageKind.ISSUE_UPDATE.value: _l("Issue update"),
}


def when(value: Any) -> str:
    return format_datetime(value, "short") if value else ""


def status_badge(message: Message) -> Markup:
    """The status as a badge, with the time it is scheduled for or the error."""
    label = STATUS_LABELS.get(message.status, message.status)
    badge = Markup('<span class="badge {} iris-message-status">{}</span>').format(
        STATUS_BADGES.get(message.status, "badge-light"), label
    )
    if message.status == MessageStatus.SCHEDULED.value:
        if message.attempts:
            note = _(
                "attempt %(number)d failed; next try %(when)s",
                number=message.attempts,
                when=when(message.next_attempt_at),
            )
        else:
            note = _("for %(when)s", when=when(message.scheduled_at))
        return badge + Markup(' <small class="text-muted">{}</small>').format(note)
    if message.status == MessageStatus.FAILED.value and message.last_error:
        return badge + Markup(' <small class="text-danger iris-message-error">{}</small>').format(
            message.last_error
        )
    return badge


def message_summary(message: Message) -> str:
    """Subject of an e-mail, start of an SMS."""
    if message.subject:
        return message.subject
    text = " ".join((message.body or "").split())
    return text if len(text) <= 60 else text[:59] + "…"


def _customer_link(view: Any, context: Any, model: Message, name: str) -> Markup | str:
    if model.customer is None:
        return ""
    url = view.get_url("customer.details_view", id=model.customer_id)
    return Markup('<a href="{}">{}</a>').format(url, model.customer.name)


def _recipients(view: Any, context: Any, model: Message, name: str) -> str:
    parts = []
    names = list(model.recipient_names or [])
    for index, address in enumerate(model.recipients or []):
        label = names[index] if index < len(names) else ""
        parts.append(f"{label} <{address}>" if label and label != address else address)
    return ", ".join(parts)


class MessageView(SecureModelView):
    permission = "customers.view"

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    details_template = "iris_admin/message_details.html"

    column_list = (
        "created_at",
        "channel",
        "customer",
        "recipients",
        "subject",
        "status",
        "sent_at",
    )
    column_details_list = (
        "created_at",
        "kind",
        "channel",
        "customer",
        "issue",
        "recipients",
        "subject",
        "status",
        "scheduled_at",
        "attempts",
        "sent_at",
        "created_by",
        "provider_ref",
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "created_at": _l("Written"),
        "channel": _l("Channel"),
        "kind": _l("Kind"),
        "customer": _l("Customer"),
        "issue": _l("Issue"),
        "recipients": _l("To"),
        "subject": _l("Subject"),
        "status": _l("Status"),
        "scheduled_at": _l("Scheduled for"),
        "attempts": _l("Attempts"),
        "sent_at": _l("Sent"),
        "created_by": _l("Written by"),
        "provider_ref": _l("Provider reference"),
    }
    column_default_sort: ClassVar[list[tuple[str, bool]]] = [("created_at", True), ("id", True)]
    column_sortable_list = ("created_at", "sent_at", "status", "channel")
    column_formatters: ClassVar[dict[str, Callable[..., Any]]] = {
        "created_at": lambda v, c, m, n: when(m.created_at),
        "sent_at": lambda v, c, m, n: when(m.sent_at),
        "scheduled_at": lambda v, c, m, n: when(m.scheduled_at),
        "channel": lambda v, c, m, n: CHANNEL_LABELS.get(m.channel, m.channel),
        "kind": lambda v, c, m, n: KIND_LABELS.get(m.kind, m.kind),
        "customer": _customer_link,
        "recipients": _recipients,
        "subject": lambda v, c, m, n: message_summary(m),
        "status": lambda v, c, m, n: status_badge(m),
    }
    column_formatters_detail = column_formatters
    named_filter_urls = True
    customer_filter = IntEqualFilter(Message.customer_id, _l("Customer (id)"))
    column_filters = (
        customer_filter,
        FilterEqual(Message.status, _l("Status"), options=tuple(STATUS_LABELS.items())),
        FilterEqual(Message.channel, _l("Channel"), options=tuple(CHANNEL_LABELS.items())),
        FilterEqual(Message.kind, _l("Kind"), options=tuple(KIND_LABELS.items())),
    )

    def __init__(self, db: Any, **kwargs: Any) -> None:
        super().__init__(Message, db, **kwargs)

    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("can_cancel", has_permission("customers.edit"))
        return super().render(template, **kwargs)

    def customer_filter_url(self, customer_id: int) -> str:
        for index, flt in enumerate(self._filters or ()):
            if flt is self.customer_filter:
                arg = "flt0_" + self.get_filter_arg(index, flt)
                return self.get_url(f"{self.endpoint}.index_view", **{arg: customer_id})
        return self.get_url(f"{self.endpoint}.index_view")

    def is_action_allowed(self, name: str) -> bool:
        if name == "cancel":
            return has_permission("customers.edit")
        return super().is_action_allowed(name)

    @action(
        "cancel",
        _l("Cancel sending"),
        _l("Cancel the selected messages that have not been sent yet?"),
    )
    def action_cancel(self, ids: list[str]) -> None:
        if not has_permission("customers.edit"):
            abort(403)
        session = self.db_session
        cancelled = sum(cancel_message(session, message_id) for message_id in self._typed_ids(ids))
        try:
            session.commit()
        except SQLAlchemyError:
            session.rollback()
            log.exception("Cancelling messages failed")
            flash(_("Cancelling failed; nothing was changed. Please try again."), "error")
            return
        skipped = len(ids) - cancelled
        flash(_("%(count)d message(s) cancelled.", count=cancelled), "success")
        if skipped:
            flash(
                _(
                    "%(count)d message(s) were already sent, being sent or cancelled; they were "
                    "left as they are.",
                    count=skipped,
                ),
                "warning",
            )

    @expose("/cancel/<int:message_id>", methods=("POST",))
    def cancel_view(self, message_id: int) -> Any:
        if not has_permission("customers.edit"):
            abort(403)
        back = safe_redirect_path(request.form.get("next")) or self.get_url(
            ".details_view", id=message_id
        )
        outcome = cancel_and_report(self.db_session, message_id)
        if outcome is None:
            abort(404)
        return redirect(back)


def cancel_and_report(session: Any, message_id: int) -> bool | None:
    """Cancel one message and flash the outcome; None when it does not exist."""
    message = session.get(Message, message_id)
    if message is None:
        return None
    try:
        done = cancel_message(session, message_id)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("Cancelling message %s failed", message_id)
        flash(_("Cancelling failed; nothing was changed. Please try again."), "error")
        return False
    if done:
        flash(_("The message is cancelled; it will not be sent."), "success")
    else:
        session.refresh(message)
        flash(
            _(
                "Too late to cancel: the message is %(status)s.",
                status=STATUS_LABELS.get(message.status, message.status),
            ),
            "warning",
        )
    return done
