"""Event model: type tags, canonical JSON, hashes, volatile fields, upcasting, the catalogue."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from troupe_es.errors import CorruptEventError, UnknownEventTypeError
from troupe_es.events import (
    EVENT_ADAPTER,
    ActionTaken,
    LLMCallCompleted,
    StimulusPerceived,
    canonical_json,
    content_hash,
    decode_event,
    event_classes,
)
from troupe_es.events.catalogue import render

ROOT = Path(__file__).resolve().parents[1]


def test_every_event_type_equals_its_class_name_and_is_frozen():
    classes = event_classes()
    assert {"RunStarted", "ActionTaken", "LLMCallCompleted", "StimulusPerceived"} <= set(classes)
    for name, cls in classes.items():
        assert cls.model_fields["type"].default == name
        assert cls.model_config.get("frozen") is True
        assert cls.model_config.get("extra") == "forbid"


def test_events_are_immutable_and_strict():
    e = ActionTaken(agent="Lisa", action="TALK", content="hi")
    with pytest.raises(ValidationError):
        e.content = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        ActionTaken(agent="Lisa", action="TALK", surprise=1)  # type: ignore[call-arg]


def test_union_discriminates_on_type():
    event = EVENT_ADAPTER.validate_python({"type": "ActionTaken", "agent": "A", "action": "THINK"})
    assert isinstance(event, ActionTaken)


def test_canonical_json_sorts_keys_and_is_stable_across_hash_seeds():
    value = {"b": [1, 2.5, {"z": None, "a": "é"}], "a": True}
    assert canonical_json(value) == '{"a":true,"b":[1,2.5,{"a":"é","z":null}]}'
    code = ("from troupe_es.events import content_hash, StimulusPerceived as S;"
            "e=S(agent='a',kind='listen',content='x');"
            "print(content_hash(e.type,e.schema_version,'agent/a',None,e.payload()))")
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1


def test_content_hash_ignores_volatile_fields_but_not_meaning():
    base = dict(call_id="c", request_key="k", provider="mock", model="m", response_text="t")
    fast = LLMCallCompleted(**base, latency_ms=1.0, attempts=1, cache_status="miss")
    slow = LLMCallCompleted(**base, latency_ms=900.0, attempts=3, cache_status="hit")
    other = LLMCallCompleted(**{**base, "response_text": "u"})

    def h(e, stream="llm", when=None):
        return content_hash(e.type, e.schema_version, stream, when, e.payload(), e.volatile_fields)

    assert h(fast) == h(slow)
    assert h(fast) != h(other)
    assert h(fast) != h(fast, stream="llm2")
    t = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    assert h(fast, when=t) == h(fast, when=t.astimezone(timezone(timedelta(hours=2))))
    assert h(fast, when=t) != h(fast, when=t + timedelta(minutes=1))


def test_v1_payload_is_upcast_to_current_v2():
    assert StimulusPerceived.schema_version == 2
    event = decode_event("StimulusPerceived", 1, '{"agent":"Lisa","kind":"listen","text":"hello","source":null}')
    assert isinstance(event, StimulusPerceived)
    assert event.content == "hello"


def test_decode_errors_name_position_and_type():
    with pytest.raises(CorruptEventError) as err:
        decode_event("ActionTaken", 1, '{"agent": 5}', position=17)
    assert err.value.position == 17 and "position 17" in str(err.value) and "ActionTaken" in str(err.value)
    with pytest.raises(UnknownEventTypeError) as err:
        decode_event("Nope", 1, "{}", position=3)
    assert "position 3" in str(err.value)


def test_event_catalogue_is_up_to_date():
    committed = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/events.md is stale: run `python -m troupe_es.events.catalogue > docs/events.md`")
    for name in event_classes():
        assert f"## {name}" in committed
