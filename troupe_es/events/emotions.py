"""Emotion events: an agent's PAD state (pleasure, arousal, dominance) moved.

The fold (``troupe_es.domain.emotions``) keeps the last state; ``troupe-es emotions`` draws the
trajectory from these events. Causes are deterministic references: perceptions as
``stream@version``, a turn as ``agent/step-N/turn-M`` (its LLM call's id).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from troupe_es.events.base import Event


class EmotionChanged(Event):
    """An agent's emotional state changed: its turn's appraisal moved it (clamped to [-1, 1]),
    or it decayed towards the persona's baseline over the simulated time since the last change."""

    type: Literal["EmotionChanged"] = "EmotionChanged"
    agent: str
    pleasure: float = Field(ge=-1, le=1, description="The new state: pleasure (-1 displeasure .. 1 pleasure).")
    arousal: float = Field(ge=-1, le=1, description="The new state: arousal (-1 calm .. 1 excited).")
    dominance: float = Field(ge=-1, le=1, description="The new state: dominance (-1 submissive .. 1 in control).")
    delta: list[float] = Field(min_length=3, max_length=3,
                               description="New minus previous state: [pleasure, arousal, dominance].")
    reason: Literal["appraisal", "decay"]
    cause: str = Field(description="What moved it: the last stimulus appraised (stream@version) or, when nothing "
                                   "new was perceived, the turn (agent/step-N/turn-M); for decay, the turn.")
    stimuli: list[str] = Field(default_factory=list, description="Every stimulus appraised (stream@version).")
    appraisal: str = Field(default="", description="The agent's own short reason for the appraisal.")
