"""Run heads, the store head, sealing and the signing key: the same on every backend."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

import pytest

from tests.tamper import tamper
from troupe_es.errors import ConcurrencyError, RunSealedError, SigningKeyError
from troupe_es.events import ActionTaken, NewEvent, RunCompleted, RunStarted
from troupe_es.events.canonical import ChainKey, chain_hash
from troupe_es.store.heads import KEY_ENV, digest_of
from troupe_es.store.integrity import expected_chain
from troupe_es.verification import verify

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
KEY = "contract-signing-key"
EXPECTED_SIGNED = ["95796a51387a2331", "a47ca5d85d571f16"]


def act(text: str, **kw) -> NewEvent:
    return NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=text), T0, **kw)


def test_every_append_writes_the_run_head_and_the_store_head(store):
    assert store.run_heads() == [] and store.store_head() is None
    first = store.append("r1", [act("1"), act("2"), act("3")])
    store.append("r2", [act("x"), act("y")])
    last = store.append("r1", [act("4")])
    heads = {h.run_id: h for h in store.run_heads()}
    assert [h.run_id for h in store.run_heads()] == ["r2", "r1"]  # oldest last position first
    r1, r2 = heads["r1"], heads["r2"]
    assert (r1.last_position, r1.last_chain, r1.events, r1.mode, r1.sealed) == \
        (6, last[-1].chain_hash, 4, "plain", False)
    assert (r2.last_position, r2.events) == (5, 2) and r1.last_chain != first[-1].chain_hash
    assert r1.authentic(None) and r2.authentic(None)
    assert r1.mac == hashlib.sha256(r1.text().encode()).hexdigest()
    head = store.store_head()
    assert (head.runs, head.events, head.last_position, head.mode) == (2, 6, 6, "plain")
    assert head.digest == digest_of([r1.mac, r2.mac]) and head.authentic(None)
    assert store.run_heads("r2") == [r2]
    report = verify(store)
    assert report.ok and [(d.run_id, d.mode, d.anchored, d.status) for d in report.details] == \
        [("r1", "plain", True, "ok"), ("r2", "plain", True, "ok")]


def test_run_completed_seals_the_run_and_a_retry_of_that_batch_still_answers(store):
    store.append("r1", [NewEvent("run", RunStarted(scenario_name="s", seed=1, package_version="0"), T0)])
    closing = [act("bye", event_id="c-1"), NewEvent("run", RunCompleted(steps=1), T0, event_id="c-2")]
    sealed = store.append("r1", closing)
    assert store.run_heads("r1")[0].sealed
    with pytest.raises(RunSealedError, match="run r1 is completed"):
        store.append("r1", [act("after the end")])
    assert store.append("r1", closing) == sealed  # an acknowledged batch, retried
    assert store.last_position() == 3 and store.run_heads("r1")[0].events == 3
    store.append("r2", [act("other runs go on")])
    assert verify(store).ok


def test_a_refused_append_leaves_the_heads_as_they_were(store):
    store.append("r1", [act("1", event_id="e1")], expected_version=0)
    before = (store.run_heads(), store.store_head())
    with pytest.raises(ConcurrencyError):
        store.append("r1", [act("2")], expected_version=0)
    with pytest.raises(Exception):
        store.append("r1", [act("2", event_id="e2"), act("dup", event_id="e1")])
    assert (store.run_heads(), store.store_head()) == before


def test_with_a_signing_key_links_and_heads_are_hmacs(clocked_store, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    recs = clocked_store.append("r1", [act("one", event_id="k-1"), act("two", event_id="k-2")])
    # Fixed values: every backend must sign identically for the same input, clock and key.
    assert [r.chain_hash[:16] for r in recs] == EXPECTED_SIGNED
    previous = ""
    for row in clocked_store.iter_rows(run_id="r1"):  # the reference: hmac.new over the same link text
        previous = expected_chain(row, previous, KEY.encode())
        assert row.chain_hash == previous != expected_chain(row, "", None)
    head = clocked_store.run_heads("r1")[0]
    assert head.mode == "hmac" and head.authentic(KEY.encode())
    assert head.authentic(None) is None and head.authentic(b"another key") is False
    assert head.mac == hmac.new(KEY.encode(), head.text().encode(), hashlib.sha256).hexdigest()
    assert clocked_store.store_head().mode == "hmac" and clocked_store.store_head().authentic(KEY.encode())
    report = verify(clocked_store)
    assert report.ok and report.details[0].mode == "hmac" and report.store_head == "hmac"


def test_chain_key_and_keyed_links_are_hmac_sha256():
    for key in (b"", b"k", b"x" * 64, b"y" * 65, "schlüssel".encode() * 30):
        assert ChainKey(key).hexdigest(b"message") == hmac.new(key, b"message", hashlib.sha256).hexdigest()
    assert chain_hash("ab", "cd", b"k") == hmac.new(b"k", b"abcd", hashlib.sha256).hexdigest()
    assert chain_hash("ab", "cd") == hashlib.sha256(b"abcd").hexdigest()


def test_a_signed_store_takes_appends_only_with_its_key(store, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    store.append("r1", [act("signed")])
    before = (store.last_position(), store.run_heads(), store.store_head())
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(SigningKeyError, match="is signed: set TROUPE_ES_SIGNING_KEY"):
        store.append("r2", [act("unsigned")])
    monkeypatch.setenv(KEY_ENV, "wrong-key-xyz")
    with pytest.raises(SigningKeyError, match="is not the key") as err:
        store.append("r1", [act("forged")])
    assert "wrong-key-xyz" not in str(err.value) and KEY not in str(err.value)
    assert (store.last_position(), store.run_heads(), store.store_head()) == before
    monkeypatch.delenv(KEY_ENV)
    report = verify(store)  # without the key: content checked, chain and heads not
    assert not report.ok and report.details[0].status == "unchecked"
    assert "cannot be checked without the key" in report.unchecked and report.problems == []


def test_a_key_signs_only_a_new_store(store, monkeypatch):
    store.append("r1", [act("plain")])
    monkeypatch.setenv(KEY_ENV, KEY)
    with pytest.raises(SigningKeyError, match="can only sign a new store"):
        store.append("r2", [act("signed?")])
    assert store.last_position() == 1 and store.store_head().mode == "plain"
    report = verify(store)  # the key says the store should be signed: it is not
    assert not report.ok and "is set but the store is not signed" in report.problem


def test_verify_sees_a_removed_tail_a_removed_run_and_an_emptied_log(store):
    store.append("r1", [act("1"), act("2"), act("3")])
    store.append("r2", [act("x"), act("y")])
    store.append("r3", [act("z")])
    _remove_rows(store, [6])  # r3's only event
    report = verify(store)
    assert not report.ok and report.run_id == "r3" and "the run was deleted" in report.problem
    _remove_rows(store, [3])  # r1's tail
    problems = [p.message for p in verify(store).problems]
    assert any(p.startswith("run r1: the log has 2 events up to position 2") and "removed from its end" in p
               for p in problems)
    _remove_rows(store, [1, 2, 4, 5])
    report = verify(store)
    assert not report.ok and report.events == 0
    assert any("the log is empty but the store head records 6 events in 3 run(s)" in p.message
               for p in report.problems)


def _remove_rows(store, positions: list[int]) -> None:
    """Delete rows behind the store's back (the append-only triggers dropped first)."""
    if store.url == "memory://":
        rows = store._raw_rows()
        rows[:] = [r for r in rows if r.position not in positions]
        return
    tamper(store.engine.url, f"DELETE FROM troupe_events WHERE position IN ({', '.join(map(str, positions))})")
