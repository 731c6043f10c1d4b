"""The provider port: what a model backend must do, and the response it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from troupe_es.llm.request import ChatRequest


@dataclass(frozen=True)
class ProviderResponse:
    """One raw completion from a provider."""

    text: str
    model: str
    finish_reason: str | None
    input_tokens: int
    output_tokens: int


class Provider(Protocol):
    """A model backend. ``complete`` and ``embed`` raise :class:`~troupe_es.errors.ProviderHTTPError`
    on failure, with ``transient`` set for 429/5xx, timeouts, connection errors and answers that
    are not a usable completion, and ``kind`` saying which (``connect`` gets fewer retries).
    ``timeout`` is the attempt's timeout in seconds, already cut to the call's deadline."""

    name: str

    def complete(self, request: ChatRequest, timeout: float) -> ProviderResponse: ...

    def embed(self, texts: list[str], model: str, timeout: float) -> tuple[list[list[float]], int]: ...

    def close(self) -> None: ...
