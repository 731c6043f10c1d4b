"""Every LLM request is committed before the provider is called (so a crash never leaves a paid
call out of the log), for turns and polls, sequential and parallel."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from troupe_es.bootstrap import make_bus
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.commands.scenario import execute
from troupe_es.llm import LLMGateway, MockProvider
from troupe_es.runtime import RuntimeSettings
from troupe_es.scenario import load_scenario
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]


class WitnessProvider(MockProvider):
    """The mock LLM, which first looks in the log for the request it is answering."""

    def __init__(self, store) -> None:  # noqa: ANN001
        super().__init__()
        self.store = store
        self.unrecorded: list[str] = []
        self.seen = 0
        self._witness_lock = threading.Lock()

    def complete(self, request, timeout):  # noqa: ANN001, ANN201
        text = request.messages[-1]["content"]
        committed = [r.event.messages[-1]["content"] for r in self.store.read(types=["LLMCallRequested"])]
        with self._witness_lock:
            self.seen += 1
            if text not in committed:
                self.unrecorded.append(text[:60])
        return super().complete(request, timeout)


@pytest.mark.parametrize("parallel", [1, 3])
def test_the_provider_only_ever_sees_requests_already_in_the_log(sqlite_url, parallel):
    plan = plan_from_scenario(load_scenario(ROOT / "examples" / "focus_group.yaml"))
    plan = plan.with_script(list(plan.script) + [{"poll": {"question": "Buy it?", "options": ["yes", "no"]}}])
    store = open_store(sqlite_url)
    provider = WitnessProvider(store)
    gateway = LLMGateway(store, provider, mode="live")
    settings = RuntimeSettings(model=plan.model, llm_parameters=plan.llm_parameters, parallel=parallel,
                               max_actions=plan.max_actions)
    outcome = execute(make_bus(store, "witnessed", gateway=gateway, settings=settings), plan)
    assert outcome.status == "completed"
    assert provider.seen == 3 * 3 + 3  # nine turns and three poll answers
    assert provider.unrecorded == []
    store.close()
