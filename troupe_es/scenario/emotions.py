"""The scenario's ``emotions:`` section (docs/emotions.md explains every knob).

Absent (the default), no agent has a PAD state and runs keep their content hashes. Present,
every agent's turn appraises what happened (``EmotionChanged``), its state decays towards the
persona's baseline with ``half_life`` of simulated time, and (with ``memory:``) memories are
tagged with the mood they were stored in.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from troupe_es.scenario.model import Strict, parse_duration


class EmotionsSpec(Strict):
    """PAD emotional state per agent (Mehrabian), its decay and its effect on memory."""

    enabled: bool = True
    half_life: str | float = Field(default="2h", description="Simulated time for the distance to the "
                                                           "baseline to halve: 30m, 2h, 1d or seconds.")
    sensitivity: float = Field(default=0.5, ge=0, le=2, description="How far one appraisal moves the state "
                                                                    "(appraisal x sensitivity, then clamped).")
    mood_congruence: float = Field(default=0.0, ge=0, description="Weight of mood-congruent recall in memory "
                                                                  "retrieval (0: rankings as without emotions).")
    memory_stability: float = Field(default=1.0, ge=0, description="How much a memory's emotional intensity "
                                                                   "strengthens it in the forgetting curve.")

    @field_validator("half_life")
    @classmethod
    def _valid_half_life(cls, value: str | float) -> str | float:
        parse_duration(value)
        return value

    def half_life_seconds(self) -> float:
        return parse_duration(self.half_life).total_seconds()


def emotions_record(section: Any) -> dict[str, Any]:
    """A validated ``emotions:`` section as ``RunStarted`` records it (for runs driven from
    Python); a :class:`~troupe_es.errors.ScenarioError` line naming the field otherwise."""
    from troupe_es.scenario.scenario import validate

    return validate(EmotionsSpec, section, "emotions").model_dump(mode="json")
