"""The facade's side of the scheduler and the workplace: ``World.schedule`` and
``World.workplace`` keyword arguments → ``ScheduleItem`` and ``DefineWorkplace`` commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from troupe_es.commands.schedule import ScheduleItem
from troupe_es.errors import SimulationError
from troupe_es.scenario.schedule import ScheduleSpec, item_arguments


def _plain(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _one_line(exc: ValidationError, where: str) -> SimulationError:
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    return SimulationError(f"{where}: " + (f"{path}: " if path else "") + first["msg"].removeprefix("Value error, "))


def workplace_command(world: str, **spec: Any) -> Any:
    """The ``DefineWorkplace`` command for a workplace given as keyword arguments (validated as a
    scenario's ``workplace:`` section; one-line :class:`SimulationError` when it is wrong)."""
    from troupe_es.commands.workplace import DefineWorkplace
    from troupe_es.scenario.workplace import WorkplaceSpec

    try:
        parsed = WorkplaceSpec.model_validate(spec)
    except ValidationError as exc:
        raise _one_line(exc, "workplace") from None
    return DefineWorkplace(world=world, spec=parsed.model_dump(mode="json", exclude_none=True, by_alias=True))


def item_command(world: str, *, source: str = "user", **fields: Any) -> ScheduleItem:
    """The command for a schedule entry given as keyword arguments (``in_`` stands for ``in``;
    ``tell``/``think``/``see``/``goal`` take ``{"to": ..., "text": ...}``); one-line
    :class:`SimulationError` for a bad entry."""
    entry = {("in" if key == "in_" else key): _plain(value) for key, value in fields.items() if value is not None}
    try:
        spec = ScheduleSpec.model_validate(entry)
    except ValidationError as exc:
        raise _one_line(exc, "schedule") from None
    return ScheduleItem(world=world, **item_arguments(spec, source=source))
