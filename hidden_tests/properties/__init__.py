"""Hidden properties tests."""
