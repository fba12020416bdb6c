"""Hidden functional tests."""
