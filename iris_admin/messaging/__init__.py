"""E-mail and SMS through an outbox: rows first, delivered later by a dispatcher.

- :mod:`.outbox`: ``queue_email`` / ``queue_sms`` / ``cancel_message`` (what requests call);
- :mod:`.dispatcher`: claims due rows atomically, delivers, retries with back-off;
- :mod:`.channels`: SMTP and the SMS gateway plugins (the plugin interface is documented there);
- :mod:`.issue_updates`: e-mails to customer users when their issue changes;
- :mod:`.cli`: ``flask iris dispatch``; :mod:`.background`: the demo's dispatcher thread.
"""

from __future__ import annotations

from flask import Flask, current_app

from .channels import PluginRegistry, load_plugins
from .dispatcher import Dispatcher

EXTENSION_KEY = "iris_admin_plugins"


def init_messaging(app: Flask) -> PluginRegistry:
    """Load the plugins of ``IRIS_PLUGINS`` and install the issue-update hooks (once per app)."""
    registry = app.extensions.get(EXTENSION_KEY)
    if registry is None:
        registry = PluginRegistry(config=app.config)
        app.extensions[EXTENSION_KEY] = registry
        load_plugins(registry, list(app.config.get("IRIS_PLUGINS") or ()))
        from .issue_updates import install_issue_update_hooks

        install_issue_update_hooks()
    return registry


def plugin_registry(app: Flask | None = None) -> PluginRegistry:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    return init_messaging(app)


def dispatcher_for_app(app: Flask | None = None) -> Dispatcher:
    """A dispatcher on the app's database engine and settings."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    engine = app.extensions["iris_admin"].db.engine
    return Dispatcher.from_config(engine, app.config, plugin_registry(app))
