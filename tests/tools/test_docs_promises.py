"""What docs/tools.md promises, tool by tool (the rest is covered by the end-to-end tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from troupe_es.domain import AgentState, RunState, WorldState, evolve
from troupe_es.domain.documents import DocumentChunk, Library
from troupe_es.errors import ScenarioError
from troupe_es.events import NewEvent, ToolInvoked
from troupe_es.runtime import MessageBus
from troupe_es.store import InMemoryEventStore
from troupe_es.tools import ToolContext
from troupe_es.tools.calendar import CalendarCreate
from troupe_es.tools.config import KitSpec, ToolsSpec
from troupe_es.tools.email import EmailRead, EmailReply, EmailSend
from troupe_es.tools.executor import run_live

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "tools.md").read_text()
NOW = "2026-03-01T09:00:00+00:00"


def state(**extra) -> RunState:
    agents = {n: AgentState(name=n, persona={"name": n}, world="Office") for n in ("Ana", "Ben", "Cleo")}
    return RunState(run_id="r", agents=agents, worlds={"Office": WorldState(name="Office", clock=NOW,
                                                                           members=("Ana", "Ben", "Cleo"))}, **extra)


def record(s: RunState, store: InMemoryEventStore, *events) -> RunState:
    for rec in store.append("r", [NewEvent(f"agent/{e.agent}", e, sim_time=None) for e in events]):
        s = evolve(s, rec)
    return s


def call(s: RunState, store, tool, agent: str, cid: str, args: dict) -> tuple[RunState, object]:
    invoked = ToolInvoked(agent=agent, call_id=cid, tool=tool.name, arguments=args)
    s = record(s, store, invoked)
    ret = run_live(tool, args, ToolContext(agent, cid, s, {}, NOW), 5)
    return record(s, store, ret), ret


def test_kit_options_and_their_defaults_are_as_documented():
    assert "| `personas` | who holds the kit's tools | everyone |" in DOC
    assert "| `timeout` | seconds (or a duration such as `5s`) a call may take, at most `10m` | `10` |" in DOC
    spec = KitSpec()
    assert spec.personas is None and spec.timeout == 10.0 and KitSpec(timeout="5s").timeout == 5.0
    with pytest.raises(ValueError, match="at most 10m"):
        KitSpec(timeout="11m")
    assert ToolsSpec.model_validate({"email": True}).email == KitSpec()


def test_email_read_marks_read_and_a_reply_goes_to_the_sender():
    store, s = InMemoryEventStore(), state()
    s, sent = call(s, store, EmailSend(), "Ana", "Ana/t0/c0", {"to": "Ben", "subject": "Hi", "body": "Lunch?"})
    assert sent.ok and sent.result["message_id"] == "mail:Ana/t0/c0"
    assert not s.tools.is_read("Ben", "mail:Ana/t0/c0")
    s, read = call(s, store, EmailRead(), "Ben", "Ben/t0/c0", {"message_id": "mail:Ana/t0/c0"})
    assert read.ok and s.tools.is_read("Ben", "mail:Ana/t0/c0")
    s, reply = call(s, store, EmailReply(), "Ben", "Ben/t0/c1", {"message_id": "mail:Ana/t0/c0", "body": "Yes"})
    assert reply.result["delivered_to"] == "Ana" and s.tools.inbox("Ana")[0].subject == "Re: Hi"
    s, outside = call(s, store, EmailSend(), "Ana", "Ana/t0/c1", {"to": "Zed", "subject": "x", "body": "y"})
    assert not outside.ok and outside.error_kind == "refused" and "no one called 'Zed'" in outside.error


def test_a_calendar_start_in_the_past_is_refused():
    store, s = InMemoryEventStore(), state()
    args = {"subject": "Retro", "start": "2026-03-01T08:00:00", "duration_minutes": 30, "attendees": ["Ben"]}
    s, ret = call(s, store, CalendarCreate(), "Ana", "Ana/t0/c0", args)
    assert not ret.ok and "is in the past" in ret.error


def test_web_search_finds_everyones_documents_and_the_callers_own():
    from troupe_es.embeddings import Embeddings
    from troupe_es.tools.search import WebSearch

    chunks = (DocumentChunk("doc:a:0", None, "shared.md", "Shared", 0, 1, "pricing of the bottle is 39 euros"),
              DocumentChunk("doc:b:0", "Ana", "ana.md", "Ana's", 0, 1, "pricing notes only Ana has"),
              DocumentChunk("doc:c:0", "Ben", "ben.md", "Ben's", 0, 1, "pricing notes only Ben has"))
    s = state(library=Library(chunks=chunks))
    services = {"embeddings": Embeddings()}
    found = {}
    for agent in ("Ana", "Ben", "Cleo"):
        ret = run_live(WebSearch(), {"query": "pricing"}, ToolContext(agent, f"{agent}/t0/c0", s,
                                                                     {"embedder": "hash", "top_k": 5}, NOW, services), 30)
        found[agent] = sorted(h["document_id"] for h in ret.result["results"])
    assert found == {"Ana": ["ana.md", "shared.md"], "Ben": ["ben.md", "shared.md"], "Cleo": ["shared.md"]}


def test_a_call_left_open_runs_at_the_next_step():
    from troupe_es.bootstrap import TOOL_REGISTRY
    from troupe_es.commands.tools.execute import run_pending
    from troupe_es.tools.toolset import toolset_for

    s = state(tools_config={"email": {"personas": None, "timeout": 10.0}})
    bus = MessageBus(InMemoryEventStore(), "r", handlers={}, gateway=None, persona_facts=lambda p: [], state=s)
    bus.record([bus.new("agent/Ana", ToolInvoked(agent="Ana", call_id="Ana/t0/c0", tool="email_list",
                                                 arguments={"folder": "inbox", "unread_only": False}))])
    assert [c.call_id for c in bus.state.tools.pending()] == ["Ana/t0/c0"]
    records = run_pending(bus, toolset_for(s.tools_config, TOOL_REGISTRY), "Office", None)
    assert [r.event.type for r in records] == ["ToolReturned", "StimulusPerceived"]
    assert bus.state.tools.pending() == [] and run_pending(bus, toolset_for(s.tools_config, TOOL_REGISTRY),
                                                           "Office", None) == []


def test_tools_state_travels_in_time_and_documents_export_as_markdown(tmp_path):
    from troupe_es.projections.tools import export_documents, tools_state
    from troupe_es.tools.documents import DocumentRevise, DocumentWrite

    store, s = InMemoryEventStore(), state()
    s, first = call(s, store, DocumentWrite(), "Ana", "Ana/t0/c0", {"document_title": "Plan", "content": "v1"})
    middle = store.last_position()
    s, second = call(s, store, DocumentRevise(), "Ana", "Ana/t1/c0", {"document_id": "doc:Ana/t0/c0", "content": "v2"})
    assert second.result["revision"] == 2
    assert tools_state(store, "r", until=middle).documents[0].revisions == ("v1",)
    final = tools_state(store, "r")
    assert final.documents[0].revisions == ("v1", "v2")
    [path] = export_documents(final, tmp_path)
    assert path.read_text().startswith("# Plan\n\n_By Ana; revision 2") and path.read_text().rstrip().endswith("v2")


def test_the_documented_example_tool_is_the_example_file():
    block = re.search(r"```python\nclass RollDice.*?```", DOC, re.S).group(0)
    source = (ROOT / "examples" / "tools" / "dice_tool.py").read_text()
    for line in block.splitlines()[1:-1]:
        assert line in source.splitlines(), line


def test_a_bad_tools_section_is_one_clear_line(tmp_path):
    from troupe_es.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text("name: x\npersonas: [{name: Ana}]\ntools: {email: {timeout: 11m}}\n")
    with pytest.raises(ScenarioError, match=r"tools\.email\.timeout"):
        load_scenario(path)
    path.write_text("name: x\npersonas: [{name: Ana}]\ntools: {email: {personas: [Bob]}}\n")
    with pytest.raises(ScenarioError, match=r"tools\.email\.personas\[0\]: unknown agent 'Bob'"):
        load_scenario(path)


def test_reserved_argument_names_are_refused_when_a_tool_is_registered():
    from pydantic import BaseModel

    from troupe_es.errors import ConfigurationError
    from troupe_es.tools import Tool, ToolRegistry

    class Titled(Tool):
        name = "titled"
        description = "Has a title argument."

        class Arguments(BaseModel):
            title: str

    with pytest.raises(ConfigurationError, match="argument name\\(s\\) title cannot be used"):
        ToolRegistry().register("x", [Titled])
