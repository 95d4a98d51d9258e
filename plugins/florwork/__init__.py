"""Flor@Work data platform."""
