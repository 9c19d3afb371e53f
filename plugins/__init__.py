"""Optional iris-admin plugins; list the ones to load in ``IRIS_PLUGINS``."""
