"""OpenAI (and any OpenAI-compatible server, and Azure OpenAI) through the ``openai`` SDK.

One client — one HTTP connection pool — per provider, shared by every call and thread. The
SDK's own retries are off: the gateway retries, so every attempt is recorded. The API key comes
from the environment only and never appears in events or error messages.

Answers are read from the raw HTTP body (:mod:`troupe_es.llm.answers`), never trusted: an HTTP
200 carrying an HTML page, a body that is not JSON, ``{}``, no ``choices`` or an error object
becomes a transient :class:`~troupe_es.errors.ProviderHTTPError` with the status and a snippet
of the body, which the gateway retries and records like any other failed attempt.
"""

from __future__ import annotations

import email.utils
import os
from datetime import datetime, timezone
from typing import Any

from troupe_es.errors import ConfigurationError, ProviderHTTPError
from troupe_es.llm.answers import chat_answer, embedding_answer
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
        self._key = key
        self.base_url = base_url

    def _error(self, exc: Exception) -> ProviderHTTPError:
        openai = self._openai
        if isinstance(exc, openai.APITimeoutError):
            return ProviderHTTPError("request timed out", transient=True, kind="timeout")
        if isinstance(exc, openai.APIConnectionError):
            return self._connection_error(exc)
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            return ProviderHTTPError(f"HTTP {status}", status_code=status,
                                     retry_after=_retry_after(getattr(exc.response, "headers", None)),
                                     transient=status in TRANSIENT_STATUS)
        return ProviderHTTPError(f"{type(exc).__name__}", transient=False)

    def _connection_error(self, exc: Exception) -> ProviderHTTPError:
        """Nothing accepted the connection (``connect``), or it broke mid-answer (``transport``)."""
        import httpx

        cause = exc.__cause__ or exc.__context__
        request = getattr(exc, "request", None)
        where = f"{request.url.host}:{request.url.port or ''}".rstrip(":") if request is not None else "the server"
        if isinstance(cause, httpx.ConnectError):
            return ProviderHTTPError(f"cannot connect to {where}", transient=True, kind="connect")
        detail = f" ({type(cause).__name__})" if cause is not None else ""
        return ProviderHTTPError(f"connection to {where} broke{detail}", transient=True, kind="transport")

    def _post(self, endpoint: Any, **kwargs: Any) -> tuple[int, bytes]:
        """POST through the SDK (its error statuses, timeouts and headers) and return the raw body."""
        try:
            raw = endpoint.with_raw_response.create(**kwargs)
        except self._openai.OpenAIError as exc:
            raise self._error(exc) from None
        return raw.status_code, raw.content

    def complete(self, request: ChatRequest, timeout: float) -> ProviderResponse:
        kwargs: dict[str, Any] = {k: v for k, v in request.parameters.items() if k in _PASSTHROUGH}
        if request.response_schema is not None:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.schema_name or "output", "schema": request.response_schema, "strict": True}}
        if request.tools:
            kwargs["tools"] = request.tools
        status, body = self._post(self._client.chat.completions, model=request.model, messages=request.messages,
                                  timeout=timeout, **kwargs)
        return chat_answer(status, body, request.model, secret=self._key)

    def embed(self, texts: list[str], model: str, timeout: float) -> tuple[list[list[float]], int]:
        status, body = self._post(self._client.embeddings, model=model, input=texts, encoding_format="float",
                                  timeout=timeout)
        return embedding_answer(status, body, len(texts), secret=self._key)

    def close(self) -> None:
        self._client.close()
