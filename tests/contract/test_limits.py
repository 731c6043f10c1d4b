"""Backend parity of limits (issue 9.10): every backend takes exactly what PostgreSQL's column
sizes take, and refuses the rest with one StoreError before writing anything.

SQLite ignores ``varchar(n)``; without the shared check a 300-character agent name worked there
and failed half-way through a run on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from troupe_es import limits
from troupe_es.errors import StoreError
from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import schema

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def act(stream: str = "agent/a", **kw) -> NewEvent:
    return NewEvent(stream, ActionTaken(agent="a", action="TALK", content="hi"), T0, **kw)


def test_the_limits_are_the_schemas_column_sizes():
    columns = schema.events.c
    assert columns.run_id.type.length == limits.RUN_ID_CHARS
    assert columns.stream.type.length == limits.STREAM_CHARS
    assert columns.event_id.type.length == columns.causation_id.type.length == limits.EVENT_ID_CHARS
    assert limits.NAME_CHARS + len("agent/") == limits.STREAM_CHARS


def test_the_longest_allowed_texts_are_stored_and_read_back_on_every_backend(store):
    run_id = "r" * limits.RUN_ID_CHARS
    stream = "agent/" + "n" * limits.NAME_CHARS
    first = store.append(run_id, [act(stream, event_id="e" * limits.EVENT_ID_CHARS)])[0]
    store.append(run_id, [act(stream, causation_id=first.event_id)])
    read = list(store.read(run_id=run_id))
    assert [(r.run_id, r.stream) for r in read] == [(run_id, stream)] * 2
    assert read[0].event_id == "e" * limits.EVENT_ID_CHARS and read[1].causation_id == read[0].event_id


TOO_LONG = [
    ("run id", lambda: ("r" * (limits.RUN_ID_CHARS + 1), [act()]),
     f"run id is {limits.RUN_ID_CHARS + 1} characters; the event store allows at most {limits.RUN_ID_CHARS}"),
    ("stream", lambda: ("r1", [act(), act("agent/" + "n" * (limits.NAME_CHARS + 1))]),
     f"is {limits.STREAM_CHARS + 1} characters; the event store allows at most {limits.STREAM_CHARS}"),
    ("event id", lambda: ("r1", [act(event_id="e" * (limits.EVENT_ID_CHARS + 1))]),
     f"is {limits.EVENT_ID_CHARS + 1} characters; the event store allows at most {limits.EVENT_ID_CHARS}"),
    ("causation id", lambda: ("r1", [act(causation_id="c" * (limits.EVENT_ID_CHARS + 1))]),
     f"is {limits.EVENT_ID_CHARS + 1} characters; the event store allows at most {limits.EVENT_ID_CHARS}"),
    ("NUL in stream", lambda: ("r1", [act("agent/a\x00b")]), "contains a NUL character"),
    ("NUL in run id", lambda: ("r\x001", [act()]), "contains a NUL character"),
    ("empty run id", lambda: ("", [act()]), "the run id is empty"),
]


@pytest.mark.parametrize("what, batch, problem", TOO_LONG, ids=[t[0] for t in TOO_LONG])
def test_text_that_postgresql_would_refuse_is_refused_by_every_backend_before_writing(store, what, batch, problem):
    store.append("r0", [act()])
    run_id, events = batch()
    with pytest.raises(StoreError) as err:
        store.append(run_id, events)
    assert problem in str(err.value) and "\n" not in str(err.value)
    assert store.last_position() == 1  # nothing of the batch was written
