"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

from iris_admin import create_app

app = create_app()
