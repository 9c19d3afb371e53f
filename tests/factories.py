"""Building customers and issues for tests through the real models and session."""

from __future__ import annotations

from iris_admin.customers import default_status
from iris_admin.extension import db_session
from iris_admin.models import Customer, Issue


def make_customer(name: str = "Acme B.V.", *, commit: bool = True, **values) -> Customer:
    session = db_session()
    values.setdefault("is_business", True)
    values.setdefault("status", default_status(session))
    customer = Customer(name=name, **values)
    session.add(customer)
    if commit:
        session.commit()
    return customer


def make_issue(customer: Customer, title: str = "Printer offline", **values) -> Issue:
    session = db_session()
    issue = Issue(title=title, customer=customer, **values)
    session.add(issue)
    session.commit()
    return issue
