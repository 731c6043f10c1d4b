"""A crash after EVERY committed batch of a run, each resumed: the run always completes, every
turn is played exactly once, and every resumed run replays verified.

The crash is simulated in-process: an observer raises after the n-th recorded event, exactly as a
SIGKILL after a committed batch leaves the log (a batch is all or nothing, so a real kill can only
stop a run between batches). The subprocess tests in ``test_resume.py`` kill real processes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from troupe_es.api.replay import replay_run
from troupe_es.api.resume import resume_on, runtime_settings, stopped_run
from troupe_es.bootstrap import make_bus, make_gateway
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.commands.scenario import execute
from troupe_es.runtime import RuntimeSettings
from troupe_es.scenario import load_scenario
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the run may catch it)."""


def _plan():
    scenario = ROOT / "examples" / "focus_group.yaml"
    plan = plan_from_scenario(load_scenario(scenario))
    # a poll and an intervention too, so crashes land in every kind of script line
    script = list(plan.script) + [{"poll": {"question": "Would you buy it?", "options": ["yes", "no"]}},
                                  {"run": 1}]
    return plan.with_script(script)


def _settings(plan, parallel: int) -> RuntimeSettings:
    return RuntimeSettings(model=plan.model, llm_parameters=plan.llm_parameters, parallel=parallel,
                           max_actions=plan.max_actions, interventions=plan.interventions)


def _crashing_run(store, plan, run_id: str, crash_after: int, parallel: int) -> bool:
    """Execute ``plan`` until ``crash_after`` events are committed; True when it crashed."""
    count = 0

    def die(_rec) -> None:  # noqa: ANN001
        nonlocal count
        count += 1
        if count >= crash_after:
            raise Crash

    gateway = make_gateway(store, llm="mock", model=plan.model)
    bus = make_bus(store, run_id, gateway=gateway, settings=_settings(plan, parallel), observers=[die])
    try:
        execute(bus, plan)
    except Crash:
        return True
    return False


def _turns(store, run_id: str) -> Counter:
    turns: Counter = Counter()
    step = None
    for rec in store.read(run_id=run_id, types=["StepStarted", "ActionTaken"]):
        if rec.type == "StepStarted":
            step = rec.event.step
        elif rec.event.action == "DONE":
            turns[(rec.event.agent, step)] += 1
    return turns


@pytest.mark.parametrize("parallel", [1, 3])
def test_a_crash_after_any_batch_resumes_to_the_same_turns(parallel):
    plan = _plan()
    store = open_store("memory://")
    assert not _crashing_run(store, plan, "whole", 10**9, parallel)
    whole = sum(1 for _ in store.read(run_id="whole"))
    crashed = 0
    for n in range(1, whole, 2):
        run_id = f"crash-{n}"
        assert _crashing_run(store, plan, run_id, n, parallel)
        crashed += 1
        run = stopped_run(store, run_id)
        gateway = make_gateway(store, llm="mock", model=plan.model)
        outcome, _ = resume_on(store, run, gateway=gateway, settings=runtime_settings(run, parallel=parallel))
        assert outcome.status == "completed", (n, outcome.error)
        turns = _turns(store, run_id)
        assert set(turns.values()) == {1} and len(turns) == 3 * 4, (n, turns)
        report = replay_run(store, run_id, verify=True)
        assert report.ok, (n, report.difference.diff if report.difference else report.divergence)
        assert report.llm_calls >= 1
    assert crashed > 20
