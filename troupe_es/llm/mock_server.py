"""An OpenAI-compatible HTTP server around the deterministic mock LLM.

``/v1/chat/completions`` (including ``json_schema`` response formats), ``/v1/embeddings``,
``/v1/models`` and ``/stats`` (request counters, so tests can prove zero network traffic).
Injected faults answer 429 (with ``Retry-After`` in whole seconds and ``retry-after-ms``, as
OpenAI does), 500 or any configured HTTP error status, or (chat only) return truncated JSON.
Hostile answers imitate broken servers and proxies: HTTP 200 with an HTML page (``html``), plain
text (``text``), ``{}`` (``empty-object``), an empty ``choices`` list (``no-choices``), an error
object (``error-object``), or no answer at all (``hang``, until the server stops). Every fault is
deterministic per request body and attempt; ``hostile_attempts`` limits hostile answers to the
first N attempts of each request, so a retry can succeed. Latency is slept per request in its
own thread, so concurrent requests overlap. Embeddings honour ``encoding_format`` (the SDK asks
for base64). Loopback only by default; request headers (the API key) are never echoed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from troupe_es.llm.mock import ERROR_KINDS, FaultPlan, count_tokens, mock_completion, mock_embedding
from troupe_es.llm.mock_vision import prompt_text
from troupe_es.llm.request import ChatRequest

_PARAMS = ("temperature", "max_tokens", "top_p", "presence_penalty", "frequency_penalty", "stop", "seed")

_HTML = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
         "<p>The upstream model server did not answer.</p><hr><address>mock-proxy</address></body></html>")
HOSTILE_BODIES: dict[str, tuple[str, bytes]] = {
    "html": ("text/html; charset=utf-8", _HTML.encode()),
    "text": ("text/plain", b"upstream connect error or disconnect/reset before headers"),
    "empty-object": ("application/json", b"{}"),
    "no-choices": ("application/json", b'{"id": "chatcmpl-mock-empty", "object": "chat.completion", '
                                       b'"created": 0, "model": "gpt-4o-mini", "choices": [], "data": []}'),
    "error-object": ("application/json", b'{"error": {"message": "The model is overloaded, try again later.", '
                                         b'"type": "server_error", "code": null}}'),
}
"""Content type and body of each hostile answer (all sent with HTTP 200)."""
HOSTILE_KINDS = (*HOSTILE_BODIES, "hang")


@dataclass
class MockServerConfig:
    """Behaviour of the mock server."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    malformed_rate: float = 0.0
    retry_after: float = 1.0
    seed: int = 0
    error_kinds: tuple[str, ...] = ERROR_KINDS
    hostile: tuple[str, ...] = ()
    hostile_rate: float = 1.0
    hostile_attempts: int = 0

    def __post_init__(self) -> None:
        unknown = [k for k in self.hostile if k not in HOSTILE_KINDS]
        if unknown:
            raise ValueError(f"unknown hostile answer {unknown[0]!r}: use {', '.join(HOSTILE_KINDS)}")


@dataclass
class Counters:
    """Requests served, by endpoint (thread-safe increments); ``with_key`` counts requests that
    carried an API key (``Authorization: Bearer`` or ``api-key``), whose value is never kept."""

    total: int = 0
    chat: int = 0
    embeddings: int = 0
    errors: int = 0
    hostile: int = 0
    with_key: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def bump(self, name: str, *, total: bool = True) -> None:
        with self.lock:
            self.total += total
            setattr(self, name, getattr(self, name) + 1)

    def as_dict(self) -> dict[str, int]:
        return {"requests": self.total, "chat": self.chat, "embeddings": self.embeddings, "errors": self.errors,
                "hostile": self.hostile, "with_key": self.with_key}


