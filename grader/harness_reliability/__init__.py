"""The reliability phase's HTTP driver, copied into the harness container (stdlib only)."""
