"""Fixtures: the mock LLM server on a free loopback port, and gateways on the real openai client."""

from __future__ import annotations

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
