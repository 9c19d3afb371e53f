"""The portal's pages. Thin: access via the blueprint guard, data via ``permissions.visible``.

A customer user works for one customer at a time (the "current customer", kept
in the session and re-checked against the account's links on every request);
an account linked to several customers switches between them. Anything that
is not visible to the user answers 404, whether it exists or not, so ids of
other customers' issues, replies and internal notes reveal nothing.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from ..admin.issues import PRIORITY_LABELS, STATUS_LABELS
from ..extension import db_session
from ..ids import parse_id
from ..issue_actions import (
    IssueRefused,
    NewIssuesBlocked,
    add_reply,
    ensure_accepts_new_issues,
    report_issue,
)
from ..models import (
    Contact,
    Customer,
    CustomerUser,
    InvoiceAddress,
    Issue,
    IssueReply,
    IssueStatusChange,
    User,
)
from ..permissions import has_permission, is_staff_user, link_allows, portal_links, visible
from ..profile_forms import PasswordForm, ProfileForm
from ..profile_pages import blank_forms, save_password, save_profile
from .forms import NewIssueForm, ReplyForm, SwitchCustomerForm

log = logging.getLogger(__name__)

portal_blueprint = Blueprint("iris_portal", __name__)

CURRENT_CUSTOMER_KEY = "iris_portal_customer_id"
TEMPLATES = "iris_admin/portal/"


# -- access ------------------------------------------------------------------------
@portal_blueprint.before_request
def require_portal_user() -> Any:
    # The current customer is worked out once per request, never carried over.
    g.pop("iris_portal_link", None)
    g.pop("iris_portal_links", None)
    if not current_user.is_authenticated:
        return redirect(url_for("iris_auth.login", next=request.full_path))
    if not has_permission("portal.access"):
        return render_template("iris_admin/forbidden.html"), 403
    return None


@portal_blueprint.after_request
def keep_out_of_caches(response: Response) -> Response:
    # Pages show one customer's data: never store them in shared or browser caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@portal_blueprint.app_context_processor
def start_page_links() -> dict[str, Any]:
    """For the 403 page (admin and portal alike): where this user can go instead."""

    def portal_url() -> str | None:
        if current_user.is_authenticated and has_permission("portal.access"):
            return url_for("iris_portal.home")
        return None

    def admin_url() -> str | None:
        return url_for("admin.index") if is_staff_user() else None

    return {"iris_portal_url": portal_url, "iris_admin_url": admin_url}


@portal_blueprint.context_processor
def portal_layout() -> dict[str, Any]:
    link = current_link()
    return {
        "portal_links": g.get("iris_portal_links", []),
        "current_link": link,
        "may_see_customer": link_allows(link, "customer.details"),
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
    }


@portal_blueprint.errorhandler(404)
def not_found(_error: Exception) -> Any:
    return render_template(TEMPLATES + "not_found.html"), 404


def current_link() -> CustomerUser | None:
    """The link to the customer the user works for now, re-read on every request."""
    if "iris_portal_link" in g:
        return g.iris_portal_link
    links = portal_links()
    wanted = session.get(CURRENT_CUSTOMER_KEY)
    link = next((item for item in links if item.customer_id == wanted), None)
    g.iris_portal_links = links
    g.iris_portal_link = link or (links[0] if links else None)
    return g.iris_portal_link


def link_for_customer(customer_id: object) -> CustomerUser:
    """The user's own link to this customer, or 404 (a tampered or stale id)."""
    current_link()
    for link in g.iris_portal_links:
        if str(link.customer_id) == str(customer_id).strip():
            return link
    abort(404)


def visible_issue_or_404(issue_id: int) -> Issue:
    issue = db_session().scalar(visible(Issue).where(Issue.id == issue_id))
    if issue is None:
        abort(404)
    return issue


def no_customer_page() -> Any:
    return render_template(TEMPLATES + "no_customer.html")


def commit_or_explain() -> bool:
    try:
        db_session().commit()
    except SQLAlchemyError:
        db_session().rollback()
        log.exception("Saving in the portal failed")
        flash(_("Saving failed; nothing was changed. Please try again."), "error")
        return False
    return True


