"""Benchmarks: scripts that seed their own data and measure through real HTTP (not tests)."""
