"""Multi-tenant ledger API service."""
