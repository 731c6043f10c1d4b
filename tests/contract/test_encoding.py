"""The append hot path builds exactly the texts the reference hash functions define.

``encode_batch`` and the fast payload path (:mod:`troupe_es.store.payloads`) avoid pydantic
and re-encoding; here every shortcut is checked against :func:`canonical_json`,
:func:`content_hash`, :func:`record_hash` and :func:`chain_hash` on events of every shape.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from troupe_es.events import (
    ActionTaken,
    CognitiveStateChanged,
    LLMAttempt,
    LLMCallCompleted,
    NewEvent,
    PersonaDefined,
    RunStarted,
    StimulusPerceived,
    canonical_json,
    content_hash,
)
from troupe_es.events.canonical import chain_hash, record_hash
from troupe_es.store.payloads import is_plain, payload_texts
from troupe_es.store.rows import decode_row, decode_rows, encode_batch, encode_records

T0 = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
CET = timezone(timedelta(hours=1))

EVENTS = [
    ActionTaken(agent="ä", action="TALK", content='quote " slash \\ tab \t emoji 🙂 \u2028', index=3),
    StimulusPerceived(agent="a", kind="listen", content="x", source=None),
    CognitiveStateChanged(agent="a", goals=["g1", "g2"], attention=None),
    PersonaDefined(agent="a", persona={"age": 30, "nested": {"x": [1, 2.5, None]}}, sources=["p.json"]),
    LLMCallCompleted(call_id="c", request_key="k", provider="mock", model="m", response_text="hi",
                     parsed={"a": 1}, cost_usd=0.1, latency_ms=12.5, attempts=2,
                     attempt_errors=[LLMAttempt(attempt=1, error="boom", status_code=500)], cache_status="hit"),
    RunStarted(scenario_name="s", seed=7, package_version="0"),
]


def test_plain_classes_are_recognised():
    assert is_plain(ActionTaken) and is_plain(StimulusPerceived) and is_plain(CognitiveStateChanged)
    assert not is_plain(PersonaDefined)  # dict[str, Any] may hold datetimes: pydantic's path
    assert not is_plain(LLMCallCompleted)  # nested models


ODD = [PersonaDefined(agent="a", persona={"when": T0.astimezone(CET), "t": (1, 2)}),
       ActionTaken(agent="a", action="TALK", content="ok", index=True)]


@pytest.mark.parametrize("event", EVENTS + ODD, ids=lambda e: e.type)
def test_payload_texts_equal_the_canonical_json_of_the_payload(event):
    payload = event.payload()
    hashed = {k: v for k, v in payload.items() if k not in event.volatile_fields}
    assert payload_texts(event) == (canonical_json(payload), canonical_json(hashed))


def test_encoded_rows_match_the_reference_hashes():
    news = [NewEvent("agent/a" if i % 2 else "world/w", e, [T0, None, T0.astimezone(CET)][i % 3],
                     event_id=f"id-{i}" if i % 4 else None, causation_id="cause" if i == 2 else None)
            for i, e in enumerate(EVENTS * 2)]
    recorded_at = datetime(2026, 3, 2, tzinfo=CET)
    rows, records = encode_records("run-1", news, next_position=41, stream_versions={"agent/a": 5},
                                   previous_chain="ab" * 32, recorded_at=recorded_at)
    again = encode_batch("run-1", news, next_position=41, stream_versions={"agent/a": 5},
                         previous_chain="ab" * 32, recorded_at=recorded_at)
    assert [r.content_hash for r in again] == [r.content_hash for r in rows]
    previous = "ab" * 32
    versions = {"agent/a": 5}
    for row, record, new in zip(rows, records, news, strict=True):
        event = new.event
        versions[new.stream] = versions.get(new.stream, 0) + 1
        assert row.position == record.position and row.stream_version == versions[new.stream]
        assert row.payload == canonical_json(event.payload())
        assert row.content_hash == content_hash(event.type, event.schema_version, new.stream, new.sim_time,
                                                event.payload(), event.volatile_fields)
        link = record_hash(position=row.position, run_id="run-1", stream=row.stream,
                           stream_version=row.stream_version, event_id=row.event_id,
                           causation_id=row.causation_id, type_=row.type, schema_version=row.schema_version,
                           sim_time=row.sim_time, recorded_at=row.recorded_at, content_hash=row.content_hash,
                           payload_json=row.payload)
        previous = chain_hash(previous, link)
        assert row.chain_hash == previous == record.chain_hash
        assert record.event is event and record.recorded_at == recorded_at
        assert record.sim_time == new.sim_time and (record.sim_time is None or record.sim_time.tzinfo == timezone.utc)
        assert len(row.event_id) == 32 if new.event_id is None else row.event_id == new.event_id
        assert decode_row(row) == record  # what a reader gets back is what append returned
    assert list(decode_rows(rows)) == records
    assert len({r.event_id for r in rows}) == len(rows)
