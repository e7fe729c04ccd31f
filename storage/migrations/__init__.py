"""Alembic migrations, a package so they ship inside an installed wheel."""
