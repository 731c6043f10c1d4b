"""Broken and hostile OpenAI-compatible servers, through the real openai client over HTTP.

An HTTP 200 that is not a completion (HTML, plain text, ``{}``, no choices, an error object), a
server that never answers and a port where nothing listens all become transient provider
errors: retried, recorded attempt by attempt in ``LLMCallFailed``, bounded by the call's
deadline (hangs) or a few connection attempts (closed ports).
"""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.llm.conftest import API_KEY, openai_gateway, raw_server
from troupe_es.errors import ProviderError, ProviderHTTPError
from troupe_es.llm import CallContext, ChatRequest, LLMGateway, RetryPolicy
from troupe_es.llm.mock_server import HOSTILE_BODIES, serve_in_thread
from troupe_es.llm.provider import ProviderResponse

BODY_KINDS = sorted(HOSTILE_BODIES)
QUICK = RetryPolicy(max_attempts=4, base_delay_s=0.005, max_delay_s=0.02)


@pytest.fixture
def store():
    """One in-memory store: what is recorded here is the gateway's business, not the backend's."""
    from troupe_es.store import InMemoryEventStore

    return InMemoryEventStore()


def ask(text: str = "Would you buy oat cereal?") -> ChatRequest:
    return ChatRequest(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])


def ctx(n: int = 0) -> CallContext:
    return CallContext(run_id="h", seed=5, call_id=f"call-{n}", agent="Lisa", step=0)


def last_event(store):
    return list(store.read(run_id="h"))[-1].event


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_mock_server_sends_each_hostile_answer_with_http_200():
    with serve_in_thread(hostile=tuple(BODY_KINDS)) as srv:
        seen = {}
        for i in range(40):
            reply = httpx.post(f"{srv.base_url}/chat/completions",
                               json={"model": "m", "messages": [{"role": "user", "content": str(i)}]})
            assert reply.status_code == 200
            seen[reply.content] = reply.headers["content-type"]
        assert set(seen) == {body for _, body in HOSTILE_BODIES.values()}
        assert seen[HOSTILE_BODIES["html"][1]].startswith("text/html")
        assert srv.counters.hostile == 40
    with pytest.raises(ValueError, match="unknown hostile answer 'teapot'"):
        serve_in_thread(hostile=("teapot",))


@pytest.mark.parametrize("kind", BODY_KINDS)
def test_a_hostile_200_is_retried_and_the_call_then_succeeds(store, kind):
    with serve_in_thread(hostile=(kind,), hostile_attempts=2) as srv:
        gateway = openai_gateway(store, srv.base_url, retry=QUICK)
        result = gateway.chat(ask(), ctx())
        assert result.text and srv.counters.chat == 3 and srv.counters.hostile == 2
        completed = last_event(store)
        assert completed.type == "LLMCallCompleted" and completed.attempts == 3
        assert [a.status_code for a in completed.attempt_errors] == [200, 200]
        assert all(a.error.startswith("HTTP 200 with ") for a in completed.attempt_errors)
        gateway.close()


@pytest.mark.parametrize("kind,says", [("html", "not JSON: '<!DOCTYPE html><html><head><title>502 Bad Gateway"),
                                       ("text", "not JSON: 'upstream connect error"),
                                       ("empty-object", "no choices: '{}'"),
                                       ("no-choices", 'no choices: \'{"id": "chatcmpl-mock-empty"'),
                                       ("error-object", "an error object: '{\"error\": {\"message\": \"The model is")])
def test_a_server_that_stays_hostile_fails_the_call_with_every_attempt_recorded(store, kind, says):
    with serve_in_thread(hostile=(kind,)) as srv:
        gateway = openai_gateway(store, srv.base_url, retry=QUICK)
        with pytest.raises(ProviderError, match="failed after 4 attempt") as caught:
            gateway.chat(ask(), ctx())
        assert says in str(caught.value) and "\n" not in str(caught.value)
        failed = last_event(store)
        assert failed.type == "LLMCallFailed" and failed.error_type == "ProviderError" and failed.attempts == 4
        assert [a.status_code for a in failed.attempt_errors] == [200] * 4
        assert all(says in a.error and len(a.error) < 260 for a in failed.attempt_errors)
        assert srv.counters.chat == 4
        gateway.close()


