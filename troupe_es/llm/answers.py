"""Reading an OpenAI-compatible server's answer from its raw body, trusting nothing.

Servers and proxies in front of them do answer HTTP 200 with an HTML error page, plain text,
``{}``, an empty ``choices`` list or ``{"error": ...}``. Each of these becomes a transient
:class:`~troupe_es.errors.ProviderHTTPError` (kind ``"body"``) naming the status and quoting the
start of the body, so the gateway retries it and the audit shows what the server said. The API
key is blanked out of the quote, in case a server echoes the request's headers.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

import orjson

from troupe_es.errors import ProviderHTTPError
from troupe_es.llm.provider import ProviderResponse

SNIPPET_CHARS = 160


def snippet(body: bytes, secret: str | None = None) -> str:
    """The start of ``body`` on one line (at most :data:`SNIPPET_CHARS`), ``secret`` blanked."""
    text = " ".join(body[:65536].decode("utf-8", errors="replace").split())  # blank before cutting
    if secret:
        text = text.replace(secret, "[redacted]")
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def _bad(status: int, what: str, body: bytes, secret: str | None) -> ProviderHTTPError:
    quoted = snippet(body, secret)
    return ProviderHTTPError(f"HTTP {status} with {what}: " + (f"'{quoted}'" if quoted else "an empty body"),
                             status_code=status, transient=True, kind="body")


def _json_object(status: int, body: bytes, secret: str | None) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _bad(status, "a body that is not JSON", body, secret) from None
    if not isinstance(data, dict):
        raise _bad(status, "a body that is not a JSON object", body, secret)
    if data.get("error") is not None:
        raise _bad(status, "an error object", body, secret)
    return data


def _tokens(usage: Any, name: str) -> int:
    value = usage.get(name) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and value >= 0 else 0


def chat_answer(status: int, body: bytes, requested_model: str, *, secret: str | None = None) -> ProviderResponse:
    """The completion in a ``/chat/completions`` body, or a transient error saying what is wrong."""
    data = _json_object(status, body, secret)
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        raise _bad(status, "no choices", body, secret)
    choice = choices[0]
    message = choice.get("message") if isinstance(choice, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(message, dict) or not isinstance(content, (str, type(None))):
        raise _bad(status, "a choice without a message", body, secret)
    model = data.get("model")
    finish = choice.get("finish_reason")
    usage = data.get("usage")
    return ProviderResponse(text=content or "", model=model if isinstance(model, str) and model else requested_model,
                            finish_reason=finish if isinstance(finish, str) else None,
                            input_tokens=_tokens(usage, "prompt_tokens"),
                            output_tokens=_tokens(usage, "completion_tokens"))


def _vector(value: Any) -> list[float] | None:
    if isinstance(value, str):  # encoding_format "base64": little-endian float32
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return None
        return list(struct.unpack(f"<{len(raw) // 4}f", raw)) if raw and len(raw) % 4 == 0 else None
    if isinstance(value, list) and value and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                 for x in value):
        return [float(x) for x in value]
    return None


def embedding_answer(status: int, body: bytes, expected: int, *,
                     secret: str | None = None) -> tuple[list[list[float]], int]:
    """The ``expected`` vectors (in input order) and prompt tokens of an ``/embeddings`` body."""
    data = _json_object(status, body, secret)
    items = data.get("data")
    if not isinstance(items, list) or len(items) != expected or not all(isinstance(i, dict) for i in items):
        raise _bad(status, f"no list of {expected} embedding(s)", body, secret)
    ordered = sorted(items, key=lambda i: i.get("index") if isinstance(i.get("index"), int) else 0)
    vectors = [_vector(i.get("embedding")) for i in ordered]
    if any(v is None for v in vectors):
        raise _bad(status, "an embedding that is not a list of numbers", body, secret)
    return vectors, _tokens(data.get("usage"), "prompt_tokens")  # type: ignore[return-value]
