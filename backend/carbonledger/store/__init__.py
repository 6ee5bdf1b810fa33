"""Storage: SQLite by default, PostgreSQL by URL (SQLAlchemy Core)."""
