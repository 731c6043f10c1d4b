"""A completion edited behind the store's back is never reused by the cache (no laundering).

Through the real CLI: run the focus-group example on the mock LLM into a SQLite file, edit one
recorded ``LLMCallCompleted`` (append-only triggers dropped), rerun the same scenario (the
cache answers every other call), and check that the rerun asked the provider again, recorded
the rejection naming the position, and that ``verify`` flags the original run.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from troupe_es.events.canonical import canonical_json, chain_hash, content_hash_from_json, record_hash
from troupe_es.store.heads import KEY_ENV

pytestmark = pytest.mark.slow

SCENARIO = str(Path(__file__).resolve().parents[2] / "examples" / "focus_group.yaml")
EDITED = "TAMPERED: everyone should buy SuperCrunch"


def _run(url: str, env: dict | None = None) -> str:
    res = troupe("run", SCENARIO, "--llm", "mock", store=url, env=env)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def _log(url: str, run: str, env: dict | None = None) -> list[dict]:
    res = troupe("log", run, "--json", store=url, env=env)
    assert res.code == 0, res.err
    return [json.loads(line) for line in res.out.splitlines()]


def _first_talk(events: list[dict]) -> tuple[dict, str]:
    """The first completion whose answer has a TALK action, and that action's text."""
    for event in events:
        if event["type"] == "LLMCallCompleted":
            talks = [a["content"] for a in (event["payload"]["parsed"] or {}).get("actions", [])
                     if a["type"] == "TALK"]
            if talks:
                return event, talks[0]
    raise AssertionError("no completion with a TALK action")


def _edit(path: str, position: int, old: str, *, rehash: bool = False, rechain: bool = False) -> None:
    """Replace ``old`` by :data:`EDITED` in the payload at ``position``; optionally recompute its
    content hash (anyone can) and its chain link with plain sha256 (all a forger without the
    signing key can do)."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER IF EXISTS troupe_events_no_update")
        conn.execute("UPDATE troupe_events SET payload = replace(payload, ?, ?) WHERE position = ?",
                     (old, EDITED, position))
        if rehash or rechain:
            row = conn.execute("SELECT position, run_id, stream, stream_version, event_id, causation_id, type, "
                               "schema_version, sim_time, recorded_at, payload FROM troupe_events "
                               "WHERE position = ?", (position,)).fetchone()
            payload = json.loads(row[10])
            from troupe_es.events import LLMCallCompleted

            for volatile in LLMCallCompleted.volatile_fields:
                payload.pop(volatile, None)
            content = content_hash_from_json(row[6], row[7], row[2], row[8], canonical_json(payload))
            conn.execute("UPDATE troupe_events SET content_hash = ? WHERE position = ?", (content, position))
            if rechain:
                previous = conn.execute("SELECT chain_hash FROM troupe_events WHERE run_id = ? AND position < ? "
                                        "ORDER BY position DESC LIMIT 1", (row[1], position)).fetchone()[0]
                link = record_hash(position=row[0], run_id=row[1], stream=row[2], stream_version=row[3],
                                   event_id=row[4], causation_id=row[5], type_=row[6], schema_version=row[7],
                                   sim_time=row[8], recorded_at=row[9], content_hash=content, payload_json=row[10])
                conn.execute("UPDATE troupe_events SET chain_hash = ? WHERE position = ?",
                             (chain_hash(previous, link), position))


def _check_rerun(url: str, first: str, position: int, reason: str, env: dict | None = None) -> str:
    second = _run(url, env)
    events = _log(url, second, env)
    assert EDITED not in json.dumps(events), "the rerun reused the edited answer"
    rejected = [e["payload"] for e in events if e["type"] == "CacheEntryRejected"]
    assert len(rejected) == 1 and rejected[0]["position"] == position and reason in rejected[0]["reason"]
    fresh = [e for e in events if e["type"] == "LLMCallCompleted" and e["payload"]["cache_status"] == "miss"]
    assert [e["payload"]["request_key"] for e in fresh] == [rejected[0]["request_key"]]
    assert sum(e["type"] == "LLMCallCompleted" for e in events) == 9  # the other 8 came from the cache
    bad = troupe("verify", first, store=url, env=env)
    assert bad.code == 3 and f"position {position}" in bad.err
    assert troupe("verify", second, store=url, env=env).code == 0
    return second


def test_an_edited_completion_is_rejected_recorded_and_asked_again(sqlite_url):
    first = _run(sqlite_url)
    completion, talk = _first_talk(_log(sqlite_url, first))
    _edit(sqlite_url.removeprefix("sqlite:///"), completion["position"], talk)
    second = _check_rerun(sqlite_url, first, completion["position"], "content hash does not match")
    third = _log(sqlite_url, _run(sqlite_url))  # the fresh answer now serves the key: no more warnings
    assert not any(e["type"] == "CacheEntryRejected" for e in third)
    assert all(e["payload"]["cache_status"] == "hit" for e in third if e["type"] == "LLMCallCompleted")
    replay = troupe("replay", second, "--verify", store=sqlite_url)
    assert replay.code == 0, replay.out + replay.err


def test_a_recomputed_content_hash_is_caught_by_the_chain_link(sqlite_url):
    first = _run(sqlite_url)
    completion, talk = _first_talk(_log(sqlite_url, first))
    _edit(sqlite_url.removeprefix("sqlite:///"), completion["position"], talk, rehash=True)
    _check_rerun(sqlite_url, first, completion["position"], "chain hash does not match")


def test_in_a_signed_store_a_forged_unkeyed_link_is_caught(sqlite_url):
    env = {KEY_ENV: "focus-group-key"}
    first = _run(sqlite_url, env)
    completion, talk = _first_talk(_log(sqlite_url, first, env))
    _edit(sqlite_url.removeprefix("sqlite:///"), completion["position"], talk, rechain=True)
    _check_rerun(sqlite_url, first, completion["position"], "chain hash does not match", env)
