"""Alembic migrations of the COI Tracker schema (one head)."""
