"""iris-admin's models, all on :class:`IrisBase`."""

from .accounts import AccessLevel, CustomerUser, Role, User
from .base import IrisBase
from .customers import Contact, Customer, CustomerStatus, InvoiceAddress
from .issues import Issue, IssuePriority, IssueStatus
from .imports import ImportChange, ImportRow, ImportRun, RunStatus  # noqa: F401
from .replies import IssueReply, IssueStatusChange
from .custom_fields import CustomField, FieldType  # noqa: F401
from .messages import Channel, Message, MessageKind, MessageStatus  # noqa: F401
from .security import LoginFailure

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
    "IssueReply",
    "IssueStatusChange",
    "LoginFailure",
    "Role",
    "User",
]
