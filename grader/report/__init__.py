"""Renderers: pure functions from a graded outcome to text or bytes, one module per format."""
