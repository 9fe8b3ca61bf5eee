"""The work queues and which one a task goes to, decided by the task's name."""

QUEUES: tuple[str, ...] = ("ingest", "train", "predict", "reports", "default")
DEFAULT_QUEUE = "default"
#: Task areas whose work belongs on a queue of another name.
AREA_QUEUES = {"data": "ingest"}


def queue_for(task_name: str) -> str:
    """Return the queue of a task from the area its name starts with (``train.fit`` → train)."""
    area = task_name.split(".", 1)[0]
    area = AREA_QUEUES.get(area, area)
    return area if area in QUEUES else DEFAULT_QUEUE