# -- issues ----------------------------------------------------------------------------
@portal_blueprint.get("/")
def home() -> Any:
    link = current_link()
    if link is None:
        return no_customer_page()
    search = (request.args.get("q") or "").strip()[:200]
    status = request.args.get("status") or ""
    query = visible(Issue, customer_id=link.customer_id)
    if search:
        matches = [
            Issue.title.icontains(search, autoescape=True),
            Issue.description.icontains(search, autoescape=True),
        ]
        number = parse_id(search.lstrip("#"))
        if number is not None:
            matches.append(Issue.id == number)
        query = query.where(or_(*matches))
    if status in STATUS_LABELS:
        query = query.where(Issue.status == status)
    else:
        status = ""

    page_size = max(1, int(current_app.config["IRIS_PORTAL_PAGE_SIZE"]))
    total = db_session().scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    issues = (
        db_session()
        .scalars(
            query.order_by(Issue.updated_at.desc(), Issue.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        .all()
    )
    return render_template(
        TEMPLATES + "home.html",
        issues=issues,
        search=search,
        status=status,
        page=page,
        pages=pages,
        total=total,
    )


@portal_blueprint.get("/issues/<int:issue_id>")
def issue(issue_id: int) -> Any:
    found = visible_issue_or_404(issue_id)
    # Opening an issue of another linked customer makes that customer current,
    # so the header and "back to issues" match what is on screen.
    link = current_link()
    if link is None or link.customer_id != found.customer_id:
        session[CURRENT_CUSTOMER_KEY] = found.customer_id
        g.pop("iris_portal_link", None)
    return render_issue(found, ReplyForm(formdata=None))


def render_issue(found: Issue, reply_form: ReplyForm) -> str:
    replies = (
        db_session()
        .scalars(
            visible(IssueReply)
            .where(IssueReply.issue_id == found.id)
            .order_by(IssueReply.created_at, IssueReply.id)
        )
        .all()
    )
    changes = (
        db_session()
        .scalars(
            visible(IssueStatusChange)
            .where(IssueStatusChange.issue_id == found.id)
            .order_by(IssueStatusChange.created_at, IssueStatusChange.id)
        )
        .all()
    )
    timeline = sorted(
        [("reply", item.created_at, item) for item in replies]
        + [("status", item.created_at, item) for item in changes],
        key=lambda entry: entry[1],
    )
    return render_template(
        TEMPLATES + "issue.html", issue=found, timeline=timeline, reply_form=reply_form
    )


@portal_blueprint.post("/issues/<int:issue_id>/reply")
def reply(issue_id: int) -> Any:
    found = visible_issue_or_404(issue_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_issue(found, form), 400
    try:
        new_reply = add_reply(db_session(), issue=found, author=current_user, body=form.body.data)
    except IssueRefused as exc:
        db_session().rollback()
        form.body.errors = [*form.body.errors, str(exc)]
        return render_issue(found, form), 400
    if not commit_or_explain():
        return redirect(url_for(".issue", issue_id=found.id))
    flash(_("Your reply was added."), "success")
    return redirect(url_for(".issue", issue_id=found.id, _anchor=f"reply-{new_reply.id}"))


@portal_blueprint.get("/replies/<int:reply_id>")
def reply_link(reply_id: int) -> Any:
    """A permanent link to one reply (for e-mails): the issue page at that reply."""
    found = db_session().scalar(visible(IssueReply).where(IssueReply.id == reply_id))
    if found is None:
        abort(404)
    return redirect(url_for(".issue", issue_id=found.issue_id, _anchor=f"reply-{found.id}"))


@portal_blueprint.route("/issues/new", methods=["GET", "POST"])
def new_issue() -> Any:
    """Report an issue for the current customer.

    Refused with 409 and a message, nothing saved, when the customer's status
    does not allow new issues; a customer id the user is not linked to is a 404.
    """
    link = current_link()
    if link is None:
        return no_customer_page()
    form = NewIssueForm()
    if request.method == "POST":
        link = link_for_customer(form.customer_id.data or "")
    customer: Customer = link.customer
    form.customer_id.data = str(customer.id)
    offer_reporters(form, link)

    try:
        ensure_accepts_new_issues(customer)
    except NewIssuesBlocked as exc:
        status = 409 if request.method == "POST" else 200
        return render_template(
            TEMPLATES + "new_issue.html", form=None, customer=customer, blocked=str(exc)
        ), status

    if request.method == "POST":
        if not form.validate():
            return render_template(
                TEMPLATES + "new_issue.html", form=form, customer=customer, blocked=None
            ), 400
        reporter = current_user._get_current_object()
        if "reporter_id" in form:
            reporter = db_session().get(User, form.reporter_id.data) or reporter
        try:
            created = report_issue(
                db_session(),
                customer=customer,
                reporter=reporter,
                title=form.title.data,
                description=form.description.data,
                priority=form.priority.data,
            )
        except IssueRefused as exc:
            db_session().rollback()
            flash(str(exc), "error")
            return render_template(
                TEMPLATES + "new_issue.html", form=form, customer=customer, blocked=None
            ), 400
        if commit_or_explain():
            session[CURRENT_CUSTOMER_KEY] = customer.id
            flash(
                _("Issue #%(id)d was reported. We will get back to you.", id=created.id), "success"
            )
            return redirect(url_for(".issue", issue_id=created.id))
    return render_template(TEMPLATES + "new_issue.html", form=form, customer=customer, blocked=None)


def offer_reporters(form: NewIssueForm, link: CustomerUser) -> None:
    """Customer managers may report for a colleague; everyone else reports for themselves."""
    if not link_allows(link, "issues.report_for_colleague"):
        del form.reporter_id
        return
    colleagues = (
        db_session()
        .scalars(
            visible(CustomerUser, customer_id=link.customer_id)
            .join(User, User.id == CustomerUser.user_id)
            .where(User.active.is_(True))
            .order_by(User.name)
        )
        .all()
    )
    form.reporter_id.choices = [(item.user_id, item.user.name) for item in colleagues]
    if form.reporter_id.data is None:
        form.reporter_id.data = current_user.id


# -- customers ----------------------------------------------------------------------------
@portal_blueprint.post("/switch")
def switch_customer() -> Any:
    form = SwitchCustomerForm()
    if not form.validate_on_submit():
        abort(404)
    link = link_for_customer(form.customer_id.data)
    session[CURRENT_CUSTOMER_KEY] = link.customer_id
    flash(_("You are now working for %(customer)s.", customer=link.customer.name), "info")
    return redirect(url_for(".home"))


@portal_blueprint.get("/customer")
def customer_details() -> Any:
    link = current_link()
    if link is None:
        return no_customer_page()
    if not link_allows(link, "customer.details"):
        return render_template("iris_admin/forbidden.html"), 403
    session_ = db_session()
    customer = session_.scalar(visible(Customer, customer_id=link.customer_id))
    if customer is None:
        abort(404)
    contacts = session_.scalars(
        visible(Contact, customer_id=customer.id).order_by(Contact.name, Contact.id)
    ).all()
    addresses = session_.scalars(
        visible(InvoiceAddress, customer_id=customer.id).order_by(
            InvoiceAddress.is_default.desc(), InvoiceAddress.id
        )
    ).all()
    colleagues = session_.scalars(
        visible(CustomerUser, customer_id=customer.id)
        .join(User, User.id == CustomerUser.user_id)
        .order_by(User.name)
    ).all()
    return render_template(
        TEMPLATES + "customer.html",
        customer=customer,
        contacts=contacts,
        addresses=addresses,
        colleagues=colleagues,
    )


# -- profile -------------------------------------------------------------------------------
@portal_blueprint.route("/profile", methods=["GET", "POST"])
def profile() -> Any:
    profile_form, password_form = blank_forms()
    if request.method == "POST":
        profile_form = ProfileForm()
        if not save_profile(profile_form):
            return render_profile(profile_form, password_form), 400
        return redirect(url_for(".profile"))
    return render_profile(profile_form, password_form)


@portal_blueprint.post("/profile/password")
def password() -> Any:
    profile_form, _unused = blank_forms()
    password_form = PasswordForm()
    if not save_password(password_form):
        return render_profile(profile_form, password_form), 400
    return redirect(url_for(".profile"))


def render_profile(profile_form: ProfileForm, password_form: PasswordForm) -> str:
    return render_template(
        TEMPLATES + "profile.html", profile_form=profile_form, password_form=password_form
    )
