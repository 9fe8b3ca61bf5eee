"""Domain errors, each carrying the HTTP status it maps to.

PreditivaError
├── NotFoundError (404)
│   ├── JobNotFoundError, SeriesNotFoundError, ScheduleNotFoundError
│   ├── ArtifactNotFoundError, ModelNotFoundError, ModelVersionNotFoundError
│   ├── ResultNotFoundError (a job has no result file: not a batch prediction, or it failed)
│   ├── DatasetNotFoundError
│   └── ForecastNotFoundError (no trained model covers the series)
├── ConflictError (409)
│   ├── JobStateError
│   ├── SeriesExistsError, ScheduleExistsError, ModelExistsError
│   ├── ForecastUnavailableError (the serving model skipped or failed on the series)
│   ├── ChampionMissingError (a model asked for its champion has none)
│   ├── ModelVersionStateError (not-ready promoted, champion archived, nothing to roll back)
│   └── DatasetVersionConflictError (two uploads of one name took the same version number)
├── PayloadTooLargeError (413)
├── InvalidInputError (422)
│   ├── JobKindUnknownError
│   ├── JobParamsInvalidError
│   ├── DataValidationError (row-level problems in uploaded or pushed data)
│   ├── ModelNotTabularError (batch prediction asked of a forecaster or series model)
│   ├── InlinePredictionUnsupportedError (only an lstm forecaster reads an inline history)
│   └── SourceInvalidError (a series' source names no collector, or is malformed)
├── CollectorError (502: a collector could not fetch or read its source)
├── ForecasterError (a forecasting engine could not do what was asked)
│   ├── SeriesTooShortError, SeriesUnusableError (422: the history cannot be modelled)
│   ├── EngineUnknownError, EngineUnavailableError (422: no such engine, or its extra is missing)
│   └── ForecasterNotFittedError (500: predict before fit, a programming error)
├── ArtifactIntegrityError (500: a stored artifact's SHA-256 differs from its registry row)
├── UnavailableError (503)
│   ├── BackendUnavailableError
│   └── ArtifactStoreUnavailableError (bucket missing, endpoint unreachable, access refused)
└── TransientJobError (retried with back-off when raised inside a job)
"""

from typing import Any


class PreditivaError(Exception):
    """Base of every error Preditiva raises on purpose."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFoundError(PreditivaError):
    """Something asked for does not exist."""

    status_code = 404
    code = "not_found"


class ConflictError(PreditivaError):
    """The request clashes with the current state."""

    status_code = 409
    code = "conflict"


class InvalidInputError(PreditivaError):
    """The input is well-formed but not acceptable."""

    status_code = 422
    code = "validation_error"


class UnavailableError(PreditivaError):
    """A back end needed to answer is not reachable."""

    status_code = 503
    code = "unavailable"


class JobNotFoundError(NotFoundError):
    """No job has this id."""


class SeriesNotFoundError(NotFoundError):
    """No series has this key."""


class ScheduleNotFoundError(NotFoundError):
    """No schedule has this name."""


class SeriesExistsError(ConflictError):
    """A series with this key already exists."""


class ScheduleExistsError(ConflictError):
    """A schedule with this name already exists."""


class PayloadTooLargeError(PreditivaError):
    """The upload is larger than the configured limit."""

    status_code = 413
    code = "payload_too_large"


class DataValidationError(InvalidInputError):
    """Rows or columns of submitted data are wrong; ``details`` lists them."""


class JobStateError(ConflictError):
    """The job is in a state that does not allow the action."""


class JobKindUnknownError(InvalidInputError):
    """No job kind has this name."""


class JobParamsInvalidError(InvalidInputError):
    """The parameters do not match the job kind."""


class BackendUnavailableError(UnavailableError):
    """The database or broker did not answer."""


class SourceInvalidError(InvalidInputError):
    """A series' source string names no known collector, or its target is malformed."""


class CollectorError(PreditivaError):
    """A collector could not fetch or read its source; the message names the source and why."""

    status_code = 502
    code = "collector_error"

    def __init__(
        self, source: str, problem: str, *, transient: bool = False, http_status: int | None = None
    ) -> None:
        """Name the source and the problem; ``transient`` says a later try may succeed."""
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
        self.transient = transient
        self.http_status = http_status