@pytest.mark.parametrize("kind", BODY_KINDS)
def test_hostile_embedding_answers_are_retried_too(store, kind):
    with serve_in_thread(hostile=(kind,), hostile_attempts=1) as srv:
        gateway = openai_gateway(store, srv.base_url, retry=QUICK)
        vectors = gateway.embed(["oats", "corn"], ctx())
        assert len(vectors) == 2 and len(vectors[0]) == 256
        completed = last_event(store)
        assert [a.status_code for a in completed.attempt_errors] == [200]
        gateway.close()


def test_a_hung_server_fails_the_call_at_its_deadline(store):
    with serve_in_thread(hostile=("hang",)) as srv:
        gateway = openai_gateway(store, srv.base_url, timeout_s=30,
                                 retry=RetryPolicy(base_delay_s=0.01, max_delay_s=0.02, deadline_s=0.5))
        with pytest.raises(ProviderError, match=r"request timed out; gave up: the call's 0.5 s deadline"):
            gateway.chat(ask(), ctx())
        failed = last_event(store)
        assert failed.attempts == 1 and failed.attempt_errors[0].error.startswith("request timed out")
        assert failed.attempt_errors[0].status_code is None and failed.attempt_errors[0].delay_s is None
        assert srv.counters.hostile == 1
        gateway.close()


def test_short_timeouts_are_retried_until_the_deadline_leaves_no_room(store):
    with serve_in_thread(hostile=("hang",)) as srv:
        gateway = openai_gateway(store, srv.base_url, timeout_s=0.15,
                                 retry=RetryPolicy(base_delay_s=0.01, max_delay_s=0.02, deadline_s=1.0))
        with pytest.raises(ProviderError, match="1 s deadline"):
            gateway.chat(ask(), ctx())
        failed = last_event(store)
        assert 2 <= failed.attempts < 8 and srv.counters.hostile == failed.attempts
        assert {a.error.split(";")[0] for a in failed.attempt_errors} == {"request timed out"}
        gateway.close()


class HungProvider:
    """A provider that hangs for the whole timeout it is given (capped, so a broken cap shows
    as a wrong recorded timeout rather than a stuck test), then times out."""

    name = "hung"

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def complete(self, request: ChatRequest, timeout: float) -> ProviderResponse:
        import time

        self.timeouts.append(timeout)
        time.sleep(min(timeout, 0.3))
        raise ProviderHTTPError("request timed out", kind="timeout")

    def embed(self, texts, model, timeout):  # noqa: ANN001, ANN201
        return self.complete(ask(), timeout)

    def close(self) -> None:
        pass


def test_no_attempt_timeout_reaches_past_the_deadline(store):
    provider = HungProvider()
    gateway = LLMGateway(store, provider, mode="live", timeout_s=60,
                         retry=RetryPolicy(base_delay_s=0.01, max_delay_s=0.01, deadline_s=0.5))
    with pytest.raises(ProviderError, match="0.5 s deadline"):
        gateway.chat(ask(), ctx())
    assert provider.timeouts[0] <= 0.5 and len(provider.timeouts) >= 2
    assert all(later < earlier for earlier, later in zip(provider.timeouts, provider.timeouts[1:]))


def test_nothing_listening_fails_after_a_few_connection_attempts(store):
    port = closed_port()
    gateway = openai_gateway(store, f"http://127.0.0.1:{port}/v1", retry=RetryPolicy(base_delay_s=0.01))
    with pytest.raises(ProviderError, match=f"after 3 attempt.*cannot connect to 127.0.0.1:{port}; "
                                            "gave up: no connection in 3 attempts"):
        gateway.chat(ask(), ctx())
    failed = last_event(store)
    assert failed.attempts == 3 and {a.status_code for a in failed.attempt_errors} == {None}
    assert [a.delay_s is not None for a in failed.attempt_errors] == [True, True, False]
    gateway.close()


