"""Knowledge scenarios written to a temporary folder and run through the real CLI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from troupe_es.events import Fact, FactsExtracted, NewEvent

START = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def scenario(tmp_path: Path, *, knowledge: dict | None, steps: int = 6, name: str = "knowledge-test",
             memory: dict | None = None) -> str:
    """A three-person focus group with ``knowledge`` settings; returns its path."""
    data = {"name": name, "seed": 7, "world": {"name": "Focus room", "start": "2026-03-01T09:00:00", "step": "15m"},
            "personas": [{"name": "Lisa", "age": 28, "occupation": {"title": "Nurse"}},
                         {"name": "Oscar", "age": 30, "occupation": {"title": "Architect"}},
                         {"name": "Marta", "age": 52, "occupation": {"title": "Baker"}}],
            "script": [{"broadcast": "Organic oats cost 4 euros a box. Would you buy granola, muesli or porridge?"},
                       {"run": steps},
                       {"tell": {"to": "Lisa", "text": "Oscar now prefers muesli; the granola costs 6 euros."}},
                       {"run": 2}]}
    if knowledge is not None:
        data["knowledge"] = knowledge
    if memory is not None:
        data["memory"] = memory
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def facts_event(agent: str | None, *facts: tuple, episode: str = "e") -> FactsExtracted:
    """``FactsExtracted`` from ``(subject, predicate, object, minutes after START, exclusive)``."""
    return FactsExtracted(agent=agent, episode=episode, facts=[
        Fact(subject=s, predicate=p, object=o, evidence=["agent/x@1"], valid_from=START + timedelta(minutes=m),
             exclusive=x) for s, p, o, m, x in facts])


def append(store, run_id: str, *events: FactsExtracted) -> None:
    store.append(run_id, [NewEvent("agent/x", e, sim_time=START) for e in events])
