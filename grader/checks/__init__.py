"""Check families: each turns what a stage observed into `CheckResult`s."""
