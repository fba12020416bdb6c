"""Data access: plain functions with keyword-only arguments over a sqlite3 connection."""
