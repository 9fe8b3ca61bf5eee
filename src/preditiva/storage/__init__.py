"""Persistence: the relational database and, later, the artifact store."""
