"""Hidden security tests."""
