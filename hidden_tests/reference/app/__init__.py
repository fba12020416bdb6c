"""Multi-tenant ledger API service."""
# ledger-grader canary: lgc-a3a7667d-7421-4959-bc40-d03f6e9354ed
