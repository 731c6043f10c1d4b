"""An image stimulus is described once, cached on rerun (zero calls), replayed with zero calls.

Runs go through the real ``troupe-es`` entry point with the real openai client against the
project's mock HTTP server, so the image really travels as a data URL and every provider call
is counted at the server."""

from __future__ import annotations

import json

import httpx

from tests.cli.helpers import troupe
from tests.vision.helpers import drawn, scenario
from troupe_es.llm.mock_server import serve_in_thread
from troupe_es.store import open_store

NO_AZURE = {"AZURE_OPENAI_ENDPOINT": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""}
SCRIPT = """  - see: {image: box.png, text: "The new cereal box."}
  - run: 1
"""


def _requests(server) -> int:
    return httpx.get(server.base_url.removesuffix("/v1") + "/stats").json()["requests"]


def _run(path, url, *extra) -> str:
    res = troupe("run", str(path), "-q", *extra, store=url, env=NO_AZURE)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def _events(url: str, run_id: str, kind: str) -> list[dict]:
    res = troupe("log", run_id, "--json", "--type", kind, store=url)
    assert res.code == 0, res.err
    return [json.loads(line)["payload"] for line in res.out.splitlines()]


def test_an_image_is_described_once_cached_on_rerun_and_replayed_with_zero_calls(tmp_path):
    image = drawn((160, 90))
    path = scenario(tmp_path, SCRIPT, image=image)
    url = f"sqlite:///{tmp_path}/vision.db"
    server = serve_in_thread()
    try:
        first = _run(path, url, "--llm", "openai", "--base-url", server.base_url)
        paid = _requests(server)
        rerun = _run(path, url, "--llm", "openai", "--base-url", server.base_url)
        assert _requests(server) == paid  # the rerun: zero provider calls, the description included
    finally:
        server.stop()
    requested = _events(url, first, "LLMCallRequested")
    vision = [r for r in requested if r["purpose"] == "vision"]
    assert len(vision) == 1 and paid == len(requested) == 4  # described once for three agents, then 3 turns
    [described] = _events(url, first, "ImageDescribed")
    # The description came back over HTTP from the image's pixels: the data URL reached the server.
    assert described["description"].startswith("An image of 160×90 pixels (landscape), mostly dark blue")
    assert sorted(described["agents"]) == ["Lisa Carter", "Mei Tanaka", "Oscar Lindqvist"]
    seen = [s for s in _events(url, first, "StimulusPerceived") if s["kind"] == "see"]
    assert len(seen) == 3 and all(described["description"] in s["content"] for s in seen)
    # The log names the image by its hash; its bytes are in the blob table, not in the events.
    with open_store(url, readonly=True) as store:
        blob = store.get_blob(described["image"]["sha256"])
        assert blob.data == image and blob.media_type == "image/png"
        assert store.blob_hashes() == [blob.sha256]  # two runs showed it: stored once
        raw = "".join(row.payload for row in store.iter_rows(run_id=first))
    part = vision[0]["messages"][1]["content"][1]
    assert part == {"type": "image_url", "image_url": {"url": "blob:sha256:" + blob.sha256}}
    assert "base64" not in raw
    audit = json.loads(troupe("audit", rerun, "--format", "json", store=url).out)["totals"]
    assert audit["cache_hits"] == audit["calls"] == 4
    (tmp_path / "box.png").unlink()  # replay never reads the file again (nor calls the server)
    for run_id in (first, rerun):
        res = troupe("replay", run_id, "--verify", "--json", store=url)
        assert res.code == 0, res.err
        report = json.loads(res.out)
        assert report["ok"] and report["llm_calls_from_log"] == 4


def test_a_mock_run_describes_from_pixels_and_is_the_same_in_parallel(tmp_path):
    path = scenario(tmp_path, """  - see: {to: Lisa Carter, image: box.png}
  - see: {image: box.png, text: "Now everyone sees it."}
  - run: 2
""", image=drawn((60, 90), colour=(220, 30, 30), band=None))
    url = f"sqlite:///{tmp_path}/mock.db"
    sequential = _run(path, url, "--no-cache")
    parallel = _run(path, url, "--no-cache", "--parallel", "8")
    described = _events(url, sequential, "ImageDescribed")
    assert [d["agents"] for d in described] == [["Lisa Carter"], ["Lisa Carter", "Oscar Lindqvist", "Mei Tanaka"]]
    assert described[0]["description"] == "An image of 60×90 pixels (portrait), mostly red (100%)."
    assert described[0]["caption"] == "" and described[1]["caption"] == "Now everyone sees it."
    with open_store(url, readonly=True) as store:
        hashes = [[r.content_hash for r in store.iter_rows(run_id=run)] for run in (sequential, parallel)]
    assert hashes[0] == hashes[1]
    for run_id in (sequential, parallel):
        res = troupe("replay", run_id, "--verify", store=url)
        assert res.code == 0 and "verified" in res.out, res.err


def test_a_failed_description_is_recorded_like_any_failed_call_and_replays(tmp_path):
    path = scenario(tmp_path, SCRIPT, image=drawn())
    url = f"sqlite:///{tmp_path}/failed.db"
    server = serve_in_thread(error_rate=1.0, error_kinds=("400",))  # a model that refuses the request
    try:
        res = troupe("run", str(path), "-q", "--llm", "openai", "--base-url", server.base_url,
                     store=url, env=NO_AZURE)
    finally:
        server.stop()
    assert res.code == 1 and len(res.err.strip().splitlines()) == 1 and "HTTP 400" in res.err, res.err
    run_id = troupe("runs", "--json", store=url).out
    run_id = json.loads(run_id)[-1]["run_id"]
    [failed] = _events(url, run_id, "LLMCallFailed")
    assert "/see-" in failed["call_id"] and _events(url, run_id, "ImageDescribed") == []
    assert len(_events(url, run_id, "RunFailed")) == 1
    res = troupe("replay", run_id, "--verify", store=url)
    assert res.code == 0 and "verified" in res.out, res.err
