"""Flor@Work data platform: Airflow, Great Expectations and dbt for outcome-based job placement."""

__version__ = "0.1.0"
