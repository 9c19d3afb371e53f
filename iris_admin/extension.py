"""The Flask extension that adds iris-admin to an app that has Flask-Admin.

    db = SQLAlchemy()
    admin = Admin(name="My desk", theme=Bootstrap4Theme())
    iris = IrisAdmin()

    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        admin.init_app(app)
        iris.init_app(app, db=db, admin=admin)
        return app

Settings (``IRIS_*``) and their defaults are in :mod:`iris_admin.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from .security_headers import csp_nonce, init_security_headers
from .settings import apply_defaults


@dataclass
class IrisState:
    """Per-app state, kept in ``app.extensions["iris_admin"]``."""

    db: Any
    admin: Admin
    views: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> Session:
        return self.db.session

    def remove_session(self) -> None:
        """End this thread's session (Flask-SQLAlchemy's scoped session)."""
        self.db.session.remove()


def iris_state() -> IrisState:
    return current_app.extensions["iris_admin"]


def db_session() -> Session:
    return iris_state().session


def current_flask_app() -> Flask:
    """The app behind ``current_app``, to hand to a thread or a CLI helper."""
    # Flask types current_app as Flask; it is a werkzeug LocalProxy, which has this method.
    return current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy


class IrisAdmin:
    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None:
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Flask, *, db: Any, admin: Admin | None = None) -> None:
        """Add the customers module to ``app``.

        :param db: the app's Flask-SQLAlchemy object; iris-admin's models are used
            through its session and engine.
        :param admin: the app's Flask-Admin; created when not given.
        """
        if "iris_admin" in app.extensions:
            raise RuntimeError("iris-admin is already registered on this app.")
        apply_defaults(app.config)
        from .ids import guard_request_numbers

        guard_request_numbers(app)

        if "babel" not in app.extensions:
            from .languages import select_locale

            Babel(app, locale_selector=select_locale)
        # Pages name their language (<html lang>); Flask-Babel has no template global.
        app.jinja_env.globals.setdefault("get_locale", get_locale)
        if app.config["IRIS_CSRF_PROTECT"] and "csrf" not in app.extensions:
            CSRFProtect(app)

        app.register_blueprint(
            Blueprint(
                "iris_admin",
                __name__,
                template_folder="templates",
                static_folder="static",
                static_url_path="/iris-static",
            )
        )

        if admin is None:
            from .admin.base import SecureAdminIndexView

            admin = Admin(
                app,
                name=str(_l("Customers")),
                theme=Bootstrap4Theme(fluid=True, base_template="iris_admin/admin_master.html"),
                index_view=SecureAdminIndexView(),
                csp_nonce_generator=csp_nonce,
            )
        elif admin.csp_nonce_generator is None:
            admin.csp_nonce_generator = csp_nonce

        state = IrisState(db=db, admin=admin)
        app.extensions["iris_admin"] = state

        init_security_headers(app)
        from .inline_handlers import init_inline_handlers

        init_inline_handlers(app, admin.url)
        from .redirects import guard_admin_return_urls

        guard_admin_return_urls(app, admin.url)

        if app.config["IRIS_HEALTHZ"]:
            from .health import health_blueprint

            app.register_blueprint(health_blueprint)

        if app.config["IRIS_AUTH"]:
            self._init_auth(app, db)
            if app.config["IRIS_PORTAL"]:
                from .portal import portal_blueprint

                app.register_blueprint(
                    portal_blueprint, url_prefix=app.config["IRIS_PORTAL_URL_PREFIX"]
                )
        self._add_views(app, state)

        from .messaging import init_messaging

        init_messaging(app)

        from .cli import iris_cli

        app.cli.add_command(iris_cli)

    @staticmethod
    def _init_auth(app: Flask, db: Any) -> None:
        from .auth import auth_blueprint

        app.register_blueprint(auth_blueprint)
        if getattr(app, "login_manager", None) is None:
            manager = LoginManager(app)
            manager.login_view = "iris_auth.login"
            manager.login_message = _l("Please log in to continue.")
            manager.login_message_category = "info"

            from .sessions import configure_sessions

            configure_sessions(app, manager, db)

    @staticmethod
    def _add_views(app: Flask, state: IrisState) -> None:
        from .admin.custom_fields import CustomFieldView
        from .admin.customers import CustomerView
        from .admin.imports import ImportView
        from .admin.issues import IssueView
        from .admin.messages import MessageView
        from .admin.permissions import PermissionTableView
        from .admin.statuses import StatusView
        from .admin.users import UserView

        category = app.config["IRIS_MENU_CATEGORY"]
        db = state.db
        views = {
            "customer": CustomerView(db, name=_l("Customers"), category=category),
            "issue": IssueView(db, name=_l("Issues"), category=category),
            "user": UserView(db, name=_l("Users"), category=category),
            "permissions": PermissionTableView(
                name=_l("Permissions"), endpoint="iris_permissions", category=category
            ),
            "import": ImportView(
                name=_l("Import customers"), endpoint="iris_import", url="import", category=category
            ),
            "message": MessageView(db, name=_l("Messages"), category=category),
            "status": StatusView(
                db, name=_l("Status codes"), endpoint="customerstatus", category=category
            ),
            "custom_field": CustomFieldView(
                db, name=_l("Custom fields"), endpoint="customfield", category=category
            ),
        }
        if app.config["IRIS_AUTH"]:
            from .admin.profile import ProfileView

            views["profile"] = ProfileView(
                name=_l("Profile"), endpoint="iris_profile", url="profile", category=category
            )
        for view in views.values():
            state.admin.add_view(view)
        state.views = views
