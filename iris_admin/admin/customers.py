"""The customers overview, the customer form and the customer page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, IntEqualFilter
from flask_admin.form import Select2Field
from flask_admin.model.form import InlineFormAdmin
from flask_admin.model.template import DeleteRowAction, EditRowAction, ViewRowAction
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import Select, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, object_session
from wtforms import Form
from wtforms.validators import DataRequired, Length, ValidationError

from ..accounts import not_a_customer_account
from ..customers import (
    CustomerInUse,
    code_taken,
    default_status,
    display_name,
    ensure_deletable,
)
from ..extension import iris_state
from ..forms import OPTIONAL_EMAIL, OPTIONAL_PHONE, EmptyToNone
from ..models import (
    Contact,
    Customer,
    CustomerStatus,
    CustomerUser,
    InvoiceAddress,
    Role,
    User,
)
from ..models.messages import Message
from ..permissions import has_permission
from ..search_index import SearchTerms
from ..validation import country_choices, country_name, normalise_code
from .base import SecureModelView
from .customer_forms import (
    ACCESS_LABELS,
    ContactForm,
    CustomerUserAccessForm,
    InvoiceAddressForm,
    customer_user_link_form,
)
from .customer_messages import CustomerDashboardMixin
from .list_links import (
    CONTEXT_NAME,
    FastDeleteRowAction,
    FastEditRowAction,
    FastViewRowAction,
    IssuesRowAction,
    PageLinks,
    page_links,
    query_url,
)
from .overview_query import (
    RowCount,
    count_customers,
    load_page_by_id,
    order_by_clauses,
    search_page,
    walked_page,
)

log = logging.getLogger(__name__)

COUNTRY_FIELD_ARGS = {
    "choices": country_choices(),
    "allow_blank": True,
    "blank_text": "",
    "label": _l("Country"),
}


class UniqueCode:
    """Code is optional, but unique among customers ignoring case and surrounding spaces."""

    def __call__(self, form: Any, field: Any) -> None:
        field.data = normalise_code(field.data)
        current = getattr(form, "_obj", None)
        if field.data and code_taken(
            iris_state().session, field.data, exclude_id=getattr(current, "id", None)
        ):
            raise ValidationError(
                _("Another customer already has the code %(code)s.", code=field.data)
            )


class CustomerFormRules(Form):
    """Rules across fields: a company needs a name, a person a first and last name."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_business.data:
            if not (self.name.data or "").strip():
                self.name.errors.append(_("A business customer needs a company name."))
                valid = False
        else:
            for field in (self.first_name, self.last_name):
                if not (field.data or "").strip():
                    field.errors.append(_("A person needs a first and a last name."))
                    valid = False
        payer = self.default_payer.data
        current = getattr(self, "_obj", None)
        if payer is not None and current is not None and payer.id == current.id:
            self.default_payer.errors.append(
                _("Leave Default payer empty when the customer pays itself.")
            )
            valid = False
        return valid


class ContactInline(InlineFormAdmin):
    form_columns = ("id", "name", "function", "email", "telephone", "mobile")
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "email": {"validators": OPTIONAL_EMAIL},
        "telephone": {"validators": OPTIONAL_PHONE},
        "mobile": {"label": _l("Mobile phone"), "validators": OPTIONAL_PHONE},
    }
    form_label = _l("Contact")


class InvoiceAddressInline(InlineFormAdmin):
    form_columns = (
        "id",
        "attention",
        "street",
        "postal_code",
        "city",
        "country",
        "invoice_email",
        "is_default",
    )
    form_overrides: ClassVar[dict[str, type]] = {"country": Select2Field}
    # Same labels and required fields as the pop-up on the customer page.
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "attention": {"label": _l("Attention of")},
        "street": {"label": _l("Street"), "validators": [DataRequired(), Length(max=200)]},
        "postal_code": {"label": _l("Postal code")},
        "city": {"label": _l("City"), "validators": [DataRequired(), Length(max=100)]},
        "country": COUNTRY_FIELD_ARGS,
        "invoice_email": {"label": _l("Invoice e-mail"), "validators": OPTIONAL_EMAIL},
        "is_default": {"label": _l("Default invoice address")},
    }
    form_label = _l("Invoice address")


