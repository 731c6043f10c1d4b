"""Provider configuration from the environment (OpenAI, compatible servers, Azure), error handling,
Retry-After and fault injection, all over HTTP against the mock server."""

from __future__ import annotations

import email.utils
import random
import time

import httpx
import pytest

from tests.llm.conftest import API_KEY, openai_gateway, raw_server
from troupe_es.errors import ConfigurationError, ProviderError
from troupe_es.llm import CallContext, ChatRequest, LLMGateway, MockProvider, RetryPolicy, make_provider
from troupe_es.llm.mock_server import serve_in_thread
from troupe_es.llm.openai_provider import _retry_after

HELLO = ChatRequest(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello to the group"}])


def ctx(n: int = 0) -> CallContext:
    return CallContext(run_id="p", seed=3, call_id=f"c{n}")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY",
                 "OPENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_openai_settings_come_from_the_environment(clean_env, server, store):
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY is not set"):
        make_provider("openai")
    clean_env.setenv("OPENAI_BASE_URL", server.base_url)
    clean_env.setenv("OPENAI_API_KEY", API_KEY)
    provider = make_provider("openai")
    result = LLMGateway(store, provider).chat(HELLO, ctx())
    assert result.text and result.cache_status == "miss" and server.counters.chat == 1
    requested = next(iter(store.read(run_id="p"))).event
    assert requested.provider == "openai" and API_KEY not in requested.model_dump_json()
    provider.close()


def test_azure_openai_when_its_endpoint_is_set(clean_env, server, store):
    clean_env.setenv("AZURE_OPENAI_ENDPOINT", server.base_url.removesuffix("/v1"))
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is not"):
        make_provider("openai")
    clean_env.setenv("AZURE_OPENAI_API_KEY", API_KEY)
    provider = make_provider("openai")
    assert provider.name == "azure-openai"
    gateway = LLMGateway(store, provider, mode="live")
    assert gateway.chat(HELLO, ctx()).text and server.counters.chat == 1
    assert len(gateway.embed(["hello"], ctx(1))[0]) == 256 and server.counters.embeddings == 1
    assert {r.event.provider for r in store.read(run_id="p")} == {"azure-openai"}
    gateway.close()


def test_client_errors_are_not_retried_and_never_show_the_key(store):
    with serve_in_thread(error_rate=1.0, error_kinds=("401",)) as srv:
        gateway = openai_gateway(store, srv.base_url)
        with pytest.raises(ProviderError) as caught:
            gateway.chat(HELLO, ctx())
        assert srv.counters.chat == 1 and "after 1 attempt(s): HTTP 401" in str(caught.value)
        assert API_KEY not in str(caught.value)
        failed = list(store.read(run_id="p"))[-1].event
        assert failed.attempt_errors[0].status_code == 401 and API_KEY not in failed.model_dump_json()
        gateway.close()


def test_injected_429s_carry_retry_after_and_are_retried(store):
    with serve_in_thread(error_rate=0.5, error_kinds=("429",), retry_after=0.01) as srv:
        reply = httpx.post(f"{srv.base_url}/chat/completions", json={"model": "m", "messages": []})
        for n in range(1, 20):
            if reply.status_code == 429:
                break
            reply = httpx.post(f"{srv.base_url}/chat/completions",
                               json={"model": "m", "messages": [{"role": "user", "content": str(n)}]})
        # as OpenAI sends them: Retry-After in whole seconds (HTTP allows no fractions), and retry-after-ms
        assert reply.status_code == 429 and reply.headers["retry-after"] == "1"
        assert reply.headers["retry-after-ms"] == "10"
        assert reply.json()["error"]["type"] == "rate_limit_error"
        gateway = openai_gateway(store, srv.base_url, retry=RetryPolicy(max_attempts=20, base_delay_s=5, max_delay_s=5))
        for i in range(6):  # backoff alone would wait up to 5 s, Retry-After 1 s: retry-after-ms (0.01 s) is used
            gateway.chat(ChatRequest(model="m", messages=[{"role": "user", "content": f"q{i}"}]), ctx(i))
        errors = [a for r in store.read(run_id="p", types=["LLMCallCompleted"]) for a in r.event.attempt_errors]
        assert errors and {a.status_code for a in errors} == {429}
        assert {a.delay_s for a in errors} == {0.01}  # the wait recorded for each retry is the header's
        gateway.close()


def test_retry_after_seconds_are_used_when_no_milliseconds_are_sent(store):
    """A server that sends only ``Retry-After`` (seconds): the recorded wait is exactly that."""
    answered = []

    def slow_down_once(headers) -> tuple[int, dict[str, str], bytes]:  # noqa: ANN001
        answered.append(1)
        if len(answered) == 1:
            return 429, {"Retry-After": "0", "Content-Type": "application/json"}, b'{"error": {"message": "slow"}}'
        return 200, {"Content-Type": "application/json"}, \
            b'{"model": "m", "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}'

    with raw_server(slow_down_once) as base_url:
        gateway = openai_gateway(store, base_url, retry=RetryPolicy(base_delay_s=5, max_delay_s=5))
        assert gateway.chat(HELLO, ctx()).text == "ok"
        [attempt] = list(store.read(run_id="p", types=["LLMCallCompleted"]))[0].event.attempt_errors
        assert attempt.status_code == 429 and attempt.delay_s == 0.0  # not a backoff of up to 5 s
        gateway.close()


def test_retry_after_headers_and_backoff():
    assert _retry_after(httpx.Headers({"retry-after": "2"})) == 2.0
    assert _retry_after(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 50 < _retry_after(httpx.Headers({"retry-after": in_a_minute})) <= 60
    assert _retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert _retry_after(httpx.Headers({})) is None
    policy = RetryPolicy(base_delay_s=1, max_delay_s=5)
    rng = random.Random(1)
    assert policy.delay(3, 0.5, rng) == 0.5 and policy.delay(3, 600, rng) == 5
    delays = [policy.delay(attempt, None, rng) for attempt in (1, 2, 3, 10) for _ in range(50)]
    assert all(0 <= d <= 5 for d in delays) and len(set(delays)) > 100  # jittered
    assert max(policy.delay(1, None, rng) for _ in range(50)) <= 1


def test_mock_provider_fault_kinds_are_deterministic():
    def attempts(provider: MockProvider) -> list[str]:
        seen = []
        for i in range(30):
            try:
                provider.complete(ChatRequest(model="m", messages=[{"role": "user", "content": str(i)}]), 1)
                seen.append("ok")
            except ProviderError as exc:
                seen.append(str(exc.status_code))
        return seen

    first = attempts(MockProvider(error_rate=0.5, error_kinds=("429", "503")))
    assert first == attempts(MockProvider(error_rate=0.5, error_kinds=("429", "503")))
    assert set(first) == {"ok", "429", "503"}
    with pytest.raises(ValueError, match="HTTP error statuses"):
        MockProvider(error_kinds=("boom",))


def test_mock_llm_serve_rejects_bad_options_in_one_line():
    from tests.cli.helpers import troupe

    bad = troupe("mock-llm", "serve", "--error-kinds", "429,teapot")
    assert bad.code == 2 and "--error-kinds" in bad.err and "Traceback" not in bad.err
    with serve_in_thread() as srv:
        busy = troupe("mock-llm", "serve", "--port", str(srv.port))
    assert busy.code == 1 and busy.err == f"error: cannot listen on 127.0.0.1:{srv.port}: Address already in use\n"
