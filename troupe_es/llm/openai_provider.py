"""OpenAI (and any OpenAI-compatible server, and Azure OpenAI) through the ``openai`` SDK.

One client — one HTTP connection pool — per provider, shared by every call and thread. The
SDK's own retries are off: the gateway retries, so every attempt is recorded. The API key comes
from the environment only and never appears in events or error messages.
"""

from __future__ import annotations

import email.utils
import os
from datetime import datetime, timezone
from typing import Any

from troupe_es.errors import ConfigurationError, ProviderHTTPError
from troupe_es.llm.provider import ProviderResponse
from troupe_es.llm.request import ChatRequest
from troupe_es.llm.retry import TRANSIENT_STATUS

_PASSTHROUGH = ("temperature", "max_tokens", "top_p", "presence_penalty", "frequency_penalty", "stop")


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    try:
        if (millis := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(millis) / 1000)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class OpenAIProvider:
    """Chat completions with structured output, and embeddings, via the openai SDK."""

    name = "openai"

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None, timeout: float = 60.0,
                 max_connections: int = 64, model: str | None = None) -> None:
        import httpx
        import openai

        azure_endpoint = os.environ.get("AZURE_OPENAI_ENDPOINT")
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        http_client = httpx.Client(limits=limits, timeout=timeout)
        if azure_endpoint and not base_url:
            key = api_key or os.environ.get("AZURE_OPENAI_API_KEY")
            if not key:
                raise ConfigurationError("AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is not")
            self.name = "azure-openai"
            self._client = openai.AzureOpenAI(
                azure_endpoint=azure_endpoint, api_key=key, max_retries=0, http_client=http_client,
                api_version=os.environ.get("OPENAI_API_VERSION", "2024-10-21"))
        else:
            base_url = base_url or os.environ.get("OPENAI_BASE_URL")
            key = api_key or os.environ.get("OPENAI_API_KEY")
            if not key:
                if base_url is None:
                    raise ConfigurationError("OPENAI_API_KEY is not set (or give --base-url for a local "
                                             "OpenAI-compatible server)")
                key = "not-needed"  # local servers (Ollama, vLLM, the mock) ignore it
            self._client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, http_client=http_client)
        self._openai = openai
        self.base_url = base_url

    def _error(self, exc: Exception) -> ProviderHTTPError:
        openai = self._openai
        if isinstance(exc, openai.APITimeoutError):
            return ProviderHTTPError("request timed out", transient=True)
        if isinstance(exc, openai.APIConnectionError):
            return ProviderHTTPError("connection error", transient=True)
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            return ProviderHTTPError(f"HTTP {status}", status_code=status,
                                     retry_after=_retry_after(getattr(exc.response, "headers", None)),
                                     transient=status in TRANSIENT_STATUS)
        return ProviderHTTPError(f"{type(exc).__name__}", transient=False)

    def complete(self, request: ChatRequest, timeout: float) -> ProviderResponse:
        kwargs: dict[str, Any] = {k: v for k, v in request.parameters.items() if k in _PASSTHROUGH}
        if request.response_schema is not None:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.schema_name or "output", "schema": request.response_schema, "strict": True}}
        if request.tools:
            kwargs["tools"] = request.tools
        try:
            response = self._client.chat.completions.create(
                model=request.model, messages=request.messages, timeout=timeout, **kwargs)
        except self._openai.OpenAIError as exc:
            raise self._error(exc) from None
        choice = response.choices[0]
        usage = response.usage
        return ProviderResponse(
            text=choice.message.content or "", model=response.model or request.model,
            finish_reason=choice.finish_reason,
            input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            output_tokens=getattr(usage, "completion_tokens", 0) or 0)

    def embed(self, texts: list[str], model: str, timeout: float) -> tuple[list[list[float]], int]:
        try:
            response = self._client.embeddings.create(model=model, input=texts, timeout=timeout)
        except self._openai.OpenAIError as exc:
            raise self._error(exc) from None
        tokens = getattr(response.usage, "prompt_tokens", 0) or 0
        return [list(d.embedding) for d in response.data], tokens

    def close(self) -> None:
        self._client.close()