class LazyOptions:
    """Filter options read from the database when the list renders, not at start-up.

    Flask-Admin evaluates a filter's options once, when the view is registered
    (outside any request, maybe before the tables exist); iterating this object
    instead runs the query on every render, so new status codes show up.
    """

    def __init__(self, load: Any) -> None:
        self._load = load

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Any:
        return iter(self._load())


def _status_options() -> list[tuple[int, str]]:
    session = iris_state().session
    return [
        (status.id, status.name)
        for status in session.scalars(
            select(CustomerStatus).order_by(CustomerStatus.sort_order, CustomerStatus.name)
        )
    ]


def _details_url(view: Any, context: Any, customer_id: int) -> str:
    links = page_links(context) if context is not None else None
    if links is None:  # the details page, an export
        return view.get_url(".details_view", id=customer_id)
    return links.details_url(customer_id, back=False)


# The list formatters run for every row: f-strings with escape(), several times
# cheaper than Markup.format.
def _format_name(view: Any, context: Any, model: Customer, name: str) -> Markup:
    url = _details_url(view, context, model.id)
    return Markup(f'<a href="{escape(url)}">{escape(model.name)}</a>')


def _format_payer(view: Any, context: Any, model: Customer, name: str) -> Markup | str:
    payer = model.default_payer
    if payer is None:
        return ""
    url = _details_url(view, context, payer.id)
    return Markup(f'<a href="{escape(url)}">{escape(payer)}</a>')


def _format_status(view: Any, context: Any, model: Customer, name: str) -> Markup | str:
    status = model.status
    if status is None:
        return ""
    return Markup(
        f'<span class="badge" style="background:{escape(status.colour)};color:#fff">'
        f"{escape(status.name)}</span>"
    )


