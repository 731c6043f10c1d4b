"""What only SQL stores promise: triggers, schema versioning, clear errors for dead databases."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text

from troupe_es.errors import CorruptEventError, SchemaVersionError, StoreError, StoreUnavailableError
from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import open_store


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def _act(text_: str) -> NewEvent:
    return NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=text_))


def test_schema_is_created_on_first_use_and_rows_are_append_only(sql_url):
    with open_store(sql_url) as store:
        store.append("r1", [_act("kept")])
    engine = create_engine(sql_url.replace("postgresql+psycopg", "postgresql+psycopg"))
    for statement in ("UPDATE troupe_events SET payload = '{}'", "DELETE FROM troupe_events"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE troupe_events"))
    engine.dispose()
    with open_store(sql_url) as store:
        assert [r.event.content for r in store.read()] == ["kept"]


def test_newer_schema_is_refused(sql_url):
    open_store(sql_url).close()
    engine = create_engine(sql_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE troupe_meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="schema v99, newer"):
        open_store(sql_url)


def test_unreachable_databases_give_one_line_without_password(tmp_path):
    with pytest.raises(StoreUnavailableError) as err:
        open_store("postgresql+psycopg://postgres:hunter2@127.0.0.1:1/test")
    message = str(err.value)
    assert "cannot open event store" in message and "hunter2" not in message and "\n" not in message
    with pytest.raises(StoreUnavailableError, match="cannot open event store"):
        open_store(f"sqlite:///{tmp_path}/missing-dir/x.db")


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open event store"):
        open_store(f"sqlite:///{path}")


def test_corrupt_and_unknown_rows_name_their_position(sql_url):
    with open_store(sql_url) as store:
        store.append("r1", [_act("good")])
        raw = list(store.iter_rows())[0]
        engine = create_engine(sql_url)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO troupe_events (position, run_id, stream, stream_version, event_id, type, "
                "schema_version, recorded_at, content_hash, chain_hash, payload) VALUES "
                "(2, 'r1', 'agent/a', 2, 'bad-1', 'ActionTaken', 1, :t, 'x', 'y', '{\"agent\": 42}'),"
                "(3, 'r1', 'agent/a', 3, 'bad-2', 'Teleported', 1, :t, 'x', 'y', '{}')"), {"t": raw.recorded_at})
        engine.dispose()
        with pytest.raises(CorruptEventError) as err:
            list(store.read())
        assert err.value.position == 2 and "ActionTaken" in str(err.value)
        with pytest.raises(CorruptEventError, match="position 3.*unknown type 'Teleported'"):
            list(store.read(from_position=3))
        assert next(iter(store.read(until_position=1))).event.content == "good"
        skipped: list[CorruptEventError] = []
        assert [r.position for r in store.read(on_corrupt=skipped.append)] == [1]
        assert [(e.position, e.run_id, e.type) for e in skipped] == [(2, "r1", "ActionTaken"), (3, "r1", "Teleported")]


def test_sqlite_uses_wal(sqlite_url):
    open_store(sqlite_url).close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_from_before_heads_opens_and_reports_its_runs_as_unanchored(sql_url):
    from tests.cli.helpers import troupe
    from troupe_es.verification import verify

    with open_store(sql_url) as store:
        store.append("old-1", [_act("a"), _act("b")])
        store.append("old-2", [_act("c")])
    engine = create_engine(sql_url)
    with engine.begin() as conn:  # what a store written before heads existed looks like
        conn.execute(text("DROP TABLE troupe_run_heads"))
        conn.execute(text("DROP TABLE troupe_store_head"))
        conn.execute(text("UPDATE troupe_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    res = troupe("verify", store=sql_url)
    assert res.code == 0, res.err
    assert "old-1  plain, unanchored  2 events" in res.out and "2 run(s) unanchored" in res.out
    with open_store(sql_url) as store:
        assert store.run_heads() == [] and store.store_head() is None
        store.append("old-1", [_act("d")])  # an old run continues: its head counts all its events
        store.append("new", [_act("e")])
        heads = {h.run_id: h.events for h in store.run_heads()}
        assert heads == {"old-1": 3, "new": 1}
        assert (store.store_head().runs, store.store_head().events, store.store_head().last_position) == (2, 4, 5)
        report = verify(store)
        assert report.ok and [(d.run_id, d.anchored) for d in report.details] == \
            [("old-1", True), ("old-2", False), ("new", True)]
    engine = create_engine(sql_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM troupe_meta WHERE key = 'schema_version'")).scalar() == "2"
    engine.dispose()
