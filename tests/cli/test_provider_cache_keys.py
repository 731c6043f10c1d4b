"""The request key covers the provider's identity: the cache never answers across providers.

A ``--llm mock`` run followed by a ``--llm openai --base-url URL`` run of the same scenario in
the same store must make HTTP requests (the mock's answers are not that server's); a second
openai run on the same endpoint is answered from the cache with zero requests; every run
replays verified with the identity it recorded, with the server gone.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.cli.helpers import troupe
from troupe_es.llm import ChatRequest, request_key
from troupe_es.llm.identity import normalise_endpoint, provider_identity
from troupe_es.llm.mock_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")
NO_AZURE = {"AZURE_OPENAI_ENDPOINT": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""}


def _requests(server) -> int:
    """Requests the server has answered, read from its ``/stats`` endpoint."""
    return httpx.get(server.base_url.removesuffix("/v1") + "/stats").json()["requests"]


def _run(url: str, *extra: str) -> str:
    res = troupe("run", FOCUS, "-q", *extra, store=url, env=NO_AZURE)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def _started(url: str, run_id: str) -> dict:
    line = troupe("log", run_id, "--json", "--type", "RunStarted", store=url).out.splitlines()[0]
    return json.loads(line)["payload"]


def test_a_mock_run_never_answers_an_openai_run_and_every_run_replays(tmp_path):
    url = f"sqlite:///{tmp_path}/keys.db"
    server = serve_in_thread()
    try:
        mock_run = _run(url)
        assert _requests(server) == 0
        first = _run(url, "--llm", "openai", "--base-url", server.base_url)
        paid = _requests(server)
        first_audit = json.loads(troupe("audit", first, "--format", "json", store=url).out)["totals"]
        assert paid == first_audit["calls"] > 0 and first_audit["cache_hits"] == 0
        second = _run(url, "--llm", "openai", "--base-url", server.base_url + "/")  # same endpoint
        assert _requests(server) == paid  # zero HTTP requests: answered from the first openai run
        second_audit = json.loads(troupe("audit", second, "--format", "json", store=url).out)["totals"]
        assert second_audit["cache_hits"] == second_audit["calls"] == first_audit["calls"]
    finally:
        server.stop()
    assert _started(url, mock_run)["llm_provider"] == {"kind": "mock"}
    identity = {"kind": "openai", "endpoint": server.base_url}
    assert _started(url, first)["llm_provider"] == _started(url, second)["llm_provider"] == identity
    for run_id in (mock_run, first, second):  # the server is gone: replay never calls a provider
        res = troupe("replay", run_id, "--verify", store=url)
        assert res.code == 0 and "verified" in res.out, res.err


def test_the_request_key_covers_kind_and_endpoint_but_no_secret():
    request = ChatRequest(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    mock = {"kind": "mock"}
    local = {"kind": "openai", "endpoint": "http://127.0.0.1:8000/v1"}
    other = {"kind": "openai", "endpoint": "http://127.0.0.1:8001/v1"}
    keys = {request_key(request, 1, identity) for identity in (mock, local, other)}
    assert len(keys) == 3
    assert request_key(request, 1, dict(local)) == request_key(request, 1, local)


@pytest.mark.parametrize("raw, normal", [
    ("HTTP://LocalHost:80/v1/", "http://localhost/v1"),
    ("https://user:sk-secret@api.example.com:443//v1?api-key=sk-secret#frag", "https://api.example.com/v1"),
    ("http://127.0.0.1:8765/v1", "http://127.0.0.1:8765/v1"),
])
def test_endpoints_are_normalised_without_credentials(raw, normal):
    assert normalise_endpoint(raw) == normal


def test_provider_identity_of_each_kind(monkeypatch):
    from troupe_es.llm import MockProvider
    from troupe_es.llm.openai_provider import OpenAIProvider

    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-identity-secret")
    assert provider_identity(MockProvider()) == {"kind": "mock"}
    assert provider_identity(OpenAIProvider()) == {"kind": "openai", "endpoint": "https://api.openai.com/v1"}
    local = OpenAIProvider(base_url="http://LOCALHOST:11434/v1/")
    assert provider_identity(local) == {"kind": "openai", "endpoint": "http://localhost:11434/v1"}
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://my-resource.openai.azure.com/")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-secret")
    azure = OpenAIProvider()
    assert provider_identity(azure) == {"kind": "azure-openai", "endpoint": "https://my-resource.openai.azure.com"}
    for provider in (local, azure):
        assert "secret" not in json.dumps(provider_identity(provider))
        provider.close()
