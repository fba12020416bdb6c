"""Where candidate code runs: a locked-down Docker sandbox, or plain processes for trusted code."""
