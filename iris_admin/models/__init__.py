"""iris-admin's models, all on :class:`IrisBase`."""

from .accounts import AccessLevel, CustomerUser, Role, User
from .base import IrisBase
from .custom_fields import CustomField, FieldType  # noqa: F401
from .customers import Contact, Customer, CustomerStatus, InvoiceAddress
from .imports import ImportChange, ImportRow, ImportRun, RunStatus  # noqa: F401
from .issues import Issue, IssuePriority, IssueStatus
from .messages import Channel, Message, MessageKind, MessageStatus  # noqa: F401
from .replies import IssueReply, IssueStatusChange
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
    "IssueReply",
    "IssueStatus",
    "IssueStatusChange",
    "LoginFailure",
    "Role",
    "User",
]
