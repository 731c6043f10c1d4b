"""Emotion trajectories of a run: a pure fold over its ``EmotionChanged`` events.

Per agent: its baseline (from the persona's Big Five, as ``PersonaDefined``/``PersonaChanged``
recorded it), every change (position, simulated time, the new PAD state, delta, reason, cause,
octant and intensity) and the state it ended in. ``troupe-es emotions`` prints it and draws it
(PNG, or a self-contained HTML page) over simulated time.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from troupe_es.domain.emotions import Pad, baseline, describe
from troupe_es.errors import ConfigurationError
from troupe_es.events.canonical import iso_utc
from troupe_es.events.envelope import Recorded
from troupe_es.projections.fold import Fold

TYPES = frozenset({"EmotionChanged", "PersonaDefined", "PersonaChanged"})
AXES = ("pleasure", "arousal", "dominance")


@dataclass
class Trajectory:
    """One agent's emotions over a run (mutable while folding, then read)."""

    baseline: Pad = (0.0, 0.0, 0.0)
    points: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        last = self.points[-1] if self.points else None
        now = (last["pleasure"], last["arousal"], last["dominance"]) if last else self.baseline
        return {"baseline": describe(self.baseline), "current": describe(now),
                "changes": len(self.points),
                "appraisals": sum(1 for p in self.points if p["reason"] == "appraisal"),
                "decays": sum(1 for p in self.points if p["reason"] == "decay"),
                "trajectory": list(self.points)}


def _initial() -> dict[str, Trajectory]:
    return {}


def _evolve(out: dict[str, Trajectory], rec: Recorded) -> dict[str, Trajectory]:
    e = rec.event
    if e.type in ("PersonaDefined", "PersonaChanged"):
        out.setdefault(e.agent, Trajectory()).baseline = baseline(e.persona)
        return out
    if e.type != "EmotionChanged":
        return out
    pad = (e.pleasure, e.arousal, e.dominance)
    out.setdefault(e.agent, Trajectory()).points.append(
        {"position": rec.position, "sim_time": iso_utc(rec.sim_time), **describe(pad), "delta": list(e.delta),
         "reason": e.reason, "cause": e.cause, "appraisal": e.appraisal})
    return out


EMOTIONS: Fold[dict[str, Trajectory]] = Fold(
    "emotions", _initial, _evolve, TYPES, "Per-agent PAD emotion trajectories over simulated time.")


def emotion_trajectories(records: Any) -> dict[str, dict[str, Any]]:
    """Every agent's baseline, current state and trajectory from a run's records."""
    from troupe_es.projections.fold import fold

    return {agent: t.summary() for agent, t in sorted(fold(EMOTIONS, records).items())}


def plot(trajectories: dict[str, dict[str, Any]], path: str, title: str) -> str:
    """Draw pleasure, arousal and dominance over simulated time, one line per agent: a PNG, or a
    self-contained HTML page (inline SVG) when ``path`` ends in .html/.htm. Needs matplotlib."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".html", ".htm"):
        raise ConfigurationError(f"--plot {path}: use a .png or .html file name")
    from datetime import datetime

    from troupe_es.extras import pyplot

    plt = pyplot("--plot")

    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
    for agent, t in trajectories.items():
        points = [p for p in t["trajectory"] if p["sim_time"]]
        if not points:
            continue
        times = [datetime.fromisoformat(p["sim_time"]) for p in points]
        for ax, axis in zip(axes, AXES):
            line, = ax.plot(times, [p[axis] for p in points], marker="o", markersize=3, label=agent)
            ax.axhline(t["baseline"][axis], color=line.get_color(), linestyle=":", linewidth=0.8)
    for ax, axis in zip(axes, AXES):
        ax.set_ylabel(axis)
        ax.set_ylim(-1.05, 1.05)
        ax.grid(True, alpha=0.3)
    axes[0].set_title(title)
    axes[-1].set_xlabel("simulated time (dotted: baseline)")
    if any(t["trajectory"] for t in trajectories.values()):
        axes[0].legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    if suffix == ".png":
        fig.savefig(path, format="png", dpi=100)
    else:
        import io

        buffer = io.StringIO()
        fig.savefig(buffer, format="svg")
        svg = buffer.getvalue()
        svg = svg[svg.find("<svg"):]
        data = json.dumps(trajectories, ensure_ascii=False).replace("</", "<\\/")
        Path(path).write_text(
            f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>\n"
            f"<body><h1>{html.escape(title)}</h1>\n{svg}\n"
            f"<script type='application/json' id='trajectories'>{data}</script>\n</body></html>\n",
            encoding="utf-8")
    plt.close(fig)
    return path
