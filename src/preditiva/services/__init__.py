"""Use cases: each takes a session and decides; none imports FastAPI or Celery tasks."""
