"""Customers and what hangs off them: status codes, contacts, invoice addresses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    func,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..validation import national_digits
from .base import IrisBase, TimestampMixin

if TYPE_CHECKING:
    from .accounts import CustomerUser, User
    from .issues import Issue


class CustomerStatus(IrisBase):
    """A status code such as Active or Inactive; it decides whether new issues are allowed."""

    __tablename__ = "iris_customer_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    colour: Mapped[str] = mapped_column(String(7), default="#6c757d")
    allows_new_issues: Mapped[bool] = mapped_column(Boolean, default=True)
    allows_invoices: Mapped[bool] = mapped_column(Boolean, default=True)
    # Active and Inactive ship with the product; views refuse to delete them.
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=100)

    def __str__(self) -> str:
        return self.name


class Customer(TimestampMixin, IrisBase):
    """A company (``is_business``) or a person the desk works for."""

    __tablename__ = "iris_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    is_business: Mapped[bool] = mapped_column(Boolean, default=True)
    # The display name: the company name, or "First Last" for a person.
    name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    # Stored trimmed; unique ignoring case (see the functional index below).
    code: Mapped[str | None] = mapped_column(String(50))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    telephone: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(40))
    default_payer_id: Mapped[int | None] = mapped_column(
        ForeignKey("iris_customer.id", ondelete="RESTRICT")
    )
    status_id: Mapped[int | None] = mapped_column(
        ForeignKey("iris_customer_status.id", ondelete="RESTRICT")
    )
    # Case-insensitive sort keys; the indexes below are on the same expressions.
    sort_name: Mapped[str] = column_property(func.lower(name))
    sort_code: Mapped[str | None] = column_property(func.lower(code))
    # Lower-cased haystack of every searchable value (with phone digit variants),
    # kept in step on every write, so the overview searches one column.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Values of the admin-defined custom fields, {key: value} (see models.custom_fields).
    custom_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Issue-update e-mails also go to the customer's own e-mail address.
    notify_issue_updates: Mapped[bool] = mapped_column(Boolean, default=False)

    default_payer: Mapped[Customer | None] = relationship(
        remote_side="Customer.id", back_populates="paid_for"
    )
    paid_for: Mapped[list[Customer]] = relationship(
        back_populates="default_payer", passive_deletes="all"
    )
    status: Mapped[CustomerStatus | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Contact.name"
    )
    invoice_addresses: Mapped[list[InvoiceAddress]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        order_by="(InvoiceAddress.is_default.desc(), InvoiceAddress.id)",
    )
    user_links: Mapped[list[CustomerUser]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )
    # Read-only view of the linked accounts, for pickers; links are edited via user_links.
    accounts: Mapped[list[User]] = relationship(
        secondary="iris_customer_user", viewonly=True, order_by="User.name"
    )
    issues: Mapped[list[Issue]] = relationship(back_populates="customer", passive_deletes="all")

    __table_args__ = (
        Index("uq_iris_customer_code_ci", func.lower(code), unique=True),
        # PostgreSQL: name included, so deep pages are read from the index alone (0005).
        Index("ix_iris_customer_sort_name", func.lower(name), "id", postgresql_include=["name"]),
        Index("ix_iris_customer_code", "code"),
        Index("ix_iris_customer_status_id", "status_id"),
        Index("ix_iris_customer_default_payer_id", "default_payer_id"),
        Index("ix_iris_customer_is_business", "is_business"),
    )

    @property
    def address(self) -> str:
        """Street, postal code and city as one line, the way the overview shows it."""
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.street, place) if part)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


SEARCHABLE_FIELDS = (
    "name",
    "code",
    "email",
    "telephone",
    "mobile",
    "street",
    "postal_code",
    "city",
)


_PHONE_FIELDS = frozenset(("telephone", "mobile"))
_NON_DIGITS = re.compile(r"\D")


def build_search_text(
    values: Mapping[str, Any], national: Callable[[str], str | None] = national_digits
) -> str:
    """The lower-cased haystack for one customer, from a mapping of field values.

    Phone numbers are added as typed and as bare digits, in both international
    (31612345678) and national (0612345678) form, so any of them finds the customer.
    """
    return SEARCH_TEXT_SEPARATOR.join(search_text_parts(values, SEARCHABLE_FIELDS, national))


SEARCH_TEXT_SEPARATOR = " | "


def search_text_parts(
    values: Mapping[str, Any],
    fields: Iterable[str],
    national: Callable[[str], str | None] = national_digits,
) -> list[str]:
    """The pieces of the search text for ``fields`` (in that order), to be joined."""
    parts: list[str] = []
    append = parts.append
    for field in fields:
        value = values.get(field)
        if not value:
            continue
        text = str(value).strip().lower()
        append(text)
        if field in _PHONE_FIELDS:
            digits = _NON_DIGITS.sub("", text)
            if digits:
                append(digits)
                national_form = national(str(value))
                if national_form and national_form != digits:
                    append(national_form)
        elif field == "postal_code":
            append(text.replace(" ", ""))
    return parts


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _keep_search_text(_mapper: Any, _connection: Any, customer: Customer) -> None:
    customer.search_text = build_search_text(
        {field: getattr(customer, field) for field in SEARCHABLE_FIELDS}
    )


class Contact(IrisBase):
    """A person to talk to at a customer."""

    __tablename__ = "iris_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("iris_customer.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    telephone: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(40))

    customer: Mapped[Customer] = relationship(back_populates="contacts")

    def __str__(self) -> str:
        return self.name


class InvoiceAddress(IrisBase):
    """Where a customer's invoices go; at most one per customer is the default."""

    __tablename__ = "iris_invoice_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("iris_customer.id", ondelete="CASCADE"), index=True
    )
    attention: Mapped[str | None] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    invoice_email: Mapped[str | None] = mapped_column(String(254))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="invoice_addresses")

    def __str__(self) -> str:
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.attention, self.street, place) if part)
