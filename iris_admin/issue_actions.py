"""Reporting issues and replying to them: the rules every entry point (portal, admin) follows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from .models import Customer, Issue, IssuePriority, IssueReply, IssueStatus, User
from .models.base import utcnow

MAX_REPLY_LENGTH = 20_000


class IssueRefused(ValueError):
    """The issue or reply cannot be saved; the message says why, for the user."""


class NewIssuesBlocked(IssueRefused):
    """The customer's status does not allow new issues."""


def ensure_accepts_new_issues(customer: Customer) -> None:
    from .customers import can_open_issue  # the one rule, shared with the admin

    allowed, reason = can_open_issue(customer)
    if not allowed:
        raise NewIssuesBlocked(f"{reason} {_l('Please contact us by phone or e-mail.')}")


def report_issue(
    session: Session,
    *,
    customer: Customer,
    reporter: User,
    title: str,
    description: str | None,
    priority: str = IssuePriority.NORMAL.value,
) -> Issue:
    ensure_accepts_new_issues(customer)
    from .reporters import may_report_for, reporter_refusal

    if not may_report_for(session, customer.id, reporter):
        raise IssueRefused(reporter_refusal(reporter))
    title = (title or "").strip()
    if not title:
        raise IssueRefused(str(_l("An issue needs a title.")))
    try:
        priority = IssuePriority(priority).value
    except ValueError as exc:
        raise IssueRefused(str(_l("Unknown priority %(priority)s.", priority=priority))) from exc
    issue = Issue(
        title=title[:200],
        description=(description or "").strip() or None,
        priority=priority,
        status=IssueStatus.OPEN.value,
        customer=customer,
        reporter=reporter,
    )
    session.add(issue)
    return issue


def add_reply(
    session: Session, *, issue: Issue, author: User, body: str, internal: bool = False
) -> IssueReply:
    body = (body or "").strip()
    if not body:
        raise IssueRefused(str(_l("A reply needs some text.")))
    if len(body) > MAX_REPLY_LENGTH:
        raise IssueRefused(
            str(_l("A reply can hold at most %(count)d characters.", count=MAX_REPLY_LENGTH))
        )
    reply = IssueReply(issue=issue, author=author, body=body, is_internal=internal)
    session.add(reply)
    # "Last update" on the lists means the conversation moved, not only the issue's columns;
    # an internal note is news for the customer only when it becomes public, so it does not count.
    if not internal:
        issue.updated_at = utcnow()
    return reply


def change_status(issue: Issue, status: str) -> bool:
    """Set the status; the history row is written by the model event. True when it changed."""
    try:
        status = IssueStatus(status).value
    except ValueError as exc:
        raise IssueRefused(str(_l("Unknown status %(status)s.", status=status))) from exc
    if issue.status == status:
        return False
    issue.status = status
    return True
