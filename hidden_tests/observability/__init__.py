"""Hidden observability tests."""
