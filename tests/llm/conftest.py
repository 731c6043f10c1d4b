"""Fixtures: the mock LLM server on a free loopback port, and gateways on the real openai client."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from troupe_es.llm import LLMGateway, RetryPolicy
from troupe_es.llm.mock_server import serve_in_thread

FAST_RETRY = RetryPolicy(max_attempts=8, base_delay_s=0.005, max_delay_s=0.05)
API_KEY = "sk-test-DO-NOT-LEAK-7f3a9c"


@pytest.fixture
def server():
    srv = serve_in_thread()
    yield srv
    srv.stop()


def openai_gateway(store, base_url: str, **kwargs) -> LLMGateway:
    from troupe_es.llm.openai_provider import OpenAIProvider

    provider = OpenAIProvider(base_url=base_url, api_key=API_KEY, timeout=kwargs.pop("provider_timeout", 30))
    kwargs.setdefault("retry", FAST_RETRY)
    return LLMGateway(store, provider, **kwargs)


@contextmanager
def raw_server(answer: Callable[[Any], tuple[int, dict[str, str], bytes]]) -> Iterator[str]:
    """A bare HTTP server on a free loopback port whose every POST is answered by
    ``answer(request_headers) -> (status, headers, body)``; yields its ``/v1`` base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, body = answer(self.headers)
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
