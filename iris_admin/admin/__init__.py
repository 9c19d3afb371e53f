"""Flask-Admin views of iris-admin."""
