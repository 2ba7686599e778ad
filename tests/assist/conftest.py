"""Assisted mode's tests run on SQLite and PostgreSQL, with the claim road's person factory."""

from tests.claims.conftest import NOW, engine, master, person_with_estimate, sessions

__all__ = ["NOW", "engine", "master", "person_with_estimate", "sessions"]