class CustomerView(CustomerDashboardMixin, SecureModelView):
    permission = "customers.view"
    edit_permission = "customers.edit"
    delete_permission = "customers.delete"

    list_template = "iris_admin/customer_list.html"
    details_template = "iris_admin/customer_details.html"

    can_view_details = True
    column_list = (
        "name",
        "code",
        "address",
        "email",
        "telephone",
        "mobile",
        "default_payer",
        "status",
    )
    # Flask-Admin joins only the status by itself (it skips relations to the same model),
    # so each row's default payer would cost a query of its own.
    column_select_related_list = (Customer.status, Customer.default_payer)
    column_labels: ClassVar[dict[str, Any]] = {
        "name": _l("Name"),
        "code": _l("Code"),
        "address": _l("Address"),
        "email": _l("Email"),
        "telephone": _l("Telephone"),
        "mobile": _l("Mobile phone"),
        "default_payer": _l("Default payer"),
        "status": _l("Status"),
        "is_business": _l("Business customer"),
        "first_name": _l("First name"),
        "last_name": _l("Last name"),
        "street": _l("Street"),
        "postal_code": _l("Postal code"),
        "city": _l("City"),
        "country": _l("Country"),
        "search_text": _l("Search"),
    }
    column_sortable_list = ("name", "code")
    column_default_sort: ClassVar[list[tuple[str, bool]]] = [("sort_name", False), ("id", False)]
    # One lower-cased column holds every searchable value (see models.customers).
    column_searchable_list = ("search_text",)
    column_filters = (
        BooleanEqualFilter(Customer.is_business, _l("Business customer")),
        IntEqualFilter(Customer.status_id, _l("Status"), options=LazyOptions(_status_options)),
    )
    named_filter_urls = True
    column_formatters: ClassVar[dict[str, Callable[..., Any]]] = {
        "name": _format_name,
        "default_payer": _format_payer,
        "status": _format_status,
    }
    column_details_list = (
        "is_business",
        "name",
        "first_name",
        "last_name",
        "code",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "telephone",
        "mobile",
        "default_payer",
        "status",
    )
    column_formatters_detail: ClassVar[dict[str, Callable[..., Any]]] = {
        "is_business": lambda view, context, model, name: (
            _("Yes") if model.is_business else _("No")
        ),
        "country": lambda view, context, model, name: country_name(model.country),
        "default_payer": _format_payer,
        "status": _format_status,
    }

    form_columns = (
        "is_business",
        "name",
        "first_name",
        "last_name",
        "code",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "telephone",
        "mobile",
        "default_payer",
        "status",
    )
    form_overrides: ClassVar[dict[str, type]] = {"country": Select2Field}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "name": {"label": _l("Company name"), "validators": [EmptyToNone(), Length(max=200)]},
        "code": {"validators": [UniqueCode(), EmptyToNone(), Length(max=50)]},
        "country": COUNTRY_FIELD_ARGS,
        "email": {"validators": OPTIONAL_EMAIL},
        "telephone": {"validators": OPTIONAL_PHONE},
        "mobile": {"validators": OPTIONAL_PHONE},
        "is_business": {"default": True},
        "status": {"allow_blank": False},
    }
    form_widget_args: ClassVar[dict[str, dict[str, Any]]] = {
        "code": {"placeholder": _l("Optional customer number")},
    }
    form_ajax_refs: ClassVar[dict[str, dict[str, Any]]] = {
        "default_payer": {
            "fields": ("name", "code"),
            "order_by": "name",
            "page_size": 10,
            "placeholder": _l("Search a customer by name or code"),
        },
        "accounts": {
            "fields": ("name", "email"),
            # Only customer accounts are linked to customers (never staff or admins).
            "filters": ["role = 'customer'"],
            "order_by": "name",
            "page_size": 10,
            "placeholder": _l("Search a user by name or e-mail"),
        },
    }
    inline_models = (ContactInline(Contact), InvoiceAddressInline(InvoiceAddress))

    column_extra_row_actions: ClassVar[list[Any]] = [
        IssuesRowAction(
            "fa fa-ticket",
            lambda action, row_id, row: _issues_url_or_empty(row),
            title=_l("View customer issues"),
        )
    ]

    def __init__(self, db: Any, **kwargs: Any) -> None:
        super().__init__(Customer, db, **kwargs)

    @property
    def extra_js(self) -> list[str]:
        return [url_for("iris_admin.static", filename="customer_form.js")]

    # -- list --------------------------------------------------------------
    def get_sortable_columns(self) -> dict[str, Any]:
        # Sorting ignores case ("alpha" before "Bravo"), on indexed lower() expressions.
        # (A (name, attribute) pair in column_sortable_list is keyed by the
        # attribute's own name for same-table columns, so it can't be used here.)
        super().get_sortable_columns()
        return {"name": Customer.sort_name, "code": Customer.sort_code}

    # Flask-Admin's view/edit/delete row actions, rendered without a macro per row
    # (see list_links: 16 ms of a 20-row page).
    _FAST_ROW_ACTIONS: ClassVar[dict[type, type]] = {
        ViewRowAction: FastViewRowAction,
        EditRowAction: FastEditRowAction,
        DeleteRowAction: FastDeleteRowAction,
    }

    def get_list_row_actions(self) -> list[Any]:
        return [
            self._FAST_ROW_ACTIONS[type(action)]()
            if type(action) in self._FAST_ROW_ACTIONS
            else action
            for action in super().get_list_row_actions()
        ]

    def search_placeholder(self) -> str:
        return _("Name, code, e-mail, phone, street, postal code or city")

    # Speed at 1,000,000 customers: see overview_query, search_index and bench/.
    def get_count_query(self) -> Any:
        # Not used by get_list below, which counts with a cap instead. count(*), not
        # Flask-Admin's count('*'): SQLite answers count(*) from an index's pages.
        return self.db_session.query(func.count()).select_from(Customer)

    def _list_order(self, sort_column: Any, sort_desc: Any) -> list[tuple[Any, bool]]:
        """The list's ORDER BY as (expression, descending) pairs, as Flask-Admin sorts."""
        if sort_column is not None and sort_column in self._sortable_columns:
            return [(self._sortable_columns[sort_column], bool(sort_desc))]
        return [(getattr(Customer, name), bool(desc)) for name, desc in self.column_default_sort]

    def get_list(
        self,
        page: Any,
        sort_column: Any,
        sort_desc: Any,
        search: Any,
        filters: Any,
        execute: bool = True,
        page_size: int | None = None,
    ) -> Any:
        """Flask-Admin's get_list with a capped count, the search index and cheap paging."""
        page_size = self.page_size if page_size is None else page_size
        offset = (page or 0) * page_size if page_size else 0
        session = self.db_session
        count_limit = current_app.config["IRIS_OVERVIEW_COUNT_LIMIT"]

        query = self.get_query()
        rows = session.query(Customer.id)  # the customers the list shows, as ids
        filtered = bool(filters and self._filters)
        if filtered:
            query, rows, _joins, _count_joins = self._apply_filters(query, rows, {}, {}, filters)
        order = self._list_order(sort_column, sort_desc)
        query = query.order_by(*order_by_clauses(order))
        for relation in self._auto_joins:
            query = query.options(joinedload(relation))

        terms = SearchTerms.parse(search) if self._search_supported else SearchTerms.parse("")
        ids = rows.statement
        assert isinstance(ids, Select)  # a Query's statement: always a SELECT
        if terms:
            found = search_page(
                session,
                rows=ids,
                filtered=filtered,
                terms=terms,
                order=order,
                offset=offset,
                page_size=page_size,
                limit=count_limit,
            )
            count, query = found.count, query.filter(found.condition)
            if not found.paged:
                query = load_page_by_id(
                    self._apply_pagination(query, page, page_size),
                    id_column=Customer.id,
                    page=page,
                    page_size=page_size,
                )
        else:
            count = count_customers(session, ids, count_limit, filtered=filtered)
            page_ids = None
            if filtered and not count.is_exact and page_size:
                page_ids = walked_page(session, ids, order, offset, page_size, count)
            if page_ids is not None:
                query = query.filter(Customer.id.in_(page_ids))
            else:
                query = load_page_by_id(
                    self._apply_pagination(query, page, page_size),
                    id_column=Customer.id,
                    page=page,
                    page_size=page_size,
                )
        if not execute:
            return count, query
        data = query.all()
        return count.after_page(offset, len(data), page_size), data

    def count_text(self, count: Any) -> str:
        """ "1,234 customers", "10,000+ customers" or "about 1,000,000 customers"."""
        if count is None:
            return ""
        kind = getattr(count, "kind", RowCount.EXACT)
        shown = getattr(count, "shown", count)
        if kind == RowCount.AT_LEAST:
            return _("%(count)s+ customers", count=format_number(shown))
        if kind == RowCount.ABOUT:
            return _("about %(count)s customers", count=format_number(_round_estimate(shown)))
        return ngettext(
            "%(count)s customer", "%(count)s customers", int(shown), count=format_number(shown)
        )

    # -- form ----------------------------------------------------------------
    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        return type("CustomerForm", (CustomerFormRules, form_class), {})

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        if request.method == "GET" and form.status.data is None:
            form.status.data = default_status(self.db_session)
        return form

    def on_model_change(self, form: Any, model: Customer, is_created: bool) -> None:
        model.name = display_name(model.is_business, model.name, model.first_name, model.last_name)
        if model.is_business:
            model.first_name = model.last_name = None
        model.code = normalise_code(model.code)
        if model.status is None:
            model.status = default_status(self.db_session)
        _keep_one_default_address(model)

    def on_model_delete(self, model: Customer) -> None:
        try:
            ensure_deletable(self.db_session, model)
        except CustomerInUse as exc:
            raise ValidationError(str(exc)) from exc

    # -- customer page ---------------------------------------------------------
    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template and "list_row_actions" in kwargs:
            kwargs.setdefault(
                CONTEXT_NAME,
                PageLinks.for_page(
                    self,
                    return_url=kwargs.get("return_url"),
                    delete_form=kwargs.get("delete_form"),
                    issues_url=customer_issues_url_maker(),
                ),
            )
        if template == self.details_template and "model" in kwargs:
            for key, value in self._customer_page_context(kwargs["model"]).items():
                kwargs.setdefault(key, value)
        return super().render(template, **kwargs)

    def _customer_page_context(self, customer: Customer) -> dict[str, Any]:
        account_form_class = customer_user_link_form(self._form_ajax_refs["accounts"])
        forms: dict[str, Any] = {
            "contact-new": ContactForm(prefix="contact-new", formdata=None),
            "address-new": InvoiceAddressForm(prefix="address-new", formdata=None),
            "user-new": account_form_class(prefix="user-new", formdata=None),
        }
        for contact in customer.contacts:
            forms[f"contact-{contact.id}"] = ContactForm(
                prefix=f"contact-{contact.id}", obj=contact, formdata=None
            )
        for address in customer.invoice_addresses:
            forms[f"address-{address.id}"] = InvoiceAddressForm(
                prefix=f"address-{address.id}", obj=address, formdata=None
            )
        for link in customer.user_links:
            forms[f"user-{link.id}"] = CustomerUserAccessForm(
                prefix=f"user-{link.id}", obj=link, formdata=None
            )
        return {
            "forms": forms,
            "open_modal": None,
            "access_labels": ACCESS_LABELS,
            "can_edit_customer": has_permission("customers.edit"),
            "can_delete_customer": has_permission("customers.delete"),
            "issues_url": self.customer_issues_url(customer),
            "delete_consequences": _delete_consequences(customer),
            "country_name": country_name,
        }

    def customer_issues_url(self, customer: Customer) -> str | None:
        return customer_issues_url(customer)

    def _customer_or_404(self, customer_id: int) -> Customer:
        customer = self.db_session.get(Customer, customer_id)
        if customer is None:
            abort(404)
        return customer

    def _require_edit(self) -> None:
        if not has_permission("customers.edit"):
            abort(403)

    def _page_url(self, customer: Customer) -> str:
        return self.get_url(".details_view", id=customer.id)

    def _show_form_errors(self, customer: Customer, key: str, form: Any) -> Any:
        """Re-render the customer page with the pop-up open, showing the field errors."""
        self.db_session.rollback()
        context = self._customer_page_context(customer)
        context["forms"][key] = form
        context["open_modal"] = key
        flash(_("Please correct the errors in the form."), "error")
        return self.render(
            self.details_template,
            model=customer,
            details_columns=self._details_columns,
            get_value=self.get_detail_value,
            return_url=self.get_url(".index_view"),
            **context,
        ), 400

    def _commit(self, customer: Customer, message: str) -> Any:
        try:
            self.db_session.commit()
        except SQLAlchemyError:
            self.db_session.rollback()
            log.exception("Saving on the customer page failed")
            flash(_("Saving failed; nothing was changed. Please try again."), "error")
        else:
            flash(message, "success")
        return redirect(self._page_url(customer))

    @expose("/<int:customer_id>/delete", methods=("POST",))
    def customer_delete(self, customer_id: int) -> Any:
        if not self.can_delete:
            abort(403)
        customer = self._customer_or_404(customer_id)
        name = customer.name
        if self.delete_model(customer):
            flash(_("Customer %(name)s deleted.", name=name), "success")
            return redirect(self.get_url(".index_view"))
        return redirect(self._page_url(customer))

    # Contacts
    @expose("/<int:customer_id>/contacts/new", methods=("POST",))
    def contact_create(self, customer_id: int) -> Any:
        self._require_edit()
        customer = self._customer_or_404(customer_id)
        form = ContactForm(prefix="contact-new")
        if not form.validate_on_submit():
            return self._show_form_errors(customer, "contact-new", form)
        contact = Contact(customer=customer)
        form.populate_obj(contact)
        self.db_session.add(contact)
        return self._commit(customer, _("Contact %(name)s added.", name=contact.name))

    @expose("/contacts/<int:contact_id>/edit", methods=("POST",))
    def contact_edit(self, contact_id: int) -> Any:
        self._require_edit()
        contact = self.db_session.get(Contact, contact_id) or abort(404)
        form = ContactForm(prefix=f"contact-{contact.id}")
        if not form.validate_on_submit():
            return self._show_form_errors(contact.customer, f"contact-{contact.id}", form)
        form.populate_obj(contact)
        return self._commit(contact.customer, _("Contact %(name)s saved.", name=contact.name))

    @expose("/contacts/<int:contact_id>/delete", methods=("POST",))
    def contact_delete(self, contact_id: int) -> Any:
        self._require_edit()
        contact = self.db_session.get(Contact, contact_id) or abort(404)
        customer = contact.customer
        self.db_session.delete(contact)
        return self._commit(customer, _("Contact %(name)s deleted.", name=contact.name))

    # Invoice addresses
    @expose("/<int:customer_id>/invoice-addresses/new", methods=("POST",))
    def address_create(self, customer_id: int) -> Any:
        self._require_edit()
        customer = self._customer_or_404(customer_id)
        form = InvoiceAddressForm(prefix="address-new")
        if not form.validate_on_submit():
            return self._show_form_errors(customer, "address-new", form)
        address = InvoiceAddress()
        form.populate_obj(address)
        if not customer.invoice_addresses:
            address.is_default = True
        customer.invoice_addresses.append(address)
        _keep_one_default_address(customer, preferred=address)
        return self._commit(customer, _("Invoice address added."))

    @expose("/invoice-addresses/<int:address_id>/edit", methods=("POST",))
    def address_edit(self, address_id: int) -> Any:
        self._require_edit()
        address = self.db_session.get(InvoiceAddress, address_id) or abort(404)
        form = InvoiceAddressForm(prefix=f"address-{address.id}")
        if not form.validate_on_submit():
            return self._show_form_errors(address.customer, f"address-{address.id}", form)
        form.populate_obj(address)
        _keep_one_default_address(address.customer, preferred=address)
        return self._commit(address.customer, _("Invoice address saved."))

    @expose("/invoice-addresses/<int:address_id>/delete", methods=("POST",))
    def address_delete(self, address_id: int) -> Any:
        self._require_edit()
        address = self.db_session.get(InvoiceAddress, address_id) or abort(404)
        customer = address.customer
        customer.invoice_addresses.remove(address)
        self.db_session.delete(address)
        _keep_one_default_address(customer)
        return self._commit(customer, _("Invoice address deleted."))

    # Customer users
    @expose("/<int:customer_id>/users/new", methods=("POST",))
    def user_link_create(self, customer_id: int) -> Any:
        self._require_edit()
        customer = self._customer_or_404(customer_id)
        form = customer_user_link_form(self._form_ajax_refs["accounts"])(prefix="user-new")
        if not form.validate_on_submit():
            return self._show_form_errors(customer, "user-new", form)
        account: User = form.account.data
        if account.role != Role.CUSTOMER.value:
            form.account.errors.append(not_a_customer_account(account))
            return self._show_form_errors(customer, "user-new", form)
        already = self.db_session.scalar(
            select(func.count())
            .select_from(CustomerUser)
            .where(CustomerUser.customer_id == customer.id, CustomerUser.user_id == account.id)
        )
        if already:
            form.account.errors.append(_("This user is already linked to the customer."))
            return self._show_form_errors(customer, "user-new", form)
        self.db_session.add(CustomerUser(customer=customer, user=account, access=form.access.data))
        return self._commit(customer, _("%(user)s linked to the customer.", user=account.name))

    @expose("/users/<int:link_id>/edit", methods=("POST",))
    def user_link_edit(self, link_id: int) -> Any:
        self._require_edit()
        link = self.db_session.get(CustomerUser, link_id) or abort(404)
        form = CustomerUserAccessForm(prefix=f"user-{link.id}")
        if not form.validate_on_submit():
            return self._show_form_errors(link.customer, f"user-{link.id}", form)
        link.access = form.access.data
        return self._commit(link.customer, _("Role of %(user)s saved.", user=link.user.name))

    @expose("/users/<int:link_id>/delete", methods=("POST",))
    def user_link_delete(self, link_id: int) -> Any:
        self._require_edit()
        link = self.db_session.get(CustomerUser, link_id) or abort(404)
        customer, name = link.customer, link.user.name
        self.db_session.delete(link)
        return self._commit(
            customer, _("%(user)s no longer has access to this customer.", user=name)
        )


