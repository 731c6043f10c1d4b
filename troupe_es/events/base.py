"""The :class:`Event` base class, volatile fields and the registry of event types.

Every event is a frozen pydantic model whose ``type`` literal equals its class name. Subclasses
register themselves by defining that literal; :func:`event_class` finds a class by its short tag,
which is what the database stores (never a module path).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from troupe_es.events.canonical import to_utc

UtcDatetime = Annotated[datetime, AfterValidator(to_utc)]
"""A datetime normalised to timezone-aware UTC (naive values are taken as UTC)."""

_REGISTRY: dict[str, type["Event"]] = {}

VOLATILE_MARK = "x-volatile"


def volatile(default: Any = None, *, description: str | None = None, **kwargs: Any) -> Any:
    """Declare a payload field volatile: a measurement or execution setting (latency, attempts,
    cache status, wall-clock time, parallelism) that may differ between two executions of the
    same simulation. Volatile fields are stored but left out of ``content_hash``."""
    if "default_factory" not in kwargs:
        kwargs["default"] = default
    return Field(description=description, json_schema_extra={VOLATILE_MARK: True}, **kwargs)


class Event(BaseModel):
    """Base of every event: a frozen, strict record of something that happened.

    Subclasses set ``type: Literal["ClassName"] = "ClassName"`` and, when their payload shape
    changes, bump ``schema_version`` and register an upcaster for the old version.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    schema_version: ClassVar[int] = 1
    volatile_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        type_field = cls.model_fields.get("type")
        tag = type_field.default if type_field is not None else None
        if not isinstance(tag, str) or tag == "":
            return  # an abstract intermediate class
        if tag != cls.__name__:
            raise TypeError(f"event class {cls.__name__} must declare type Literal[{cls.__name__!r}]")
        if tag in _REGISTRY and _REGISTRY[tag].__module__ != cls.__module__:
            raise TypeError(f"event type {tag!r} is defined twice")
        cls.volatile_fields = frozenset(
            name for name, field in cls.model_fields.items()
            if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(VOLATILE_MARK)
        )
        _REGISTRY[tag] = cls

    def payload(self) -> dict[str, Any]:
        """The JSON-compatible payload as stored: every field but ``type``."""
        data = self.model_dump(mode="json")
        del data["type"]
        return data


def event_class(type_: str) -> type[Event] | None:
    """The event class registered under a short type tag, or ``None``."""
    return _REGISTRY.get(type_)


def event_classes() -> dict[str, type[Event]]:
    """All registered event classes by type tag (a copy)."""
    return dict(_REGISTRY)
