"""``/v1/schedules``: periodic jobs kept in the database, editable while the scheduler runs."""

from fastapi import APIRouter, Response, status

from preditiva.api.deps import CeleryDep, SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.job_answers import publish_and_read
from preditiva.api.schemas.jobs import JobRead
from preditiva.api.schemas.schedules import (
    ScheduleCreate,
    ScheduleList,
    ScheduleRead,
    ScheduleUpdate,
)
from preditiva.services import schedules

router = APIRouter(prefix="/v1/schedules", tags=["schedules"])


@router.get("", response_model=ScheduleList)
def list_schedules(
    session: SessionDep, enabled: bool | None = None, kind: str | None = None
) -> ScheduleList:
    """Every schedule by name, optionally only enabled (or disabled) ones, or one kind."""
    rows = schedules.list_schedules(session, enabled=enabled, kind=kind)
    return ScheduleList(items=[ScheduleRead.model_validate(row) for row in rows])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ScheduleRead)
def create_schedule(body: ScheduleCreate, session: SessionDep) -> ScheduleRead:
    """Add a schedule (409 if the name is taken; 422 naming a bad field)."""
    schedule = schedules.create(session, **body.model_dump())
    session.commit()
    return ScheduleRead.model_validate(schedule)


@router.get("/{name}", response_model=ScheduleRead)
def get_schedule(name: str, session: SessionDep) -> ScheduleRead:
    """One schedule."""
    return ScheduleRead.model_validate(schedules.get(session, name))


@router.patch("/{name}", response_model=ScheduleRead)
def update_schedule(name: str, body: ScheduleUpdate, session: SessionDep) -> ScheduleRead:
    """Change the fields sent; the running scheduler picks the change up within a second."""
    schedule = schedules.update(session, name, body.model_dump(exclude_unset=True))
    session.commit()
    return ScheduleRead.model_validate(schedule)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_schedule(name: str, session: SessionDep) -> Response:
    """Remove a schedule; the jobs it made stay."""
    schedules.delete(session, name)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{name}/run", status_code=status.HTTP_202_ACCEPTED, response_model=JobRead)
def run_schedule(
    name: str,
    session: SessionDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    settings: SettingsDep,
) -> JobRead:
    """Submit the schedule's job now, enabled or not; its next tick does not move."""
    job = schedules.run_now(session, name, default_max_attempts=settings.max_attempts)
    session.commit()
    return publish_and_read(session, factory, celery, job.id)
