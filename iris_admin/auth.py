"""Log in and log out."""

from __future__ import annotations

import math
from typing import TypeGuard
from urllib.parse import urljoin, urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from .extension import db_session
from .models import User
from .permissions import has_permission, is_staff_user
from .throttle import LoginThrottle, ThrottleRules

auth_blueprint = Blueprint("iris_auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in"))


def is_safe_redirect(target: str | None) -> TypeGuard[str]:
    """Only paths on this site: never another host, never a scheme-relative URL."""
    if not target:
        return False
    reference = urlsplit(request.host_url)
    resolved = urlsplit(urljoin(request.host_url, target))
    return (
        resolved.scheme in ("http", "https")
        and resolved.netloc == reference.netloc
        and not target.startswith("//")
        and "\\" not in target
    )


def landing_url(user: User) -> str:
    if is_staff_user(user):
        return url_for("admin.index")
    if has_permission("portal.access", user) and "iris_portal" in current_app.blueprints:
        return url_for("iris_portal.home")
    return url_for("iris_auth.no_access")


def find_user_by_email(email: str) -> User | None:
    return db_session().scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@auth_blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        throttle = LoginThrottle(db_session(), ThrottleRules.from_config(current_app.config))
        email, address = form.email.data or "", request.remote_addr or "unknown"
        # Checked before the password, so a correct guess during a lock-out gains nothing.
        wait = throttle.retry_after(email, address)
        if wait is not None:
            return _throttled(form, wait)
        user = find_user_by_email(email)
        if user is None or not user.check_password(form.password.data or ""):
            throttle.record_failure(email, address)
            db_session().commit()
            flash(_("Wrong e-mail address or password."), "error")
        elif not user.is_active:
            flash(_("This account is deactivated. Ask an administrator."), "error")
        else:
            login_user(user, remember=form.remember.data)
            user.mark_logged_in()
            throttle.forget_account(email)
            db_session().commit()
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else landing_url(user))
    return render_template("iris_admin/auth/login.html", form=form)


def _throttled(form: LoginForm, seconds: int):
    minutes = max(1, math.ceil(seconds / 60))
    flash(
        _(
            "Too many failed log-in attempts. For your security, log-in is paused: "
            "please try again in %(minutes)d minute(s).",
            minutes=minutes,
        ),
        "error",
    )
    response = make_response(render_template("iris_admin/auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@auth_blueprint.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("iris_auth.login"))


@auth_blueprint.route("/no-access")
def no_access():
    return render_template("iris_admin/forbidden.html"), 403
