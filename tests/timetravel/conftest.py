"""A recorded run in a SQLite file, shared by the CLI tests of this package (read-only)."""

from __future__ import annotations

import pytest

from tests.timetravel.builders import NAMES, RunBuilder, append_run
from troupe_es.snapshots import write_snapshots
from troupe_es.store import open_store


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """``(store_url, records)`` of run ``run-a``: 3 agents, 4 steps, snapshots every 25 events."""
    url = f"sqlite:///{tmp_path_factory.mktemp('tt') / 'events.db'}"
    store = open_store(url)
    records = append_run(store, RunBuilder(agents=NAMES[:3]), steps=4)
    write_snapshots(store, "run-a", every=25)
    store.close()
    return url, records
