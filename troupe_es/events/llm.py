"""LLM call events: every model call is requested, then completed or failed, in the log."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.events.base import Event, volatile


class LLMAttempt(BaseModel):
    """One failed attempt inside an LLM call (kept for the audit; not an event of its own)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    attempt: int
    error: str
    status_code: int | None = None
    delay_s: float | None = Field(default=None, description="Seconds waited before the next attempt "
                                  "(the server's Retry-After when it sent one); None when this was the last.")


class LLMCallRequested(Event):
    """A model call was asked for. ``request_key`` is the sha256 of the provider-neutral request
    plus the run's seed: the key of the content-hashed cache and of strict replay."""

    type: Literal["LLMCallRequested"] = "LLMCallRequested"
    call_id: str = Field(description="Deterministic id of the call within the run.")
    request_key: str
    provider: str
    model: str = Field(description="Requested model.")
    messages: list[dict[str, Any]]
    parameters: dict[str, Any] = Field(default_factory=dict)
    response_schema: dict[str, Any] | None = Field(default=None, description="JSON schema of the expected output.")
    tools: list[dict[str, Any]] | None = None
    purpose: str = Field(default="chat", description="What the call is for: turn, embedding, ...")
    agent: str | None = None
    step: int | None = None
    cache_mode: str | None = volatile(description="live, cache or replay: an execution setting.")


class LLMCallCompleted(Event):
    """A model call returned. Tokens and cost are those of the completion as produced;
    ``cache_status`` says whether this execution paid for it."""

    type: Literal["LLMCallCompleted"] = "LLMCallCompleted"
    call_id: str
    request_key: str
    provider: str
    model: str = Field(description="Model that answered (as returned by the provider).")
    response_text: str
    parsed: Any = Field(default=None, description="Validated structured output, if a schema was given.")
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = Field(default=None, description="What the provider charges: the price table's list "
                                                             "price (0 for the mock LLM); null for unknown models.")
    latency_ms: float | None = volatile(description="Wall-clock latency of this execution.")
    attempts: int = volatile(default=1, description="Attempts this execution needed.")
    attempt_errors: list[LLMAttempt] = volatile(default_factory=list, description="Errors of failed attempts.")
    cache_status: str = volatile(default="miss", description="miss, hit, semantic or replay.")
    similarity: float | None = volatile(
        default=None, description="A semantic cache hit: cosine similarity of the two requests.")
    reused_call_id: str | None = volatile(default=None, description="A semantic cache hit: the call reused.")


class LLMCallFailed(Event):
    """A model call failed for good: provider errors after every retry, or invalid output.
    Attempts that were answered were paid for: their tokens and cost are recorded here."""

    type: Literal["LLMCallFailed"] = "LLMCallFailed"
    call_id: str
    request_key: str
    provider: str
    model: str
    error_type: str
    error: str = Field(description="What went wrong for good (the last attempt's error), without attempt counts.")
    input_tokens: int = Field(default=0, description="Prompt tokens of the attempts that were answered (paid).")
    output_tokens: int = Field(default=0, description="Output tokens of the attempts that were answered (paid).")
    cost_usd: float | None = Field(default=0.0, description="Cost of the paid attempts; null for unknown models.")
    latency_ms: float | None = volatile(description="Wall-clock time spent on every attempt.")
    attempts: int = volatile(default=1)
    attempt_errors: list[LLMAttempt] = volatile(default_factory=list)


class CacheEntryRejected(Event):
    """A recorded completion was not reused from the cache because it failed its integrity check:
    its content hash or its chain link no longer matches the stored row (it was changed behind
    the store's back). The lookup counted as a miss and the call went to the provider."""

    type: Literal["CacheEntryRejected"] = "CacheEntryRejected"
    call_id: str = Field(description="The call whose cache lookup found the entry.")
    request_key: str
    position: int = Field(description="Position of the rejected LLMCallCompleted in the log.")
    reason: str = Field(description="What did not match.")
