"""The scenario's ``schedule:`` section and the ``schedule:`` / ``cancel:`` script steps.

An entry says *when* (``at``, ``in``, ``every``, ``cron``), *what* (exactly one of
``broadcast``, ``tell``, ``think``, ``see``, ``goal``, or ``kind`` with ``data`` for a
capability that reacts to its own kind) and, optionally, ``id``, ``priority`` and ``deadline``.
docs/schedule.md describes every field; :func:`item_arguments` turns an entry into the plain
arguments of the ``ScheduleItem`` command.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import Field, field_validator, model_validator

from troupe_es.domain.schedule import check_cron
from troupe_es.scenario.model import Say, Strict, TellSpec, parse_duration, utc_naive

ACTIONS = ("broadcast", "tell", "think", "see", "goal", "kind")
_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def _at(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(f"got the number {value!r}: quote a time of day (at: \"09:00\") or give a "
                         "date and time (2026-03-01T09:00)")
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day).isoformat()
    if isinstance(value, datetime):
        return utc_naive(value).isoformat()
    if isinstance(value, str):
        text = value.strip()
        if _TIME_OF_DAY.match(text):
            return text
        try:
            return utc_naive(datetime.fromisoformat(text)).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is neither a time of day (09:00) nor a date and time "
                             "(2026-03-01T09:00)") from None
    raise ValueError(f"expected a time, got {type(value).__name__}")


def _duration(value: Any) -> Any:
    if value is not None:
        parse_duration(value)
    return value


class ScheduleSpec(Strict):
    """One scheduled item (see the module docstring)."""

    id: str | None = Field(default=None, min_length=1, max_length=200)
    at: str | None = None
    in_: str | float | None = Field(default=None, alias="in")
    every: str | float | None = None
    cron: str | None = None
    priority: int = Field(default=0, ge=-1_000_000, le=1_000_000)
    deadline: str | float | None = None
    broadcast: str | None = None
    tell: TellSpec | None = None
    think: Say | None = None
    see: Say | None = None
    goal: Say | None = None
    kind: str | None = Field(default=None, min_length=1, max_length=100)
    data: dict[str, Any] | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _valid_at(cls, value: Any) -> Any:
        return None if value is None else _at(value)

    @field_validator("in_", "every")
    @classmethod
    def _valid_duration(cls, value: Any) -> Any:
        return _duration(value)

    @field_validator("deadline", mode="before")
    @classmethod
    def _valid_deadline(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("0", "0s", "0m", "0h"):
            return 0  # no lateness allowed at all
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not 0 <= value < float("inf"):
                raise ValueError(f"a deadline is a duration >= 0, got {value!r}")
            return value
        if value is None:
            return value
        if isinstance(value, datetime):
            return utc_naive(value).isoformat()
        try:
            return _duration(value)
        except ValueError:
            try:
                return utc_naive(datetime.fromisoformat(str(value))).isoformat()
            except ValueError:
                raise ValueError(f"{value!r} is neither a duration (30m) nor a date and time") from None

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @model_validator(mode="after")
    def _consistent(self) -> "ScheduleSpec":
        actions = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(actions) != 1:
            raise ValueError("give exactly one of " + ", ".join(ACTIONS)
                             + (f" (got {', '.join(actions)})" if actions else ""))
        if self.data is not None and self.kind is None:
            raise ValueError("data goes with kind (data for a kind another capability reacts to)")
        if self.at is None and self.in_ is None and self.every is None and self.cron is None:
            raise ValueError("say when: give at, in, every or cron")
        if self.at is not None and self.in_ is not None:
            raise ValueError("give at or in, not both")
        if self.cron is not None and (self.every is not None or self.at is not None or self.in_ is not None):
            raise ValueError("cron says when by itself: drop at, in and every")
        return self

    def agent_refs(self) -> list[tuple[str, str]]:
        """``(field path, agent name)`` pairs the entry names."""
        return [(f"{name}.to", target.to) for name in ("tell", "think", "see", "goal")
                if (target := getattr(self, name)) is not None]


def item_arguments(spec: ScheduleSpec | dict[str, Any], *, source: str) -> dict[str, Any]:
    """The ``ScheduleItem`` command's arguments (world excepted) for a schedule entry."""
    if isinstance(spec, dict):
        spec = ScheduleSpec.model_validate(spec)
    if spec.broadcast is not None:
        kind, data = "broadcast", {"text": spec.broadcast}
    elif spec.kind is not None:
        kind, data = spec.kind, dict(spec.data or {})
    else:
        kind = next(name for name in ("tell", "think", "see", "goal") if getattr(spec, name) is not None)
        data = getattr(spec, kind).model_dump(mode="json", exclude_none=True, by_alias=True)
    deadline_seconds = deadline_at = None
    if spec.deadline is not None:
        if isinstance(spec.deadline, str) and "T" in spec.deadline:
            deadline_at = spec.deadline
        elif isinstance(spec.deadline, (int, float)):
            deadline_seconds = float(spec.deadline)
        else:
            deadline_seconds = parse_duration(spec.deadline).total_seconds()
    return {"id": spec.id, "at": spec.at,
            "in_seconds": parse_duration(spec.in_).total_seconds() if spec.in_ is not None else None,
            "every_seconds": parse_duration(spec.every).total_seconds() if spec.every is not None else None,
            "cron": spec.cron, "priority": spec.priority, "deadline_seconds": deadline_seconds,
            "deadline_at": deadline_at, "kind": kind, "data": data, "source": source}


def check_schedule(entries: list[ScheduleSpec], script: list[Any], check: Any, where: str) -> None:
    """Agents named by schedule entries exist (``check(path, name)`` raises), ids are unique, and
    every ``cancel:`` names an id scheduled before it."""
    from troupe_es.errors import ScenarioError

    ids: set[str] = set()

    def add(path: str, entry: ScheduleSpec) -> None:
        for ref_path, name in entry.agent_refs():
            check(f"{path}.{ref_path}", name)
        if entry.id is not None:
            if entry.id in ids:
                raise ScenarioError(f"{where}: {path}.id: duplicate schedule id {entry.id!r}")
            ids.add(entry.id)

    for i, entry in enumerate(entries):
        add(f"schedule[{i}]", entry)
    for i, step in enumerate(script):
        if getattr(step, "kind", None) == "schedule":
            add(f"script[{i}].schedule", step.schedule)
        elif getattr(step, "kind", None) == "cancel" and step.cancel not in ids:
            known = ", ".join(sorted(ids)) or "none"
            raise ScenarioError(f"{where}: script[{i}].cancel: no schedule item with id {step.cancel!r} "
                                f"before this line (ids: {known})")
