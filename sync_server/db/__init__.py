"""Database access for the sync server: models, engine and migrations."""
