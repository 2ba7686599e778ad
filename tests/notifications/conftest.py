from tests.store.conftest import engine, master, sessions

__all__ = ["engine", "master", "sessions"]
