"""The facade's side of the scheduler: ``World.schedule`` keyword arguments → ``ScheduleItem``."""

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


def item_command(world: str, *, source: str = "user", **fields: Any) -> ScheduleItem:
    """The command for a schedule entry given as keyword arguments (``in_`` stands for ``in``;
    ``tell``/``think``/``see``/``goal`` take ``{"to": ..., "text": ...}``); one-line
    :class:`SimulationError` for a bad entry."""
    entry = {("in" if key == "in_" else key): _plain(value) for key, value in fields.items() if value is not None}
    try:
        spec = ScheduleSpec.model_validate(entry)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "schedule"
        raise SimulationError(f"schedule: {where}: {first['msg']}") from None
    return ScheduleItem(world=world, **item_arguments(spec, source=source))
