"""The LLM gateway and its providers: every model call goes through :class:`LLMGateway`."""

from __future__ import annotations

from typing import Any

from troupe_es.errors import ConfigurationError
from troupe_es.llm.budget import Budget
from troupe_es.llm.cache import CacheStats, CompletionCache, LogScanCache
from troupe_es.llm.gateway import LLMGateway
from troupe_es.llm.mock import MockProvider
from troupe_es.llm.prices import PriceTable
from troupe_es.llm.provider import Provider, ProviderResponse
from troupe_es.llm.request import CallContext, ChatRequest, ChatResult, request_key, strict_schema
from troupe_es.llm.retry import RetryPolicy


def make_provider(kind: str, *, model: str | None = None, base_url: str | None = None, **options: Any) -> Provider:
    """``mock`` (in-process, deterministic) or ``openai`` (the SDK; any compatible ``base_url``;
    Azure OpenAI when ``AZURE_OPENAI_ENDPOINT`` is set). ``options`` go to the provider's
    constructor (mock: ``latency_ms``, ``error_rate``, ``malformed_rate``, ...; openai: ``timeout``,
    ``max_connections``). ``model`` is the run's default model, kept by the caller's requests."""
    if kind == "mock":
        return MockProvider(**options)
    if kind == "openai":
        from troupe_es.llm.openai_provider import OpenAIProvider

        return OpenAIProvider(base_url=base_url, **options)
    raise ConfigurationError(f"unknown provider {kind!r}: use mock or openai")


__all__ = ["Budget", "CacheStats", "CallContext", "ChatRequest", "ChatResult", "CompletionCache", "LLMGateway",
           "LogScanCache", "MockProvider", "PriceTable", "Provider", "ProviderResponse", "RetryPolicy", "make_provider", "request_key",
           "strict_schema"]