def _base64_floats(vector: list[float]) -> str:
    """A vector as OpenAI sends it for ``encoding_format: base64``: little-endian float32."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def retry_after_headers(seconds: float) -> dict[str, str]:
    """``Retry-After`` (whole seconds, rounded up, as HTTP requires) and ``retry-after-ms``."""
    return {"Retry-After": str(math.ceil(seconds)), "retry-after-ms": str(round(seconds * 1000))}


def _handler(config: MockServerConfig, counters: Counters, faults: FaultPlan,
             stopping: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stalls
        server_version = "troupe-es-mock/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
            return

        def _send(self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None,
                  content_type: str = "application/json") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            return json.loads(raw or b"{}")

        def _route(self) -> str:
            """The path without its query string (Azure adds ``?api-version=...``)."""
            return self.path.split("?", 1)[0].rstrip("/")

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            if self._route() in ("/v1/models", "/models"):
                self._send(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "troupe-es-mock"}
                    for m in ("gpt-4o-mini", "gpt-4o", "mock-embedding")]})
            elif self._route() == "/stats":
                self._send(200, counters.as_dict())
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            path = self._route()
            try:
                body = self._body()
            except json.JSONDecodeError:
                self._send(400, {"error": {"message": "invalid JSON body", "type": "invalid_request_error"}})
                return
            if self.headers.get("api-key") or (self.headers.get("Authorization") or "").startswith("Bearer "):
                counters.bump("with_key", total=False)
            if path.endswith("/chat/completions"):
                counters.bump("chat")
                self._chat(body)
            elif path.endswith("/embeddings"):
                counters.bump("embeddings")
                self._embeddings(body)
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def _hostile(self, key: str, attempt: int) -> str | None:
            """The hostile answer for this attempt, if any (deterministic)."""
            if not config.hostile or (config.hostile_attempts and attempt > config.hostile_attempts):
                return None
            if faults.roll(key, attempt, "hostile") >= config.hostile_rate:
                return None
            return config.hostile[int(faults.roll(key, attempt, "hostile-kind") * len(config.hostile))]

        def _injected(self, key: str) -> str | None:
            """Sleep the configured latency, then send a hostile answer or an injected HTTP error
            (returns "sent"), or return the fault to apply to a normal answer (None or "malformed")."""
            if config.latency_ms:
                time.sleep(config.latency_ms / 1000)
            attempt = faults.next_attempt(key)
            hostile = self._hostile(key, attempt)
            if hostile is not None:
                counters.bump("hostile", total=False)
                if hostile == "hang":
                    stopping.wait()
                    self.close_connection = True
                    return "sent"
                content_type, body = HOSTILE_BODIES[hostile]
                self._send(200, body, content_type=content_type)
                return "sent"
            fault = faults.fault(key, attempt)
            if fault is not None and fault.isdigit():
                counters.bump("errors", total=False)
                headers = retry_after_headers(config.retry_after) if fault == "429" else {}
                kind = "rate_limit_error" if fault == "429" else "server_error"
                self._send(int(fault), {"error": {"message": f"injected {fault}", "type": kind}}, headers)
                return "sent"
            return fault

        def _chat(self, body: dict[str, Any]) -> None:
            key = json.dumps(body, sort_keys=True)
            fault = self._injected(key)
            if fault == "sent":
                return
            schema = None
            response_format = body.get("response_format") or {}
            if response_format.get("type") == "json_schema":
                schema = (response_format.get("json_schema") or {}).get("schema")
            elif response_format.get("type") == "json_object":
                schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
            request = ChatRequest(model=body.get("model", "gpt-4o-mini"), messages=body.get("messages") or [],
                                  parameters={k: body[k] for k in _PARAMS if k in body}, response_schema=schema)
            text = mock_completion(request)
            if fault == "malformed":
                text = text[: max(1, len(text) // 2)]
            prompt = prompt_text(request.messages)  # an image counts as a fixed number of tokens
            usage = {"prompt_tokens": count_tokens(prompt), "completion_tokens": count_tokens(text)}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            self._send(200, {
                "id": "chatcmpl-mock-" + hashlib.sha256(key.encode()).hexdigest()[:24], "object": "chat.completion",
                "created": int(time.time()), "model": request.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": usage})

        def _embeddings(self, body: dict[str, Any]) -> None:
            if self._injected(json.dumps(body, sort_keys=True)) == "sent":
                return
            inputs = body.get("input") or []
            texts = [inputs] if isinstance(inputs, str) else list(inputs)
            as_base64 = body.get("encoding_format") == "base64"  # the openai SDK's default request
            data = [{"object": "embedding", "index": i,
                     "embedding": _base64_floats(mock_embedding(str(t))) if as_base64 else mock_embedding(str(t))}
                    for i, t in enumerate(texts)]
            tokens = sum(count_tokens(str(t)) for t in texts)
            self._send(200, {"object": "list", "data": data, "model": body.get("model", "mock-embedding"),
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    return Handler


class MockServer:
    """A running mock server (``base_url`` ends in ``/v1``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, config: MockServerConfig | None = None) -> None:
        self.config = config or MockServerConfig()
        self.counters = Counters()
        faults = FaultPlan(self.config.error_rate, self.config.malformed_rate, self.config.seed,
                           self.config.error_kinds)
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, port), _handler(self.config, self.counters, faults, self._stopping))
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def request_count(self) -> int:
        return self.counters.total

    def start(self) -> "MockServer":
        self._thread = threading.Thread(target=self._server.serve_forever, name="troupe-mock-llm", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._stopping.set()  # releases hanging answers
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "MockServer":
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(*, host: str = "127.0.0.1", port: int = 0, **config: Any) -> MockServer:
    """Start a mock server in a background thread (port 0: a free port) and return it."""
    return MockServer(host, port, MockServerConfig(**config)).start()
