"""Persistence of the live-chat service: SQLAlchemy Core, SQLite by default, PostgreSQL by URL."""
