"""Extraction of the three sources into the raw layer."""