def customer_issues_url(customer: Customer) -> str | None:
    """The issue list filtered to this customer: the host's (IRIS_CUSTOMER_ISSUES_URL) or ours."""
    host_url = current_app.config.get("IRIS_CUSTOMER_ISSUES_URL")
    if host_url is not None:
        return host_url(customer)
    issue_view = iris_state().views.get("issue")
    if issue_view is None or not issue_view.is_accessible():
        return None
    return issue_view.customer_filter_url(customer.id)


def customer_issues_url_maker() -> Any:
    """:func:`customer_issues_url` for the rows of one page: who may see the issue
    list is asked once, not once per row."""
    host_url = current_app.config.get("IRIS_CUSTOMER_ISSUES_URL")
    if host_url is not None:
        return host_url
    issue_view = iris_state().views.get("issue")
    if issue_view is None or not issue_view.is_accessible():
        return lambda customer: None
    # customer_filter_url's URL with url_for's encoding, its filter's argument name
    # (a slug of the translated filter name) worked out once.
    base = issue_view.get_url(f"{issue_view.endpoint}.index_view")
    argument = issue_view.customer_filter_arg()
    return lambda customer: query_url(base, **{argument: customer.id})


def _issues_url_or_empty(customer: Customer) -> str:
    return customer_issues_url(customer) or "#"


