"""A market run that dies after any committed batch (every sixth event, and right after each
scheduled payment fired) resumes to the same market: every order cleared once, every payment
made once, and the resumed run replays verified."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.test_resume_everywhere import _crashing_run, _settings  # noqa: F401
from troupe_es.api.replay import replay_run
from troupe_es.api.resume import resume_on, runtime_settings, stopped_run
from troupe_es.bootstrap import make_gateway
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.domain import fold_state
from troupe_es.scenario import load_scenario
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def _market(store, run_id: str):
    return fold_state(store.read(run_id=run_id)).market


def test_a_crash_after_any_batch_resumes_to_the_same_market():
    plan = plan_from_scenario(load_scenario(ROOT / "examples" / "marketplace.yaml"))
    store = open_store("memory://")
    assert not _crashing_run(store, plan, "whole", 10**9, 1)
    whole = _market(store, "whole")
    count = sum(1 for _ in store.read(run_id="whole"))
    assert whole.trades > 0
    positions = [r.position for r in store.read(run_id="whole")]
    fired = [positions.index(r.position) + 1 for r in store.read(run_id="whole", types=["ScheduledEventFired"])]
    assert fired  # a crash right after a payment fired (before its PaymentMade batch) is among them
    crashed = 0
    for n in sorted(set(range(1, count, 6)) | set(fired)):
        run_id = f"crash-{n}"
        assert _crashing_run(store, plan, run_id, n, 1)
        crashed += 1
        run = stopped_run(store, run_id)
        outcome, _ = resume_on(store, run, gateway=make_gateway(store, llm="mock", model=plan.model),
                               settings=runtime_settings(run, parallel=1))
        assert outcome.status == "completed", (n, outcome.error)
        assert _market(store, run_id) == whole, n
        report = replay_run(store, run_id, verify=True)
        assert report.ok, (n, report.difference.diff if report.difference else report.divergence)
    assert crashed > 20
