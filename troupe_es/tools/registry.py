"""The tool registry: tool kits by name (``email`` holds ``email_send``, ``email_reply``, ...),
with discovery (``troupe-es tools``). The composition root registers the core kits
(:func:`core_registry`); a scenario adds its own under ``tools.custom``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from troupe_es.errors import ConfigurationError
from troupe_es.tools.base import Tool


class ToolRegistry:
    """Tool classes by kit and by name."""

    def __init__(self) -> None:
        self.kits: dict[str, tuple[Any, ...]] = {}
        self.by_name: dict[str, Any] = {}

    def register(self, kit: str, tools: Iterable[type[Tool] | Tool]) -> None:
        """Register the tools of ``kit``: classes, or instances (a chain built in Python). A tool
        name is unique across kits."""
        classes = tuple(tools)
        for cls in classes:
            check_tool(cls)
            if cls.name in self.by_name and self.by_name[cls.name] is not cls:
                raise ConfigurationError(f"tool {cls.name!r} is registered twice")
            self.by_name[cls.name] = cls
        self.kits[kit] = classes

    def copy(self) -> "ToolRegistry":
        other = ToolRegistry()
        other.kits, other.by_name = dict(self.kits), dict(self.by_name)
        return other

    def describe(self) -> list[dict[str, Any]]:
        """Every tool: kit, name, description, capabilities, argument and result schemas."""
        return [{"kit": kit, **instance(cls).describe()} for kit, classes in self.kits.items() for cls in classes]


def instance(entry: Any) -> Tool:
    """A registered tool as an instance (a class is instantiated, an instance kept)."""
    return entry() if isinstance(entry, type) else entry


RESERVED_ARGUMENTS = frozenset({"title", "default"})
"""Argument names the strict schema (``troupe_es.llm.request.strict_schema``) would drop."""


def check_tool(cls: Any) -> None:
    """Refuse a class that is not a complete tool (a clear error, not a crash at run time)."""
    import re

    from pydantic import BaseModel

    if not ((isinstance(cls, type) and issubclass(cls, Tool)) or isinstance(cls, Tool)):
        raise ConfigurationError(f"{cls!r} is not a Tool class (or a chain)")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,47}", cls.name or ""):
        raise ConfigurationError(f"tool {getattr(cls, '__name__', cls)}: name {cls.name!r} must be lower_snake_case")
    for part in ("Arguments", "Result"):
        model = getattr(cls, part, None)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise ConfigurationError(f"tool {cls.name}: {part} must be a pydantic model")
    if not cls.description:
        raise ConfigurationError(f"tool {cls.name}: a description is required")
    reserved = RESERVED_ARGUMENTS & set(cls.Arguments.model_fields)
    if reserved:
        raise ConfigurationError(f"tool {cls.name}: argument name(s) {', '.join(sorted(reserved))} cannot be used "
                                 "(the strict JSON schema drops them): rename them")


def core_registry() -> ToolRegistry:
    """A registry holding the core kits: email, web_search, database, calendar, word_processor."""
    from troupe_es.tools.calendar import CALENDAR_TOOLS
    from troupe_es.tools.database import DatabaseQuery
    from troupe_es.tools.documents import WORD_PROCESSOR_TOOLS
    from troupe_es.tools.email import EMAIL_TOOLS
    from troupe_es.tools.search import WebSearch

    registry = ToolRegistry()
    registry.register("email", EMAIL_TOOLS)
    registry.register("web_search", (WebSearch,))
    registry.register("database", (DatabaseQuery,))
    registry.register("calendar", CALENDAR_TOOLS)
    registry.register("word_processor", WORD_PROCESSOR_TOOLS)
    return registry
