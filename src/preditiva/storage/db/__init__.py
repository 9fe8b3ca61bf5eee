"""Database engine, sessions, models, repositories and migrations."""
