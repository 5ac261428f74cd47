"""The database: SQLAlchemy models, the engine and data version, Alembic migrations, and the settings table."""
