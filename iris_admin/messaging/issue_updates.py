"""Issue-update e-mails: the reporter hears when staff change the status or reply publicly.

Hooked into the session, not into single views, so every way of changing an issue
(the admin form, the staff reply form, scripts) informs the customer. Events of one
transaction are collected while it flushes and turned into one e-mail per issue when
it commits, *inside* that transaction (a transactional outbox): the e-mail row exists
exactly when the change was saved, and a rolled-back change sends nothing.

Who gets it: the issue's reporter when it is an active customer user (staff do not
need portal links), plus the customer's own e-mail address when the customer's
``notify_issue_updates`` setting is on. Internal notes, replies written by customer
users and changes made by the reporter themselves send nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from ..models import (
    Issue,
    IssueReply,
    IssueStatusChange,
    MessageKind,
    User,
)
from .outbox import MessageRefused, Recipient, queue_email

log = logging.getLogger(__name__)

PENDING_KEY = "iris_issue_updates"


@dataclass
class PendingUpdate:
    issue: Issue
    replies: list[IssueReply] = field(default_factory=list)
    changes: list[IssueStatusChange] = field(default_factory=list)


def install_issue_update_hooks() -> None:
    """Listen on every SQLAlchemy session (idempotent); inactive outside iris-admin apps."""
    for name, listener in (
        ("before_flush", _collect),
        ("before_commit", _queue_pending),
        ("after_soft_rollback", _forget_pending),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _enabled() -> bool:
    return (
        has_app_context()
        and "iris_admin" in current_app.extensions
        and bool(current_app.config.get("IRIS_ISSUE_UPDATE_EMAILS"))
    )


def _collect(session: Session, _flush_context: Any, _instances: Any) -> None:
    if not _enabled():
        return
    new = [obj for obj in session.new if isinstance(obj, (IssueReply, IssueStatusChange))]
    if not new:
        return
    pending: dict[int, PendingUpdate] = session.info.setdefault(PENDING_KEY, {})
    with session.no_autoflush:
        for obj in new:
            issue = obj.issue or (session.get(Issue, obj.issue_id) if obj.issue_id else None)
            if issue is None:
                continue
            entry = pending.setdefault(id(issue), PendingUpdate(issue))
            if isinstance(obj, IssueReply):
                author = obj.author or (session.get(User, obj.author_id) if obj.author_id else None)
                if not obj.is_internal and author is not None and author.is_staff:
                    entry.replies.append(obj)
            else:
                entry.changes.append(obj)


def _forget_pending(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(PENDING_KEY, None)


def _queue_pending(session: Session) -> None:
    if not _enabled():
        session.info.pop(PENDING_KEY, None)
        return
    # Flush first: changes made since the last flush (a status set by a form) are
    # collected now, and the e-mails are written by the commit's own flush.
    session.flush()
    pending: dict[int, PendingUpdate] = session.info.pop(PENDING_KEY, {})
    for update in pending.values():
        if update.replies or update.changes:
            with session.no_autoflush:
                _queue_update_email(session, update)


def _recipients(issue: Issue, update: PendingUpdate) -> list[Recipient]:
    from ..permissions import has_permission
    from ..reporters import may_report_for

    recipients: list[Recipient] = []
    reporter = issue.reporter
    changed_by_reporter = (
        bool(update.changes)
        and not update.replies
        and all(
            change.changed_by_id is not None and change.changed_by_id == issue.reporter_id
            for change in update.changes
        )
    )
    if (
        reporter is not None
        and reporter.is_active
        and reporter.email
        and has_permission("portal.access", reporter)
        and not changed_by_reporter
        # Never another customer's user, whatever an older version let through.
        and (session := object_session(issue)) is not None
        and may_report_for(session, issue.customer_id, reporter)
    ):
        recipients.append(Recipient(reporter.email, reporter.name))
    customer = issue.customer
    if (
        customer is not None
        and customer.notify_issue_updates
        and customer.email
        and customer.email.lower() not in {r.address.lower() for r in recipients}
    ):
        recipients.append(Recipient(customer.email, customer.name))
    return recipients


def _queue_update_email(session: Session, update: PendingUpdate) -> None:
    issue = update.issue
    recipients = _recipients(issue, update)
    if not recipients:
        return
    # The e-mail is for the customer: the app's language, not the staff member's browser's.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        subject, body = compose_update_email(issue, update, recipients)
    try:
        queue_email(
            session,
            customer=issue.customer,
            recipients=recipients,
            subject=subject,
            body=body,
            issue=issue,
            kind=MessageKind.ISSUE_UPDATE,
        )
    except MessageRefused:
        # e.g. a stored address that is no longer valid: the change itself still counts.
        log.warning("Issue #%s: update e-mail not queued", issue.id, exc_info=True)


def compose_update_email(
    issue: Issue, update: PendingUpdate, recipients: list[Recipient]
) -> tuple[str, str]:
    from ..admin.issues import STATUS_LABELS

    def label(status: str | None) -> str:
        return str(STATUS_LABELS.get(status or "", status or ""))

    if update.replies:
        subject = _("[#%(id)d] New reply: %(title)s", id=issue.id, title=issue.title)
    else:
        subject = _(
            "[#%(id)d] %(title)s is now %(status)s",
            id=issue.id,
            title=issue.title,
            status=label(update.changes[-1].new_status),
        )
    greeting = recipients[0].name if recipients[0].name else ""
    lines = [
        _("Hello %(name)s,", name=greeting).replace(" ,", ","),
        "",
        _(
            'There is news on issue #%(id)d "%(title)s" of %(customer)s.',
            id=issue.id,
            title=issue.title,
            customer=issue.customer.name if issue.customer else "",
        ),
        "",
    ]
    if update.changes:
        first, last = update.changes[0], update.changes[-1]
        lines += [
            _("Status: %(old)s → %(new)s", old=label(first.old_status), new=label(last.new_status)),
            "",
        ]
    for reply in update.replies:
        author = reply.author.name if reply.author is not None else _("Our service desk")
        lines += [_("%(author)s replied:", author=author), "", reply.body, ""]
    link = portal_issue_link(issue.id)
    if link:
        lines += [_("See the issue and reply in the portal:"), link, ""]
    lines.append(_("This is an automatic message; please reply through the portal."))
    return subject, "\n".join(lines)


def portal_issue_link(issue_id: int) -> str | None:
    """The issue in the portal: IRIS_PORTAL_BASE_URL + path, else the current host."""
    app = current_app
    if "iris_portal" not in app.blueprints:
        return None
    base = app.config.get("IRIS_PORTAL_BASE_URL")
    if base:
        adapter = app.url_map.bind("localhost")
        return str(base).rstrip("/") + adapter.build("iris_portal.issue", {"issue_id": issue_id})
    if has_request_context() or app.config.get("SERVER_NAME"):
        return url_for("iris_portal.issue", issue_id=issue_id, _external=True)
    return None
