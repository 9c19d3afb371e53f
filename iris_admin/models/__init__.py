"""iris-admin's models, all on :class:`IrisBase`."""

from .accounts import AccessLevel, CustomerUser, Role, User
from .base import IrisBase
from .custom_fields import CustomField, FieldType
from .customers import Contact, Customer, CustomerStatus, InvoiceAddress
from .imports import ImportChange, ImportRow, ImportRun, RunStatus
from .issues import Issue, IssuePriority, IssueStatus
from .messages import Channel, Message, MessageKind, MessageStatus
from .replies import IssueReply, IssueStatusChange
from .security import LoginFailure

__all__ = [
    "AccessLevel",
    "Channel",
    "Contact",
    "CustomField",
    "Customer",
    "CustomerStatus",
    "CustomerUser",
    "FieldType",
    "ImportChange",
    "ImportRow",
    "ImportRun",
    "InvoiceAddress",
    "IrisBase",
    "Issue",
    "IssuePriority",
    "IssueReply",
    "IssueStatus",
    "IssueStatusChange",
    "LoginFailure",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Role",
    "RunStatus",
    "User",
]
