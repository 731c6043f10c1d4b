"""Provider-neutral requests, call context, results, the request key and strict JSON schemas."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.events.canonical import canonical_json, sha256_hex
from troupe_es.events.envelope import NewEvent


class ChatRequest(BaseModel):
    """A chat completion request, independent of any provider."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    model: str
    messages: list[dict[str, Any]]
    parameters: dict[str, Any] = Field(default_factory=dict)
    response_schema: dict[str, Any] | None = None
    schema_name: str | None = None
    tools: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class CallContext:
    """Who makes a call and why: recorded with it, never part of its key (but the seed)."""

    run_id: str
    seed: int
    call_id: str
    agent: str | None = None
    step: int | None = None
    sim_time: datetime | None = None
    causation_id: str | None = None
    purpose: str = "chat"


@dataclass(frozen=True)
class ChatResult:
    """A completed call: the text, the validated output and what it cost."""

    text: str
    parsed: Any
    model: str
    finish_reason: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    cache_status: str
    request_key: str
    events: list[NewEvent]


def request_key(request: ChatRequest, seed: int, provider: dict[str, Any] | None = None) -> str:
    """sha256 of the canonical JSON of the provider-neutral request, the run's seed and the
    provider's identity (kind and endpoint, see :mod:`troupe_es.llm.identity`), so answers are
    never shared across providers. ``provider=None`` gives the key of runs recorded before
    identities existed."""
    body = request.model_dump(mode="json")
    body["seed"] = seed
    if provider is not None:
        body["provider"] = provider
    return sha256_hex(canonical_json(body))


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema made OpenAI-strict: no extra properties, every property required,
    references inlined. (Computed once per model class; a fresh copy is returned.)"""
    return copy.deepcopy(_strict_schema(model))


@functools.lru_cache(maxsize=256)
def _strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]])
                return fix(target)
            node = {k: fix(v) for k, v in node.items() if k not in ("title", "default")}
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            return node
        if isinstance(node, list):
            return [fix(x) for x in node]
        return node

    return fix(schema)
