"""Staff's side of an issue's conversation: the history on the details page and a reply form.

A reply is public (the customer sees it in the portal) or an internal note
(staff only). Mixed into the IssueView, so the reply URL is guarded by the view's
``is_accessible`` like every other URL of it, and additionally needs ``issues.edit``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..extension import db_session
from ..forms import strip_filter
from ..issue_actions import MAX_REPLY_LENGTH, IssueRefused, add_reply, change_status
from ..models import Issue, IssueReply, IssueStatusChange
from ..permissions import has_permission, visible
from .base import SecureModelView

log = logging.getLogger(__name__)

PUBLIC, INTERNAL = "public", "internal"


def _status_choices() -> list[tuple[str, Any]]:
    from .issues import STATUS_LABELS  # the labels live with the issue list

    return [("", _l("Keep the status")), *STATUS_LABELS.items()]


class StaffReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Reply"),
        validators=[DataRequired(), Length(max=MAX_REPLY_LENGTH)],
        filters=[strip_filter],
    )
    visibility = RadioField(
        _l("Who sees it"),
        choices=[
            (PUBLIC, _l("Public reply: the customer sees it in the portal")),
            (INTERNAL, _l("Internal note: staff only, never shown in the portal")),
        ],
        default=PUBLIC,
    )
    status = SelectField(_l("Status"), choices=_status_choices, default="")


class IssueConversationMixin(SecureModelView):
    details_template = "iris_admin/issue_details.html"

    def conversation(self, issue: Issue) -> list[tuple[str, Any, Any]]:
        """Replies, internal notes and status changes of the issue, oldest first."""
        session = db_session()
        replies = session.scalars(visible(IssueReply).where(IssueReply.issue_id == issue.id)).all()
        changes = session.scalars(
            visible(IssueStatusChange).where(IssueStatusChange.issue_id == issue.id)
        ).all()
        entries = [("reply", item.created_at, item) for item in replies]
        entries += [("status", item.created_at, item) for item in changes]
        return sorted(entries, key=lambda entry: (entry[1], entry[0]))

    def status_label(self, status: str | None) -> str:
        from .issues import STATUS_LABELS

        if status is None:
            return ""
        return str(STATUS_LABELS.get(status, status))

    def staff_reply_form(self) -> StaffReplyForm | None:
        return StaffReplyForm(formdata=None) if has_permission("issues.edit") else None

    @expose("/<int:issue_id>/reply", methods=("POST",))
    def staff_reply(self, issue_id: int) -> Any:
        if not has_permission("issues.edit"):
            abort(403)
        session = db_session()
        issue = session.scalar(visible(Issue).where(Issue.id == issue_id))
        if issue is None:
            abort(404)
        page = self.get_url(".details_view", id=issue.id)
        form = StaffReplyForm()
        if not form.validate_on_submit():
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "error")
            return redirect(page)
        try:
            reply = add_reply(
                session,
                issue=issue,
                author=current_user._get_current_object(),
                body=form.body.data,
                internal=form.visibility.data == INTERNAL,
            )
            if form.status.data:
                change_status(issue, form.status.data)
            session.commit()
        except IssueRefused as exc:
            session.rollback()
            flash(str(exc), "error")
            return redirect(page)
        except SQLAlchemyError:
            session.rollback()
            log.exception("Saving a staff reply failed")
            flash(_("Saving failed; nothing was changed. Please try again."), "error")
            return redirect(page)
        if reply.is_internal:
            flash(_("Internal note added; the customer does not see it."), "success")
        else:
            flash(_("Reply added; the customer sees it in the portal."), "success")
        return redirect(f"{page}#reply-{reply.id}")
