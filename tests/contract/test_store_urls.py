"""Store URLs: what opens which backend, and clear one-line errors for the rest."""

from __future__ import annotations

import threading

import pytest

from troupe_es.errors import ConfigurationError
from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import open_store
from troupe_es.store.connections import safe_url, sqlite_path


@pytest.mark.parametrize("url, message", [
    ("troupe.db", "invalid store URL 'troupe.db': expected sqlite:///FILE"),
    ("sqlite:relative.db", "invalid store URL"),
    ("sqlite://relative.db", "three slashes"),
    ("mysql://user:secret@db/x", "unsupported store URL mysql://user:***@db/x"),
])
def test_bad_urls_are_one_clear_line(url, message):
    with pytest.raises(ConfigurationError) as err:
        open_store(url)
    assert message in str(err.value)
    assert "\n" not in str(err.value) and "secret" not in str(err.value)


def test_sqlite_paths():
    assert sqlite_path("sqlite:///troupe.db") == "troupe.db"
    assert sqlite_path("sqlite:////tmp/a%20b.db") == "/tmp/a b.db"
    assert sqlite_path("sqlite://") == sqlite_path("sqlite:///:memory:") == ":memory:"
    assert safe_url("postgresql+psycopg://me:pw@host:5432/db") == "postgresql+psycopg://me:***@host:5432/db"
    assert safe_url("sqlite:///x.db") == "sqlite:///x.db"


def test_an_in_memory_sqlite_store_is_one_database_shared_by_every_thread():
    errors: list[BaseException] = []
    with open_store("sqlite://") as store:
        start = threading.Barrier(4)

        def write(i: int) -> None:
            try:
                start.wait(timeout=10)  # all four at once: each needs the one shared database
                store.append(f"r{i}", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=f"m{i}"))])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(r.event.content for r in store.read()) == ["m0", "m1", "m2", "m3"]
        assert [r.position for r in store.read()] == [1, 2, 3, 4]


def test_a_failed_transaction_leaves_a_usable_connection(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/x.db") as store:
        store.append("r", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content="one"), event_id="e1")])
        with pytest.raises(Exception):
            store.append("r", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content="x"), event_id="e2"),
                               NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content="x"), event_id="e2")])
        store.append("r", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content="two"))])
        assert [r.event.content for r in store.read()] == ["one", "two"]
