"""From Python: ``person.see(text, image=...)`` and ``world.see(image, text)``, replayed and forked."""

from __future__ import annotations

import pytest

from tests.vision.helpers import PACKAGING, drawn
from troupe_es import Simulation
from troupe_es.commands.models import ShowImage
from troupe_es.errors import ImageError, SimulationError
from troupe_es.images import read_image


def test_a_person_and_a_world_see_images_and_the_run_replays_with_zero_calls(tmp_path):
    url = f"sqlite:///{tmp_path}/nb.db"
    sim = Simulation.open(url, seed=3)
    lisa = sim.person("Lisa", age=30, occupation={"title": "Designer"})
    bob = sim.person("Bob", age=41)
    room = sim.world("Room", people=[lisa, bob])
    lisa.see("The new box", image=PACKAGING.read_bytes())
    room.see(str(PACKAGING), "Everyone, look")
    room.run(1)
    described = [r.event for r in sim.events(type="ImageDescribed")]
    assert [d.agents for d in described] == [["Lisa"], ["Lisa", "Bob"]]
    assert described[0].image.name is None and described[1].image.name == str(PACKAGING)
    assert described[0].image.sha256 == described[1].image.sha256  # the same bytes, one blob
    assert "mostly dark blue" in described[0].description
    seen = [r.event.content for r in sim.events(type="StimulusPerceived", agent="Lisa") if r.event.kind == "see"]
    assert seen[0] == f"The new box [image: {described[0].description}]"
    calls_before = sim._gateway.provider_calls
    report = sim.replay(verify=True)
    assert report.ok and report.llm_calls == calls_before and sim._gateway.provider_calls == calls_before
    shown = [r.position for r in sim.events(type="CommandIssued") if r.event.command == "ShowImage"]
    fork = sim.fork(at=shown[0] - 1, play_rest=True)  # re-issues the recorded ShowImage commands
    assert [r.event.description for r in fork.events(type="ImageDescribed")] == [d.description for d in described]
    assert all(r.event.cache_status == "hit" for r in fork.events(type="LLMCallCompleted"))
    assert fork.replay(verify=True).ok
    sim.close()
    fork.close()


def test_bad_images_from_python_raise_one_clear_error(tmp_path):
    sim = Simulation.open(f"sqlite:///{tmp_path}/nb.db")
    lisa = sim.person("Lisa", age=30)
    sim.world("Room", people=[lisa])
    with pytest.raises(ImageError, match="is a BMP image"):
        lisa.see("x", image=drawn(fmt="BMP"))
    with pytest.raises(ImageError, match="image file not found: nowhere.png"):
        lisa.see("x", image="nowhere.png")
    # A reference to bytes the store never got is refused before any call.
    ghost = read_image(drawn(colour=(0, 200, 0))).ref
    with pytest.raises(SimulationError, match="is not in the event store"):
        sim.bus.handle(ShowImage(agents=("Lisa",), image=ghost))
    assert sim.events(type="LLMCallRequested") == []
    sim.close()


def test_a_blob_changed_behind_the_store_is_caught_by_the_next_show_and_by_export(tmp_path):
    from sqlalchemy import create_engine, text

    from tests.cli.helpers import troupe

    url = f"sqlite:///{tmp_path}/nb.db"
    sim = Simulation.open(url)
    lisa = sim.person("Lisa", age=30)
    sim.world("Room", people=[lisa])
    lisa.see("first look", image=PACKAGING)
    sim.close()
    engine = create_engine(url)
    with engine.begin() as conn:  # someone with file access drops the trigger and swaps the bytes
        conn.execute(text("DROP TRIGGER troupe_blobs_no_update"))
        conn.execute(text("UPDATE troupe_blobs SET data = :d"), {"d": drawn()})
    engine.dispose()
    res = troupe("export", sim.run_id, "--out", str(tmp_path / "events.jsonl"), store=url)
    assert res.code == 1 and len(res.err.strip().splitlines()) == 1 and "no longer matches its hash" in res.err
    again = Simulation.open(url)
    bob = again.person("Bob", age=30)
    again.world("Room", people=[bob])
    with pytest.raises(SimulationError, match="no longer matches its hash"):
        again.bus.handle(ShowImage(agents=("Bob",), image=read_image(PACKAGING).ref))
    again.close()
