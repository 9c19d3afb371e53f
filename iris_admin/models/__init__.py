"""iris-admin's models, all on :class:`IrisBase`."""

from .accounts import AccessLevel, CustomerUser, Role, User
from .base import IrisBase
from .customers import Contact, Customer, CustomerStatus, InvoiceAddress
from .issues import Issue, IssuePriority, IssueStatus

__all__ = [
    "AccessLevel",
    "Contact",
    "Customer",
    "CustomerStatus",
    "CustomerUser",
    "InvoiceAddress",
    "IrisBase",
    "Issue",
    "IssuePriority",
    "IssueStatus",
    "Role",
    "User",
]
