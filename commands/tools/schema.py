"""The turn's ``tool_calls`` output field: a list whose items are one of the agent's tools'
calls, ``{"tool": NAME, "arguments": {...}}``, the arguments' JSON schema generated from the
tool's argument model. The schema is OpenAI-strict (every property required, no extra ones,
no ``$ref``), so a model can only produce well-typed calls; validation of the turn is lenient
(a call that does not fit becomes a ``ToolReturned`` error the agent sees, never a failed turn).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, create_model

from troupe_es.llm.request import strict_schema
from troupe_es.tools.base import Tool

FIELD = "tool_calls"


class _JsonSchema:
    """Annotation metadata giving a field a fixed JSON schema (hashable by identity)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return self.schema


UNSUPPORTED = ("minLength", "maxLength")
"""Keywords OpenAI's strict mode does not accept: dropped from the schema, still validated here."""


def _supported(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _supported(v) for k, v in node.items() if k not in UNSUPPORTED}
    if isinstance(node, list):
        return [_supported(v) for v in node]
    return node


def call_schema(tool: Tool) -> dict[str, Any]:
    """The strict JSON schema of one call of ``tool``."""
    model = create_model(f"{tool.name}_call", tool=(Literal[tool.name], Field(description=tool.description)),
                         arguments=(tool.Arguments, ...))  # type: ignore[call-overload]
    return _supported(strict_schema(model))


@lru_cache(maxsize=128)
def calls_field(tools: tuple[Tool, ...]) -> tuple[Any, Any]:
    """``(annotation, FieldInfo)`` of the ``tool_calls`` field for ``tools`` (cached, so the
    turn's composed model is too)."""
    options = [call_schema(t) for t in tools]
    items = options[0] if len(options) == 1 else {"anyOf": options}
    schema = {"type": "array", "items": items,
              "description": "Tool calls to make now, in order (an empty list for none). Results reach you "
                             "before your next turn."}
    annotation = Annotated[list[dict[str, Any]], _JsonSchema(schema)]
    return annotation, Field(default_factory=list, description=schema["description"])


def calls_of(output: Any) -> Sequence[Any]:
    """The raw tool calls of a turn's output (empty when it has none)."""
    calls = getattr(output, FIELD, None)
    return calls if isinstance(calls, list) else []
