"""Grade take-home submissions of the ledger exercise in a locked-down sandbox."""

__version__ = "0.1.0"
