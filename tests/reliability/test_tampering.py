"""Corrupted and tampered rows are reported with their position; nothing else changes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from tests.cli.helpers import troupe
from tests.tamper import tamper
from troupe_es.errors import CorruptEventError, HeadMismatchError
from troupe_es.events import ActionTaken, NewEvent, RunCompleted, RunStarted
from troupe_es.events.canonical import content_hash_from_json
from troupe_es.store import open_store
from troupe_es.store.heads import KEY_ENV, digest_of, make_run_head, make_store_head
from troupe_es.store.integrity import expected_chain
from troupe_es.store.rows import StoredRow
from troupe_es.verification import verify

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def _talk(n: int, run: str = "r1") -> list[NewEvent]:
    return [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=f"m{i}"), event_id=f"{run}-{i}")
            for i in range(n)]


def _snapshot(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT * FROM troupe_events ORDER BY position"))]
    engine.dispose()
    return rows


def test_corrupt_payload_is_reported_by_read_and_verify_and_nothing_else_changes(sql_url):
    with open_store(sql_url) as store:
        store.append("r1", _talk(5))
    engine = create_engine(sql_url)
    with engine.begin() as conn:  # inserts pass the append-only triggers: no trigger to drop
        conn.execute(text(
            "INSERT INTO troupe_events (position, run_id, stream, stream_version, event_id, type, schema_version, "
            "recorded_at, content_hash, chain_hash, payload) VALUES (6, 'r1', 'agent/a', 6, 'bad', 'ActionTaken', "
            "1, '2026-01-01T00:00:00+00:00', 'x', 'y', '{\"agent\": [1, 2]}')"))
    engine.dispose()
    before = _snapshot(sql_url)
    with open_store(sql_url) as store:
        with pytest.raises(CorruptEventError) as err:
            list(store.read())
        assert err.value.position == 6 and err.value.type == "ActionTaken"
        assert "position 6" in str(err.value) and "ActionTaken" in str(err.value)
        assert [r.event.content for r in store.read(until_position=5)] == [f"m{i}" for i in range(5)]
        report = verify(store)
        assert not report.ok and report.first_bad_position == 6 and report.events == 6
    res = troupe("verify", store=sql_url)
    assert res.code == 3 and "position 6" in res.err
    assert _snapshot(sql_url) == before, "reading or verifying altered the log"


def test_payload_changed_behind_the_stores_back_fails_verification(sql_url):
    with open_store(sql_url) as store:
        store.append("r1", _talk(6))
        store.append("r2", _talk(3, "r2"))
        assert verify(store).ok
    engine = create_engine(sql_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER troupe_events_no_change ON troupe_events"))
        else:
            conn.execute(text("DROP TRIGGER troupe_events_no_update"))
        conn.execute(text("UPDATE troupe_events SET payload = replace(payload, 'm3', 'mX') WHERE position = 4"))
    engine.dispose()
    with open_store(sql_url) as store:
        report = verify(store)
        assert not report.ok and report.first_bad_position == 4 and report.run_id == "r1"
        assert verify(store, "r2").ok
    res = troupe("verify", store=sql_url)
    assert res.code == 3 and "position 4" in res.err


def test_retrying_an_acknowledged_batch_after_a_restart_writes_nothing_new(sql_url):
    with open_store(sql_url) as store:
        first = store.append("r1", _talk(300))
    before = _snapshot(sql_url)
    with open_store(sql_url) as store:  # a new process would see exactly this
        again = store.append("r1", _talk(300))
    assert again == first
    assert _snapshot(sql_url) == before


# ---- the anchored chain: what verify catches, with the position or the run named ------------------

KEY = "tamper-test-key"


def _two_runs(url: str) -> None:
    """r1: positions 1-8, ending with RunCompleted; r2: positions 9-12, still open."""
    with open_store(url) as store:
        store.append("r1", [NewEvent("run", RunStarted(scenario_name="s", seed=1, package_version="0")),
                            *_talk(6), NewEvent("run", RunCompleted(steps=1))])
        store.append("r2", [NewEvent("run", RunStarted(scenario_name="s", seed=2, package_version="0")),
                            *_talk(3, "r2")])


def _failed(url: str, *args: str, env: dict | None = None) -> str:
    res = troupe("verify", *args, store=url, env=env)
    assert res.code == 3, res.out + res.err
    assert not any(line.startswith("ok:") for line in res.out.splitlines())
    return res.err


@pytest.fixture
def two_runs(sql_url):
    _two_runs(sql_url)
    res = troupe("verify", store=sql_url)
    assert res.code == 0 and "12 events in 2 run(s) verified" in res.out
    return sql_url


def test_a_deleted_middle_row_is_named(two_runs):
    tamper(two_runs, "DELETE FROM troupe_events WHERE position = 4")
    err = _failed(two_runs)
    assert "position 5 (run r1, ActionTaken)" in err and "chain hash does not match" in err


def test_two_reordered_rows_are_named(two_runs):
    tamper(two_runs, "UPDATE troupe_events SET position = -3 WHERE position = 3",
            "UPDATE troupe_events SET position = 3 WHERE position = 4",
            "UPDATE troupe_events SET position = 4 WHERE position = -3")
    assert "position 3 (run r1, ActionTaken)" in _failed(two_runs)


@pytest.mark.parametrize("change", ["recorded_at = '2030-01-01T00:00:00+00:00'", "event_id = 'forged-id'",
                                    "causation_id = 'r1-0'", "stream_version = stream_version + 100"])
def test_an_edited_envelope_field_is_named(two_runs, change):
    tamper(two_runs, f"UPDATE troupe_events SET {change} WHERE position = 5")
    assert "position 5 (run r1, ActionTaken)" in _failed(two_runs)


def test_a_truncated_tail_with_run_completed_is_named(two_runs):
    tamper(two_runs, "DELETE FROM troupe_events WHERE run_id = 'r1' AND position >= 6")
    err = _failed(two_runs)
    assert "run r1: the log has 5 events up to position 5 but its head records 8 up to position 8" in err
    tamper(two_runs, "DELETE FROM troupe_events WHERE run_id = 'r2' AND position >= 11")  # the log's end
    err = _failed(two_runs, "r2")
    assert "run r2: the log has 2 events up to position 10" in err and "removed from its end" in err


def test_a_deleted_run_is_named_and_without_its_head_the_store_head_sees_it(two_runs, tmp_path):
    kept = tmp_path / "heads.json"
    assert troupe("verify", "--export-heads", str(kept), store=two_runs).code == 0
    tamper(two_runs, "DELETE FROM troupe_events WHERE run_id = 'r2'")
    assert "run r2 has no events but its head records 4 up to position 12 (the run was deleted)" in \
        _failed(two_runs)
    assert "the run was deleted" in _failed(two_runs, "r2")  # found by its head
    tamper(two_runs, "DELETE FROM troupe_run_heads WHERE run_id = 'r2'")
    err = _failed(two_runs)
    assert "the store head records 2 run(s) with 12 events but 1 run head(s) with 8 events" in err
    assert "the log ends at position 8 but the store head records 12 events" in err
    assert "run r2 is missing (exported with 4 events up to position 12)" in _failed(two_runs, "--against",
                                                                                      str(kept))


def test_an_emptied_events_table_is_not_ok(two_runs):
    emptied = "TRUNCATE troupe_events" if two_runs.startswith("postgresql") else "DELETE FROM troupe_events"
    tamper(two_runs, emptied)
    res = troupe("verify", "--json", store=two_runs)
    report = json.loads(res.out)
    assert res.code == 3 and report["ok"] is False and report["events"] == 0
    assert {p["run_id"] for p in report["problems"]} >= {"r1", "r2"}
    err = _failed(two_runs)
    assert "the log is empty but the store head records 12 events in 2 run(s) up to position 12" in err
    with pytest.raises(HeadMismatchError, match="ends at position 0 but its store head records position 12"):
        with open_store(two_runs) as store:  # and nothing is written on top of the hole
            store.append("r3", _talk(1, "r3"))


def _reforge(url: str, run_id: str, position: int, old: str, new: str, *, heads: bool) -> None:
    """Rewrite a payload as a forger without the signing key can: recompute its content hash and
    the run's chain from there with plain sha256; with ``heads``, re-forge the run head and the
    store head too (plain MACs, the only kind such a forger can compute)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [StoredRow(*r[:13]) for r in conn.execute(text(
            "SELECT position, run_id, stream, stream_version, event_id, causation_id, type, schema_version, "
            "sim_time, recorded_at, content_hash, chain_hash, payload FROM troupe_events "
            "WHERE run_id = :r ORDER BY position"), {"r": run_id})]
        others = [r[0] for r in conn.execute(text("SELECT mac FROM troupe_run_heads WHERE run_id <> :r"),
                                             {"r": run_id})]
    engine.dispose()
    statements: list = []
    previous = ""
    for row in rows:
        if row.position == position:
            payload = row.payload.replace(old, new)
            content = content_hash_from_json(row.type, row.schema_version, row.stream, row.sim_time, payload)
            row = row._replace(payload=payload, content_hash=content)
            statements.append(("UPDATE troupe_events SET payload = :p, content_hash = :c WHERE position = :n",
                               {"p": payload, "c": content, "n": position}))
        if row.position >= position:
            previous = expected_chain(row, previous)
            statements.append(f"UPDATE troupe_events SET chain_hash = '{previous}' WHERE position = {row.position}")
        else:
            previous = row.chain_hash
    if heads:
        last = rows[-1]
        head = make_run_head(run_id, last.position, previous, len(rows), "plain", False, None)
        with open_store(url) as store:
            top = store.last_position()
            events = sum(s.events for s in store.run_summaries())
        store_head = make_store_head(1 + len(others), events, top, digest_of([head.mac, *others]), "plain", None)
        statements += [f"UPDATE troupe_run_heads SET last_chain = '{previous}', mode = 'plain', mac = '{head.mac}' "
                       f"WHERE run_id = '{run_id}'",
                       f"UPDATE troupe_store_head SET digest = '{store_head.digest}', mode = 'plain', "
                       f"mac = '{store_head.mac}'"]
    tamper(url, *statements)


