"""Corrupted and tampered rows are reported with their position; nothing else changes."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.cli.helpers import troupe
from troupe_es.errors import CorruptEventError
from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import open_store
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
