"""Memory statistics of a run: a pure fold over its memory events.

Per agent: memories held by kind, oldest and newest, how many were stored, forgotten (by
reason), consolidated, reflected and recalled, and the size of its memory at the end of every
step (growth per step, and the series ``troupe-es memory --plot`` draws).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troupe_es.events.canonical import iso_utc
from troupe_es.events.envelope import Recorded
from troupe_es.projections.fold import Fold

TYPES = frozenset({"MemoryStored", "MemoryForgotten", "MemoryConsolidated", "ReflectionSynthesized",
                   "MemoriesRecalled", "StepCompleted"})


@dataclass
class AgentMemoryStats:
    """One agent's memory over a run (mutable while folding, then read)."""

    held: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id -> (kind, sim_time)
    stored: int = 0
    forgotten: dict[str, int] = field(default_factory=dict)  # reason -> count
    consolidated: int = 0
    reflections: int = 0
    recalls: int = 0
    series: list[tuple[str | None, int, int]] = field(default_factory=list)  # (sim_time, step, held)

    def summary(self) -> dict[str, Any]:
        kinds: dict[str, int] = {}
        for kind, _ in self.held.values():
            kinds[kind] = kinds.get(kind, 0) + 1
        times = [t for _, t in self.held.values() if t]
        sizes = [n for _, _, n in self.series]
        growth = [b - a for a, b in zip([0] + sizes, sizes)]
        return {"held": len(self.held), "by_kind": dict(sorted(kinds.items())),
                "oldest": min(times) if times else None, "newest": max(times) if times else None,
                "stored": self.stored, "forgotten": sum(self.forgotten.values()),
                "forgotten_by_reason": dict(sorted(self.forgotten.items())), "consolidated": self.consolidated,
                "reflections": self.reflections, "recalls": self.recalls,
                "growth_per_step": round(sum(growth) / len(growth), 3) if growth else 0.0,
                "series": [{"sim_time": t, "step": s, "held": n} for t, s, n in self.series]}


def _initial() -> dict[str, AgentMemoryStats]:
    return {}


def _evolve(stats: dict[str, AgentMemoryStats], rec: Recorded) -> dict[str, AgentMemoryStats]:
    e = rec.event
    if e.type == "StepCompleted":
        for s in stats.values():
            s.series.append((iso_utc(rec.sim_time), e.step, len(s.held)))
        return stats
    s = stats.setdefault(e.agent, AgentMemoryStats())
    if e.type == "MemoryStored":
        s.held[e.memory_id] = (e.kind, iso_utc(rec.sim_time))
        s.stored += 1
    elif e.type == "MemoryForgotten":
        for memory_id in e.memory_ids:
            s.held.pop(memory_id, None)
        s.forgotten[e.reason] = s.forgotten.get(e.reason, 0) + len(e.memory_ids)
    elif e.type == "MemoryConsolidated":
        s.consolidated += len(e.source_ids)
    elif e.type == "ReflectionSynthesized":
        s.reflections += 1
    elif e.type == "MemoriesRecalled":
        s.recalls += 1
    return stats


MEMORY_STATS: Fold[dict[str, AgentMemoryStats]] = Fold(
    "memory_stats", _initial, _evolve, TYPES, "Per-agent memory counts, growth and size over simulated time.")


def memory_stats(records: Any) -> dict[str, dict[str, Any]]:
    """Every agent's memory summary from a run's records (up to wherever they stop)."""
    from troupe_es.projections.fold import fold

    return {agent: s.summary() for agent, s in sorted(fold(MEMORY_STATS, records).items())}


def plot(stats: dict[str, dict[str, Any]], path: str, title: str) -> str:
    """A PNG of memory size over simulated time, one line per agent (needs matplotlib)."""
    from datetime import datetime

    from troupe_es.extras import pyplot

    plt = pyplot("--plot")

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for agent, s in stats.items():
        points = [(datetime.fromisoformat(p["sim_time"]), p["held"]) for p in s["series"] if p["sim_time"]]
        if points:
            ax.plot([t for t, _ in points], [n for _, n in points], label=agent)
    ax.set_title(title)
    ax.set_xlabel("simulated time")
    ax.set_ylabel("memories held")
    if stats:
        ax.legend()
    fig.autofmt_xdate()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path
