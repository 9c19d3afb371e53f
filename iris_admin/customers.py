"""Rules about customers that every entry point (forms, import, CLI) follows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Customer, CustomerStatus, Issue
from .validation import code_key


class CustomerInUse(Exception):
    """The customer still has data that would be orphaned or lost by deleting it."""


def display_name(is_business: bool, name: str | None, first: str | None, last: str | None) -> str:
    if is_business:
        return (name or "").strip()
    person = " ".join(part.strip() for part in (first, last) if part and part.strip())
    return person or (name or "").strip()


def code_taken(session: Session, code: str | None, exclude_id: int | None = None) -> bool:
    key = code_key(code)
    if key is None:
        return False
    query = select(Customer.id).where(func.lower(Customer.code) == key)
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    return session.execute(query.limit(1)).first() is not None


def deletion_blockers(session: Session, customer: Customer) -> list[str]:
    """Why this customer may not be deleted; empty when it may."""
    reasons: list[str] = []
    issues = session.scalar(
        select(func.count()).select_from(Issue).where(Issue.customer_id == customer.id)
    )
    if issues:
        reasons.append(
            str(
                _l(
                    "it still has %(count)d issue(s); close and move or delete them first",
                    count=issues,
                )
            )
        )
    payer_of = session.scalar(
        select(func.count()).select_from(Customer).where(Customer.default_payer_id == customer.id)
    )
    if payer_of:
        reasons.append(
            str(
                _l(
                    "it is the default payer of %(count)d other customer(s); choose another payer "
                    "for them first",
                    count=payer_of,
                )
            )
        )
    return reasons


def ensure_deletable(session: Session, customer: Customer) -> None:
    reasons = deletion_blockers(session, customer)
    if reasons:
        raise CustomerInUse(
            str(
                _l(
                    "%(name)s cannot be deleted: %(reasons)s.",
                    name=customer.name,
                    reasons="; ".join(reasons),
                )
            )
        )


def default_status(session: Session) -> CustomerStatus | None:
    return session.scalar(
        select(CustomerStatus).order_by(CustomerStatus.sort_order, CustomerStatus.id).limit(1)
    )


BUILTIN_STATUSES = (
    {
        "name": "Active",
        "colour": "#28a745",
        "allows_new_issues": True,
        "allows_invoices": True,
        "is_builtin": True,
        "sort_order": 10,
    },
    {
        "name": "Inactive",
        "colour": "#6c757d",
        "allows_new_issues": False,
        "allows_invoices": False,
        "is_builtin": True,
        "sort_order": 20,
    },
)


def ensure_builtin_statuses(session: Session) -> None:
    existing = set(session.scalars(select(CustomerStatus.name)))
    for values in BUILTIN_STATUSES:
        if values["name"] not in existing:
            session.add(CustomerStatus(**values))
    session.flush()


def can_open_issue(customer: Customer) -> tuple[bool, str | None]:
    """Whether a new issue may be opened for ``customer`` (admin, portal, scripts alike).

    Returns ``(True, None)`` or ``(False, reason)``; the reason is a sentence for the
    user. A customer without a status is not blocked. Existing issues are never affected.
    """
    status = customer.status
    if status is None or status.allows_new_issues:
        return True, None
    return False, str(
        _l(
            "New issues cannot be reported for %(customer)s: its status is %(status)s.",
            customer=customer.name,
            status=status.name,
        )
    )