def test_a_payload_rewritten_with_an_unkeyed_chain_passes_plain_but_not_keyed(sql_url, tmp_path, monkeypatch):
    _two_runs(sql_url)
    kept = tmp_path / "heads.json"
    assert troupe("verify", "--export-heads", str(kept), store=sql_url).code == 0
    _reforge(sql_url, "r2", 10, "m0", "mX", heads=True)
    assert troupe("verify", store=sql_url).code == 0, "plain mode cannot see a consistent re-forge"
    assert "run r2 differs from the exported heads" in _failed(sql_url, "--against", str(kept))


@pytest.mark.parametrize("heads", [False, True], ids=["rows", "rows-and-heads"])
def test_a_payload_rewritten_with_an_unkeyed_chain_is_caught_in_a_signed_store(sql_url, monkeypatch, heads):
    monkeypatch.setenv(KEY_ENV, KEY)
    _two_runs(sql_url)
    assert troupe("verify", store=sql_url).code == 0
    _reforge(sql_url, "r2", 10, "m0", "mX", heads=heads)
    err = _failed(sql_url)
    if heads:  # the forger had to downgrade the heads: the key says the store must be signed
        assert "TROUPE_ES_SIGNING_KEY is set but the store is not signed (its store head is plain)" in err
    else:
        assert "position 10 (run r2, ActionTaken): chain hash does not match" in err
    assert KEY not in err
