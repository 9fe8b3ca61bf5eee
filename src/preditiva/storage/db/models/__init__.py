"""ORM models; importing this package registers every table on ``Base.metadata``."""

from preditiva.storage.db.models.base import Base
from preditiva.storage.db.models.dataset import Dataset
from preditiva.storage.db.models.job import Job, JobState
from preditiva.storage.db.models.registry import (
    Model,
    ModelAlias,
    ModelAliasEvent,
    ModelFit,
    ModelVersion,
)
from preditiva.storage.db.models.schedule import Schedule
from preditiva.storage.db.models.series import Observation, Series, SeriesTag
from preditiva.storage.db.models.worker import Worker

__all__ = [
    "Base",
    "Dataset",
    "Job",
    "JobState",
    "Model",
    "ModelAlias",
    "ModelAliasEvent",
    "ModelFit",
    "ModelVersion",
    "Observation",
    "Schedule",
    "Series",
    "SeriesTag",
    "Worker",
]
