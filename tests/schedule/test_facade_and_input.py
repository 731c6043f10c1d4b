"""The facade's ``schedule``/``cancel`` (recorded, replayed, forked) and bad schedule input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.cli.helpers import troupe_in_process
from tests.schedule.helpers import scenario
from troupe_es import Simulation
from troupe_es.domain import fold_state
from troupe_es.errors import ScenarioError, SimulationError
from troupe_es.scenario import load_scenario


def test_world_schedule_and_cancel_are_recorded_and_replay_verified(sqlite_url):
    sim = Simulation.open(sqlite_url, llm="mock", seed=3, name="schedule facade")
    ana = sim.person("Ana", age=30)
    sim.person("Ben", age=40)
    room = sim.world("Office", people=["Ana", "Ben"], start=datetime(2026, 3, 2, 8, 0), step="1h")
    assert room.schedule(at="09:00", every=timedelta(days=1), broadcast="Good morning", id="morning") == "morning"
    reminder = room.schedule(in_="2h", tell={"to": "Ana", "text": "Report due at noon"}, priority=-1)
    assert reminder == "tell-1"
    assert sim.schedule(cron="0 9 * * 1-5", kind="meeting", data={"room": "Blue"}) == "meeting-2"
    assert [it.id for it in sim.state.schedule.pending] == ["morning", "meeting-2", "tell-1"]
    room.run(3)  # 08:00, 09:00, 10:00
    fired = [(e.event.schedule_id, e.sim_time.hour) for e in sim.events(type="ScheduledEventFired")]
    assert fired == [("morning", 9), ("meeting-2", 9), ("tell-1", 10)]
    assert "Report due at noon" in [m.text for m in ana.state.memory]
    assert room.cancel("morning") is True and room.cancel("morning") is False
    assert [it.id for it in sim.state.schedule.pending] == ["meeting-2"]
    with pytest.raises(SimulationError, match="give exactly one of"):
        room.schedule(in_="1h", broadcast="x", tell={"to": "Ana", "text": "y"})
    with pytest.raises(SimulationError, match="already pending"):
        room.schedule(in_="1h", broadcast="x", id="meeting-2")
    assert fold_state(sim.store.read(run_id=sim.run_id)) == sim.state
    sim.close()
    report = sim.replay(verify=True)
    assert report.ok
    fork = sim.fork(step=1)  # the state at the start of step 1: nothing fired yet
    assert [it.id for it in fork.state.schedule.pending] == ["morning", "meeting-2", "tell-1"]
    fork.close()


@pytest.mark.parametrize("entry, problem", [
    ({"cron": "0 9 * *", "broadcast": "x"}, "schedule[0].cron: cron '0 9 * *': expected 5 fields"),
    ({"at": 540, "broadcast": "x"}, "quote a time of day"),
    ({"at": "25:00", "broadcast": "x"}, "neither a time of day"),
    ({"in": "soon", "broadcast": "x"}, "invalid duration 'soon'"),
    ({"in": "1h"}, "give exactly one of broadcast, tell, think, see, goal, kind"),
    ({"broadcast": "x"}, "say when: give at, in, every or cron"),
    ({"cron": "0 9 * * *", "every": "1h", "broadcast": "x"}, "cron says when by itself"),
    ({"in": "1h", "tell": {"to": "Zed", "text": "x"}}, "schedule[0].tell.to: unknown agent 'Zed'"),
    ({"in": "1h", "brodcast": "x"}, "brodcast"),
])
def test_a_bad_schedule_entry_is_one_line_naming_the_field(tmp_path, entry, problem):
    path = scenario(tmp_path, script=[{"run": 1}], schedule=[entry])
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: schedule")
    assert problem in message and "schedule" in message


def test_cancel_must_name_an_earlier_id_and_ids_are_unique(tmp_path):
    path = scenario(tmp_path, script=[{"run": 1}, {"cancel": "nope"}], schedule=[{"id": "a", "in": "1h", "broadcast": "x"}])
    with pytest.raises(ScenarioError, match=r"script\[1\].cancel: no schedule item with id 'nope' before this line \(ids: a\)"):
        load_scenario(path)
    path = scenario(tmp_path, script=[{"schedule": {"id": "a", "in": "1h", "broadcast": "y"}}],
                    schedule=[{"id": "a", "in": "1h", "broadcast": "x"}])
    with pytest.raises(ScenarioError, match=r"script\[0\].schedule.id: duplicate schedule id 'a'"):
        load_scenario(path)


def test_the_cli_reports_a_bad_entry_without_a_traceback(tmp_path, sqlite_url):
    path = scenario(tmp_path, script=[{"run": 1}], schedule=[{"cron": "every day", "broadcast": "x"}])
    res = troupe_in_process("run", path, "-q", store=sqlite_url)
    assert res.code == 1 and "Traceback" not in res.err and "cron 'every day'" in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_runs_without_a_schedule_record_the_scenario_as_before(tmp_path):
    record = load_scenario(scenario(tmp_path, script=[{"run": 1}])).to_record()
    assert "schedule" not in record and "stop_when_idle" not in record and "skip_idle" not in record["world"]
    record = load_scenario(scenario(tmp_path, script=[{"run": 1}], world={"skip_idle": True}, stop_when_idle=2,
                                    schedule=[{"in": "1h", "broadcast": "x"}])).to_record()
    assert record["world"]["skip_idle"] is True and record["stop_when_idle"] == 2
    assert record["schedule"] == [{"in": "1h", "broadcast": "x", "priority": 0}]


def test_a_capability_reacts_to_its_own_kind_with_commands_and_events(sqlite_url, monkeypatch):
    from troupe_es import bootstrap
    from troupe_es.commands.models import Broadcast
    from troupe_es.events import RandomDrawn, StimulusPerceived

    seen = []

    def on_memo(state, fired):
        seen.append((fired.kind, fired.data, fired.occurrence, state.schedule.fired))
        return [Broadcast(world=fired.world, content=f"memo: {fired.data['subject']}"),
                RandomDrawn(purpose="memo lottery", value=7),
                ("agent/Ana", StimulusPerceived(agent="Ana", kind="see", content="the memo on the desk"))]

    monkeypatch.setitem(bootstrap.SCHEDULE_REACTIONS, "memo", on_memo)
    sim = Simulation.open(sqlite_url, llm="mock", seed=3, name="reactions")
    sim.person("Ana", age=30)
    room = sim.world("Office", people=["Ana"], start=datetime(2026, 3, 2, 9, 0), step="1h")
    room.schedule(at="09:00", kind="memo", data={"subject": "budget"})
    room.run(1)
    assert seen == [("memo", {"subject": "budget"}, 0, 1)]
    [fired] = sim.events(type="ScheduledEventFired")
    after = [r for r in sim.events() if r.causation_id == fired.event_id]
    assert [(r.stream, r.event.type) for r in after] == [
        ("agent/Ana", "StimulusPerceived"), ("world/Office", "RandomDrawn"), ("agent/Ana", "StimulusPerceived")]
    assert [m.text for m in sim.state.agents["Ana"].memory][:2] == ["memo: budget", "the memo on the desk"]
    sim.close()
    assert sim.replay(verify=True).ok


def test_cancelling_an_item_that_already_fired_does_nothing(tmp_path, sqlite_url):
    from tests.schedule.helpers import events, run

    path = scenario(tmp_path, personas=[{"name": "Ana"}], script=[{"run": 2}, {"cancel": "once"}],
                    schedule=[{"id": "once", "at": "09:00", "broadcast": "hello"}])
    run_id = run(path, sqlite_url)
    assert len(events(sqlite_url, run_id, "ScheduledEventFired")) == 1
    assert events(sqlite_url, run_id, "ScheduleCancelled") == []
