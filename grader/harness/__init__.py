"""Runs inside the harness container: waits for the service, runs the hidden suite, writes results.

This package imports only the standard library and pytest so it can be copied alone into the
harness image; it never imports the rest of `grader`.
"""
