"""Helpers shared by the hidden test suites (client, tenants, problem assertions, logs, metrics)."""