def _round_estimate(estimate: int) -> int:
    """An estimate to two significant digits: 1,003,117 is "about 1,000,000"."""
    digits = len(str(abs(int(estimate))))
    return int(round(estimate, -max(digits - 2, 0)))


def _keep_one_default_address(customer: Customer, preferred: InvoiceAddress | None = None) -> None:
    """Exactly one default invoice address when the customer has any."""
    addresses = list(customer.invoice_addresses)
    if not addresses:
        return
    if preferred is not None and preferred.is_default:
        chosen = preferred
    else:
        chosen = next((a for a in addresses if a.is_default), addresses[0])
    for address in addresses:
        address.is_default = address is chosen


def _delete_consequences(customer: Customer) -> list[str]:
    """What deleting the customer takes with it, said in the confirmation pop-up."""
    consequences = []
    if customer.contacts:
        consequences.append(_("%(count)d contact(s)", count=len(customer.contacts)))
    if customer.invoice_addresses:
        consequences.append(
            _("%(count)d invoice address(es)", count=len(customer.invoice_addresses))
        )
    session = object_session(customer)
    assert session is not None  # a customer shown for deletion is loaded in a session
    messages = session.scalar(
        select(func.count()).select_from(Message).where(Message.customer_id == customer.id)
    )
    if messages:
        consequences.append(_("the log of %(count)d message(s) sent or scheduled", count=messages))
    if customer.user_links:
        consequences.append(
            _(
                "the access of %(count)d customer user(s) (the accounts stay)",
                count=len(customer.user_links),
            )
        )
    return consequences
