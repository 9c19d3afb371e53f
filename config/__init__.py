"""Configurations of the stand-alone app; ``IRIS_CONFIG`` picks one."""
