"""The persistent store of the exchange: SQLAlchemy models, repositories and Alembic migrations."""
