"""Request keys, strict schemas, prices and the deterministic mock provider."""

from __future__ import annotations

import os
import subprocess
import sys

from troupe_es.commands.turn import TurnOutput
from troupe_es.llm import ChatRequest, MockProvider, PriceTable, request_key, strict_schema


def test_request_key_is_stable_across_processes_and_hash_seeds():
    code = ("from troupe_es.llm import ChatRequest, request_key;"
            "print(request_key(ChatRequest(model='m', messages=[{'role':'user','content':'hi'}],"
            " parameters={'temperature': 0.7, 'top_p': 1}), 42))")
    keys = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("0", "7", "999")}
    assert len(keys) == 1
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}],
                          parameters={"top_p": 1, "temperature": 0.7})
    assert keys == {request_key(request, 42)}
    assert request_key(request, 43) != request_key(request, 42)


def test_strict_schema_inlines_refs_and_requires_everything():
    schema = strict_schema(TurnOutput)
    assert "$defs" not in str(schema) and "$ref" not in str(schema)
    item = schema["properties"]["actions"]["items"]
    assert item["additionalProperties"] is False and set(item["required"]) == {"type", "content", "target"}


def test_prices_and_unknown_models():
    table = PriceTable()
    assert table.cost("gpt-4o-mini", 1_000_000, 1_000_000) == 0.75
    assert table.cost("gpt-4o-mini-2024-07-18", 1000, 0) == table.cost("gpt-4o-mini", 1000, 0)
    assert table.cost("my-local-llama", 1000, 1000) is None


def test_mock_is_deterministic_valid_and_persona_aware():
    provider = MockProvider()
    schema = strict_schema(TurnOutput)

    def turn(system: str, user: str) -> TurnOutput:
        request = ChatRequest(model="m", messages=[{"role": "system", "content": system},
                                                   {"role": "user", "content": user}], response_schema=schema)
        text = provider.complete(request, 1).text
        assert text == provider.complete(request, 1).text
        return TurnOutput.model_validate_json(text)

    lisa = turn("You are Lisa, a simulated person.\n- Occupation: Dietitian at X\n- Interests: running",
                "You can reach: Oscar.\n* [2026] heard from world: Would you buy organic granola?")
    kinds = [a.type for a in lisa.actions]
    assert kinds[-1] == "DONE" and "TALK" in kinds
    spoken = " ".join(a.content for a in lisa.actions).lower()
    assert any(word in spoken for word in ("organic", "granola", "dietitian", "running"))
    other = turn("You are Oscar, a simulated person.", "* [2026] heard from world: Would you buy organic granola?")
    assert other.model_dump() != lisa.model_dump()