def test_retry_decisions():
    policy = RetryPolicy(max_attempts=5, base_delay_s=1, max_delay_s=4, deadline_s=10, max_connect_attempts=2)
    rng = __import__("random").Random(0)
    transient = ProviderHTTPError("HTTP 503", status_code=503)
    assert policy.decide(1, transient, 9.0, rng).delay_s is not None
    assert policy.decide(5, transient, 9.0, rng) == policy.decide(5, transient, 9.0, rng)
    assert policy.decide(5, transient, 9.0, rng).delay_s is None and not policy.decide(5, transient, 9, rng).reason
    assert policy.decide(1, ProviderHTTPError("HTTP 401", status_code=401, transient=False), 9, rng).delay_s is None
    limited = ProviderHTTPError("HTTP 429", status_code=429, retry_after=3.0)
    assert policy.decide(1, limited, 9.0, rng).delay_s == 3.0
    assert "deadline" in policy.decide(1, limited, 2.0, rng).reason  # waiting 3 s would pass the deadline
    refused = ProviderHTTPError("cannot connect", kind="connect")
    assert policy.decide(1, refused, 9, rng).delay_s is not None
    assert policy.decide(2, refused, 9, rng).reason == "no connection in 2 attempts"
    assert policy.attempt_timeout(60, 2.5) == 2.5 and policy.attempt_timeout(60, None) == 60
    assert policy.attempt_timeout(1, 2.5) == 1 and policy.attempt_timeout(60, -1) == 0


def test_snippets_are_short_single_lines_without_the_key():
    from troupe_es.llm.answers import SNIPPET_CHARS, snippet

    body = ("<html>\n  <body>" + "Bad gateway " * 100 + f"key={API_KEY}</body></html>").encode()
    short = snippet(body, API_KEY)
    assert len(short) == SNIPPET_CHARS == 160 and "\n" not in short and short.endswith("…")
    assert short.startswith("<html> <body>Bad gateway")
    assert snippet(f"echo {API_KEY}".encode(), API_KEY) == "echo [redacted]"
    assert "sk-" not in snippet(("x " * 75 + API_KEY).encode(), API_KEY)  # blanked before it is cut
    assert snippet(b"\xff\xfe broken utf-8") == "\ufffd\ufffd broken utf-8"


def test_the_mock_server_never_echoes_the_api_key():
    headers = {"Authorization": f"Bearer {API_KEY}", "api-key": API_KEY}
    chat = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
    seen = []
    with serve_in_thread(error_rate=0.5, error_kinds=("429", "500")) as srv:
        for i in range(20):
            seen.append(httpx.post(f"{srv.base_url}/chat/completions", headers=headers,
                                   json={**chat, "seed": i}))
        seen.append(httpx.post(f"{srv.base_url}/embeddings", headers=headers, json={"model": "e", "input": ["x"]}))
        seen.append(httpx.post(f"{srv.base_url}/chat/completions", headers=headers, content=b"{not json"))
        for path in ("/models", "/nope"):
            seen.append(httpx.get(srv.base_url + path, headers=headers))
        seen.append(httpx.get(f"http://{srv.host}:{srv.port}/stats", headers=headers))
    with serve_in_thread(hostile=tuple(BODY_KINDS)) as srv:
        for i in range(10):
            seen.append(httpx.post(f"{srv.base_url}/chat/completions", headers=headers, json={**chat, "seed": i}))
    assert {r.status_code for r in seen} >= {200, 400, 404, 429, 500}
    for reply in seen:
        raw = reply.content + str(reply.headers.raw).encode()
        assert API_KEY.encode() not in raw and b"DO-NOT-LEAK" not in raw


def test_a_server_echoing_the_key_does_not_get_it_recorded(store):
    """A broken proxy that puts the request's headers in its error page: the snippet recorded
    with the failed attempt has the key blanked out."""
    def echo(headers) -> tuple[int, dict[str, str], bytes]:  # noqa: ANN001
        return 200, {"Content-Type": "text/html"}, f"<html>Bad request. Headers: {headers['Authorization']}</html>".encode()

    with raw_server(echo) as base_url:
        gateway = openai_gateway(store, base_url, retry=QUICK)
        with pytest.raises(ProviderError) as caught:
            gateway.chat(ask(), ctx())
        gateway.close()
    failed = last_event(store)
    assert "Headers: Bearer [redacted]" in failed.attempt_errors[0].error
    assert API_KEY not in failed.model_dump_json() and API_KEY not in str(caught.value)
