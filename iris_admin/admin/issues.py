"""The issue list of the stand-alone app, filterable by customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import request
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms.validators import ValidationError

from ..models import Customer, Issue, IssuePriority, IssueStatus, User
from ..reporters import ReporterLoader, may_report_for, reporter_lookup_url, reporter_refusal
from .base import SecureModelView
from .issue_replies import IssueConversationMixin

STATUS_LABELS = {
    IssueStatus.OPEN.value: _l("Open"),
    IssueStatus.IN_PROGRESS.value: _l("In progress"),
    IssueStatus.WAITING.value: _l("Waiting for customer"),
    IssueStatus.CLOSED.value: _l("Closed"),
}
PRIORITY_LABELS = {
    IssuePriority.LOW.value: _l("Low"),
    IssuePriority.NORMAL.value: _l("Normal"),
    IssuePriority.HIGH.value: _l("High"),
    IssuePriority.URGENT.value: _l("Urgent"),
}


class CustomerFilter(IntEqualFilter):
    """Issues of one customer, by id; the list shows the customer's name above the table."""


def _customer_link(view: Any, context: Any, model: Issue, name: str) -> Markup:
    url = view.get_url("customer.details_view", id=model.customer_id)
    return Markup('<a href="{}">{}</a>').format(url, model.customer)


class IssueView(IssueConversationMixin, SecureModelView):
    # Details page = the issue with its conversation and the staff reply form (issue_replies.py).
    permission = "issues.view"
    edit_permission = "issues.edit"
    delete_permission = "issues.delete"

    list_template = "iris_admin/issue_list.html"
    can_view_details = True
    column_list = ("id", "title", "customer", "status", "priority", "reporter", "updated_at")
    column_labels: ClassVar[dict[str, Any]] = {
        "id": "#",
        "title": _l("Title"),
        "description": _l("Description"),
        "customer": _l("Customer"),
        "status": _l("Status"),
        "priority": _l("Priority"),
        "reporter": _l("Reporter"),
        "created_at": _l("Created"),
        "updated_at": _l("Last update"),
    }
    column_default_sort = ("updated_at", True)
    column_sortable_list = ("id", "title", "status", "priority", "updated_at")
    column_searchable_list = ("title",)
    column_formatters: ClassVar[dict[str, Callable[..., Any]]] = {
        "customer": _customer_link,
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "priority": lambda v, c, m, n: PRIORITY_LABELS.get(m.priority, m.priority),
    }
    column_formatters_detail = column_formatters
    named_filter_urls = True
    customer_filter = CustomerFilter(Issue.customer_id, _l("Customer (id)"))
    column_filters = (
        customer_filter,
        FilterEqual(Issue.status, _l("Status"), options=tuple(STATUS_LABELS.items())),
        FilterEqual(Issue.priority, _l("Priority"), options=tuple(PRIORITY_LABELS.items())),
    )
    form_columns = ("title", "description", "customer", "status", "priority", "reporter")
    form_choices: ClassVar[dict[str, list[tuple[str, Any]]]] = {
        "status": [(k, str(v)) for k, v in STATUS_LABELS.items()],
        "priority": [(k, str(v)) for k, v in PRIORITY_LABELS.items()],
    }

    def __init__(self, db: Any, **kwargs: Any) -> None:
        self.reporter_loader = ReporterLoader(
            "reporter", db.session, User, fields=("name", "email"), order_by="name", page_size=10
        )
        self.form_ajax_refs = {
            "customer": {"fields": ("name", "code"), "order_by": "name", "page_size": 10},
            "reporter": self.reporter_loader,
        }
        super().__init__(Issue, db, **kwargs)

    def edit_form(self, obj: Issue | None = None) -> Any:
        form = super().edit_form(obj)
        # The picker offers the users of this issue's customer (and staff).
        customer_id = obj.customer_id if obj is not None else None
        url = reporter_lookup_url(self, self.reporter_loader, customer_id)
        form.reporter.render_kw = {**(form.reporter.render_kw or {}), "data-url": url}
        return form

    def on_model_change(self, form: Any, model: Issue, is_created: bool) -> None:
        from .statuses import refuse_issue_for_blocked_customer

        refuse_issue_for_blocked_customer(model, is_created)
        customer_id = model.customer.id if model.customer is not None else None
        reporter = model.reporter
        if reporter is not None and not may_report_for(self.db_session, customer_id, reporter):
            raise ValidationError(reporter_refusal(reporter))

    def customer_filter_arg(self) -> str:
        for index, flt in enumerate(self._filters or ()):
            if flt is self.customer_filter:
                return "flt0_" + self.get_filter_arg(index, flt)
        raise LookupError("the customer filter is not registered")

    def customer_filter_url(self, customer_id: int) -> str:
        return self.get_url(
            f"{self.endpoint}.index_view", **{self.customer_filter_arg(): customer_id}
        )

    def filtered_customer(self) -> Customer | None:
        """The customer the list is filtered to, for the heading above the table."""
        wanted = self.customer_filter_arg().split("_", 1)[1]
        for key, value in request.args.items():
            if key.startswith("flt") and key.split("_", 1)[-1] == wanted and value.isdigit():
                return self.db_session.get(Customer, int(value))
        return None
