"""The customer portal: a small site where customer users follow their issues.

Mounted at ``IRIS_PORTAL_URL_PREFIX`` (``/portal``) when ``IRIS_PORTAL`` and
``IRIS_AUTH`` are on. Every query goes through :func:`iris_admin.permissions.visible`.
"""

from .views import portal_blueprint

__all__ = ["portal_blueprint"]
