"""The Celery application with every job kind registered: ``celery -A preditiva.tasks``."""

from preditiva.core.broker import get_celery
from preditiva.core.settings import get_settings
from preditiva.tasks import lifecycle
from preditiva.tasks.registration import register_job_tasks

app = get_celery(get_settings())
register_job_tasks(app)
lifecycle.connect(app)

__all__ = ["app"]
