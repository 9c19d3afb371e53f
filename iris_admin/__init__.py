"""iris-admin: customer management for Flask-Admin."""

from .extension import IrisAdmin
from .factory import create_app

__all__ = ["IrisAdmin", "create_app"]