class TransientJobError(PreditivaError):
    """A failure worth retrying later (network blip, busy service)."""

    code = "transient_error"


class JobCancelledError(PreditivaError):
    """Raised inside a job when a cancel was requested; ends it as cancelled."""

    status_code = 409
    code = "cancelled"


class ForecasterError(PreditivaError):
    """A forecasting engine could not fit, predict or be built as asked."""

    code = "forecaster_error"


class SeriesTooShortError(ForecasterError):
    """The history is too short for the model; ``reason`` says why in plain words."""

    status_code = 422
    code = "series_too_short"

    def __init__(self, reason: str, *, length: int, required: int) -> None:
        """Keep the human reason, the usable length and the length the model needs."""
        super().__init__(reason)
        self.reason = reason
        self.length = length
        self.required = required


class SeriesUnusableError(ForecasterError):
    """The history cannot be modelled at all (no time index, no numeric values)."""

    status_code = 422
    code = "series_unusable"


class EngineUnknownError(ForecasterError):
    """No forecasting engine has this name."""

    status_code = 422
    code = "engine_unknown"


class EngineUnavailableError(ForecasterError):
    """The engine exists but its optional extra is not installed."""

    status_code = 422
    code = "engine_unavailable"


class ForecasterNotFittedError(ForecasterError):
    """``predict`` was called before ``fit``."""


class ArtifactNotFoundError(NotFoundError):
    """No artifact is stored at this URI."""


class ArtifactStoreUnavailableError(UnavailableError):
    """The artifact store cannot be used; the message says what to fix (bucket, endpoint, keys)."""


class ArtifactIntegrityError(PreditivaError):
    """A stored artifact's SHA-256 differs from the one recorded; it is refused, never loaded.

    A 500, not a 409: nothing the caller can change resolves it; the server's stored state is
    corrupt or tampered with and an operator must look.
    """

    code = "artifact_integrity"

    def __init__(self, uri: str, *, expected: str, actual: str) -> None:
        """Name the artifact and both hashes."""
        super().__init__(
            f"artifact {uri} refused: SHA-256 is {actual}, registry expects {expected}"
        )
        self.uri = uri
        self.expected = expected
        self.actual = actual


class ModelNotFoundError(NotFoundError):
    """No model has this name."""


class ModelVersionNotFoundError(NotFoundError):
    """The model has no such version or alias."""


class ModelExistsError(ConflictError):
    """A model with this name already exists."""


class ModelVersionStateError(ConflictError):
    """The version's state forbids the action (promote one not ready, archive the champion)."""


class ForecastNotFoundError(NotFoundError):
    """No trained model covers the series, or the serving version has no fit for it."""

    code = "forecast_not_found"


class ForecastUnavailableError(ConflictError):
    """The serving version skipped or failed on the series; the message carries the reason."""

    code = "forecast_unavailable"


class NothingToTrainError(InvalidInputError):
    """A model's target names no series (an unknown key, a tag nobody carries)."""

    code = "nothing_to_train"


class DatasetNotFoundError(NotFoundError):
    """No dataset has this name, or it has no such version."""


class DatasetVersionConflictError(ConflictError):
    """Another upload of the same dataset took this version number first."""


class ChampionMissingError(ConflictError):
    """A model asked for its champion has none; a version must be promoted first."""

    code = "champion_missing"


class InlinePredictionUnsupportedError(InvalidInputError):
    """The model cannot predict from a history sent inline (only an lstm forecaster can)."""

    code = "inline_prediction_unsupported"


class ResultNotFoundError(NotFoundError):
    """The job has no result file to download (another kind of job, or it did not succeed)."""

    code = "result_not_found"


class ModelNotTabularError(InvalidInputError):
    """The model is not a tabular one, so it cannot predict rows of a file."""

    code = "model_not_tabular"


def short_repr(item: object, limit: int = 40) -> str:
    """A value's repr cut to ``limit`` characters, to quote it in an error message."""
    text = repr(item)
    return text if len(text) <= limit else text[: limit - 3] + "..."
