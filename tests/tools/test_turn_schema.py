"""The turn's structured output gains a strict, typed ``tool_calls`` field; decide is pure."""

from __future__ import annotations


from troupe_es.bootstrap import CAPABILITIES
from troupe_es.commands.tools.decide import decide_calls
from troupe_es.commands.turn import turn_output_model
from troupe_es.domain import AgentState, RunState, WorldState
from troupe_es.llm.request import strict_schema
from troupe_es.tools.email import EmailSend

TOOLS = {"email": {"personas": None, "timeout": 10.0}, "calendar": {"personas": ["Ana"], "timeout": 10.0},
         "word_processor": {"personas": None, "timeout": 10.0}}


def state() -> RunState:
    agents = {n: AgentState(name=n, persona={"name": n}, world="Office") for n in ("Ana", "Ben")}
    world = WorldState(name="Office", clock="2026-03-01T09:00:00+00:00", members=("Ana", "Ben"))
    return RunState(agents=agents, worlds={"Office": world}, tools_config=TOOLS)


def walk(node, path="$"):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}[{i}]")


def test_the_turn_schema_has_one_strict_call_per_tool_held():
    s = state()
    ana = strict_schema(turn_output_model(CAPABILITIES, s, "Ana"))
    ben = strict_schema(turn_output_model(CAPABILITIES, s, "Ben"))
    for schema in (ana, ben):
        for path, node in walk(schema):
            assert "$ref" not in node and "minLength" not in node and "maxLength" not in node, path
            if node.get("type") == "object" and path.split(".")[-1] != "properties":
                assert node.get("additionalProperties") is False, path
                assert sorted(node["required"]) == sorted(node["properties"]), path
    tools_of = lambda schema: [o["properties"]["tool"]["const"] for o in schema["properties"]["tool_calls"]["items"]["anyOf"]]  # noqa: E731
    assert "calendar_create" in tools_of(ana) and "calendar_create" not in tools_of(ben)
    send = next(o for o in ana["properties"]["tool_calls"]["items"]["anyOf"]
                if o["properties"]["tool"]["const"] == "email_send")
    assert send["properties"]["arguments"]["required"] == ["to", "subject", "body"]
    assert "tool_calls" in ana["required"]


def test_decide_turns_calls_into_events_and_refuses_what_does_not_fit():
    s = state()
    held = {"email_send": EmailSend()}
    calls = [{"tool": "email_send", "arguments": {"to": "Ben", "subject": "Hi", "body": "Lunch?"}},
             {"tool": "fly", "arguments": {}},
             {"tool": "email_send", "arguments": {"to": "Ben"}},
             {"tool": "email_send", "arguments": {"to": "Ben", "subject": "x", "body": "y"}}]
    events = decide_calls(s, "Ana", calls, held, max_calls=3)
    kinds = [(e.type, getattr(e, "error_kind", None)) for e in events]
    assert kinds == [("ToolInvoked", None),
                     ("ToolInvoked", None), ("ToolReturned", "unknown_tool"), ("StimulusPerceived", None),
                     ("ToolInvoked", None), ("ToolReturned", "invalid_arguments"), ("StimulusPerceived", None),
                     ("ToolInvoked", None), ("ToolReturned", "refused"), ("StimulusPerceived", None)]
    assert [e.call_id for e in events if e.type == "ToolInvoked"] == ["Ana/t0/c0", "Ana/t0/c1", "Ana/t0/c2",
                                                                       "Ana/t0/c3"]
    assert "subject: Field required" in events[5].error
    assert events == decide_calls(s, "Ana", calls, held, max_calls=3)  # pure
    assert decide_calls(s, "Ana", [], held, 3) == []
