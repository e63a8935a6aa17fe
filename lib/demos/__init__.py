"""Numeric helpers for the Demos page (explainers and small experiments)."""
