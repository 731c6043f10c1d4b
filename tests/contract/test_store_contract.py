"""One contract, every backend: in-memory, SQLite and PostgreSQL must behave the same."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from troupe_es.errors import ConcurrencyError, DuplicateEventError, RunNotFoundError
from troupe_es.events import ActionTaken, NewEvent, RunStarted, StimulusPerceived
from troupe_es.store import Snapshot

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
EXPECTED_HASHES = ['74472d5eef7a1766', 'ee39a7c784d8909e']
EXPECTED_CHAIN = ['6faeb52435bdd06f', '5717d4725bad0f3f', 'c9e244244a329460', '00f9600a394f7e40']


def act(agent: str, text: str, **kw) -> NewEvent:
    return NewEvent(f"agent/{agent}", ActionTaken(agent=agent, action="TALK", content=text), T0, **kw)


def test_append_assigns_positions_versions_and_hashes(store):
    recs = store.append("r1", [NewEvent("run", RunStarted(scenario_name="s", seed=1, package_version="0"), T0),
                               act("a", "hi"), act("a", "again"), act("b", "yo")])
    assert [r.position for r in recs] == [1, 2, 3, 4]
    assert [r.stream_version for r in recs] == [1, 1, 2, 1]
    assert len({r.content_hash for r in recs}) == 4 and len({r.chain_hash for r in recs}) == 4
    read = list(store.read(run_id="r1"))
    assert [(r.position, r.content_hash, r.chain_hash, r.event) for r in read] == \
        [(r.position, r.content_hash, r.chain_hash, r.event) for r in recs]
    assert read[1].sim_time == T0 and read[1].recorded_at.tzinfo is not None


def test_content_hashes_are_the_same_on_every_backend(store):
    recs = store.append("r1", [act("a", "same meaning everywhere"),
                               NewEvent("agent/a", StimulusPerceived(agent="a", kind="listen", content="x"), T0)])
    # Fixed values: any backend (or a change to hashing) that disagrees fails here.
    assert [r.content_hash[:16] for r in recs] == EXPECTED_HASHES
    from troupe_es.events import content_hash
    for r in recs:
        assert r.content_hash == content_hash(r.type, r.event.schema_version, r.stream, r.sim_time,
                                              r.event.payload(), r.event.volatile_fields)


def test_batches_are_all_or_nothing(store):
    store.append("r1", [act("a", "one", event_id="e1")])
    with pytest.raises(DuplicateEventError):
        store.append("r1", [act("a", "two", event_id="e2"), act("a", "dup", event_id="e1")])
    assert [r.event.content for r in store.read()] == ["one"]
    assert store.stream_version("r1", "agent/a") == 1 and store.last_position() == 1


def test_large_batch_with_a_duplicate_id_writes_nothing(store):
    store.append("r1", [act("a", "one", event_id="dup")])
    batch = [act("a", f"n{i}", event_id=f"new-{i}") for i in range(50)] + [act("a", "again", event_id="dup")]
    with pytest.raises(DuplicateEventError):
        store.append("r1", batch)
    assert store.last_position() == 1 and store.stream_version("r1", "agent/a") == 1


def test_optimistic_concurrency_per_stream(store):
    store.append("r1", [act("a", "1")], expected_version=0)
    with pytest.raises(ConcurrencyError):
        store.append("r1", [act("a", "2")], expected_version=0)
    store.append("r1", [act("a", "2")], expected_version=1)
    store.append("r1", [act("a", "3"), act("b", "1")], expected_version={"agent/a": 2, "agent/b": 0})
    with pytest.raises(ConcurrencyError):
        store.append("r1", [act("a", "4"), act("b", "2")], expected_version={"agent/a": 3, "agent/b": 0})
    assert store.stream_version("r1", "agent/a") == 3 and store.stream_version("r1", "agent/b") == 1
    store.append("r2", [act("a", "other run")], expected_version=0)  # versions are per run


def test_retrying_an_acknowledged_batch_writes_nothing_new(store):
    batch = [act("a", "x", event_id="id-1"), act("a", "y", event_id="id-2")]
    first = store.append("r1", batch)
    again = store.append("r1", batch)
    assert [r.position for r in again] == [r.position for r in first]
    assert store.last_position() == 2
    with pytest.raises(DuplicateEventError):
        store.append("r1", [act("a", "x", event_id="id-1"), act("a", "z", event_id="id-3")])
    assert store.last_position() == 2


def test_reads_by_run_stream_type_and_inclusive_range_across_pages(store):
    events = []
    for i in range(25):
        events.append(act("a" if i % 2 else "b", f"m{i}"))
    store.append("r1", events)
    store.append("r2", [NewEvent("agent/a", StimulusPerceived(agent="a", kind="see", content="s"), T0)])
    assert len(list(store.read(run_id="r1", batch_size=4))) == 25
    assert [r.event.content for r in store.read(stream="agent/a", run_id="r1", batch_size=3)][:2] == ["m1", "m3"]
    assert [r.position for r in store.read(from_position=5, until_position=9, batch_size=2)] == [5, 6, 7, 8, 9]
    assert [r.run_id for r in store.read(types=["StimulusPerceived"])] == ["r2"]
    assert list(store.read(run_id="nope")) == []


def test_runs_resolve_and_summaries(store):
    store.append("alpha-1", [act("a", "x")])
    store.append("alpha-2", [act("a", "x"), act("a", "y")])
    store.append("beta-1", [act("a", "z")])
    summaries = store.run_summaries()
    assert [(s.run_id, s.events, s.first_position, s.last_position) for s in summaries] == [
        ("alpha-1", 1, 1, 1), ("alpha-2", 2, 2, 3), ("beta-1", 1, 4, 4)]
    assert store.resolve_run("beta") == "beta-1" and store.resolve_run("alpha-2") == "alpha-2"
    assert store.resolve_run("last") == "beta-1"
    with pytest.raises(RunNotFoundError, match="ambiguous"):
        store.resolve_run("alpha")
    with pytest.raises(RunNotFoundError):
        store.resolve_run("gamma")


def test_snapshots_and_checkpoints(store):
    store.save_snapshot(Snapshot("r1", "state", 10, {"n": 10}))
    store.save_snapshot(Snapshot("r1", "state", 20, {"n": 20}))
    store.save_snapshot(Snapshot("r1", "state", 20, {"n": 21}))  # replaced
    assert store.load_snapshot("r1", "state").state == {"n": 21}
    assert store.load_snapshot("r1", "state", at_or_before=15).position == 10
    assert store.load_snapshot("r1", "state", at_or_before=5) is None
    assert store.load_snapshot("r2", "state") is None
    assert store.load_checkpoint("p") == 0
    store.save_checkpoint("p", 7)
    store.save_checkpoint("p", 9)
    assert store.load_checkpoint("p") == 9


def test_large_payloads_round_trip(store):
    text = "lorem ipsum " * 2000
    store.append("r1", [act("a", text)])
    assert next(iter(store.read())).event.content == text


def test_empty_batch_is_a_no_op(store):
    assert store.append("r1", []) == []
    assert store.last_position() == 0 and store.run_summaries() == []


def test_chain_hashes_are_the_same_on_every_backend(clocked_store):
    batch = [act("a", "one", event_id="e-1"), act("b", "two", event_id="e-2", causation_id="e-1"),
             NewEvent("agent/a", StimulusPerceived(agent="a", kind="see", content="x"), None, event_id="e-3")]
    recs = clocked_store.append("r1", batch) + clocked_store.append("r2", [act("c", "other run", event_id="e-4")])
    # Fixed values: every backend must chain identically for the same input and clock.
    assert [r.chain_hash[:16] for r in recs] == EXPECTED_CHAIN
    assert [r.chain_hash for r in clocked_store.read()] == [r.chain_hash for r in recs]
    from troupe_es.events.canonical import chain_hash, record_hash
    previous = ""
    for row in clocked_store.iter_rows(run_id="r1"):
        link = record_hash(position=row.position, run_id=row.run_id, stream=row.stream,
                           stream_version=row.stream_version, event_id=row.event_id,
                           causation_id=row.causation_id, type_=row.type, schema_version=row.schema_version,
                           sim_time=row.sim_time, recorded_at=row.recorded_at, content_hash=row.content_hash,
                           payload_json=row.payload)
        previous = chain_hash(previous, link)
        assert row.chain_hash == previous


def test_a_retried_batch_returns_the_stored_records(store):
    batch = [act("a", "x", event_id="k-1"), act("b", "y", event_id="k-2")]
    first = store.append("r1", batch, expected_version={"agent/a": 0, "agent/b": 0})
    again = store.append("r1", batch)
    assert again == first
    assert store.stream_version("r1", "agent/a") == 1 and store.last_position() == 2


def test_expected_version_mismatch_writes_nothing(store):
    store.append("r1", [act("a", "1")])
    with pytest.raises(ConcurrencyError, match="version 1, expected 0"):
        store.append("r1", [act("a", "2"), act("b", "1")], expected_version={"agent/a": 0})
    with pytest.raises(ConcurrencyError):
        store.append("r1", [act("a", "2")], expected_version={"agent/a": 1, "agent/zz": 3})
    assert store.last_position() == 1 and store.stream_version("r1", "agent/b") == 0


def test_pages_never_skip_or_repeat_across_append_batches(store):
    for n in range(7):
        store.append("r1", [act("a" if i % 3 else "b", f"{n}-{i}") for i in range(n + 1)])
    every = [r.position for r in store.read(batch_size=3)]
    assert every == list(range(1, 29))
    assert [r.position for r in store.iter_rows(run_id="r1", stream="agent/b", batch_size=2)] == \
        [r.position for r in store.read() if r.stream == "agent/b"]
    assert [r.position for r in store.read(from_position=27, batch_size=1)] == [27, 28]
    assert list(store.read(from_position=29)) == []
    assert list(store.read(types=[])) == []


def test_invalid_event_in_a_batch_writes_nothing(store):
    class NotJson:
        pass

    bad = ActionTaken.model_construct(agent="a", action="TALK", content=NotJson(), target=None, index=0)
    with pytest.raises((TypeError, ValueError)):
        store.append("r1", [act("a", "fine"), NewEvent("agent/a", bad, T0)])
    assert store.last_position() == 0 and list(store.read()) == []


def _raw_row(store, position: int, type_: str, schema_version: int, payload: str) -> None:
    """Put a row into the store behind its back (what an older troupe-es or a bug wrote)."""
    from troupe_es.store.rows import StoredRow

    row = StoredRow(position, "r1", "agent/a", position, f"raw-{position}", None, type_, schema_version,
                    None, "2026-03-01T09:00:00+00:00", "0" * 64, "0" * 64, payload)
    if store.url == "memory://":
        store._raw_rows().append(row)
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(store_url_of(store))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO troupe_events (position, run_id, stream, stream_version, event_id, "
                          "causation_id, type, schema_version, sim_time, recorded_at, content_hash, chain_hash, "
                          "payload) VALUES (:p, :r, :s, :v, :e, :c, :t, :sv, :st, :ra, :ch, :chn, :pl)"),
                     dict(zip(("p", "r", "s", "v", "e", "c", "t", "sv", "st", "ra", "ch", "chn", "pl"), row)))
    engine.dispose()


def store_url_of(store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_a_stored_v1_row_reads_back_upcast_to_v2(store):
    store.append("r1", [act("a", "first")])
    _raw_row(store, 2, "StimulusPerceived", 1, '{"agent":"a","kind":"listen","source":null,"text":"old words"}')
    got = list(store.read())
    assert got[1].event == StimulusPerceived(agent="a", kind="listen", content="old words")
    assert got[1].event.schema_version == 2 and got[1].position == 2
    assert [r.event.content for r in store.read(types=["StimulusPerceived"])] == ["old words"]


def test_an_unknown_type_row_names_its_position(store):
    from troupe_es.errors import UnknownEventTypeError

    store.append("r1", [act("a", "first")])
    _raw_row(store, 2, "Teleported", 1, "{}")
    with pytest.raises(UnknownEventTypeError) as err:
        list(store.read())
    assert err.value.position == 2 and err.value.type == "Teleported" and "position 2" in str(err.value)
    assert [r.event.content for r in store.read(until_position=1)] == ["first"]


def test_blobs_are_content_addressed_idempotent_and_not_events(store):
    import hashlib

    from troupe_es.errors import StoreError

    data = bytes(range(256)) * 40
    name = store.put_blob(data, "image/png")
    assert name == hashlib.sha256(data).hexdigest()
    assert store.put_blob(data, "image/png") == name  # the same bytes again: nothing new
    blob = store.get_blob(name)
    assert (blob.sha256, blob.media_type, blob.data, blob.size) == (name, "image/png", data, len(data))
    other = store.put_blob(b"GIF89a-other", "image/gif")
    assert store.blob_hashes() == sorted([name, other])
    assert store.get_blob("0" * 64) is None
    assert store.last_position() == 0 and store.run_summaries() == []  # blobs are not events
    for bad, media in ((b"", "image/png"), (b"x", "png"), ("text", "image/png")):
        with pytest.raises(StoreError):
            store.put_blob(bad, media)
    assert store.blob_hashes() == sorted([name, other])
