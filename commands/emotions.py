"""The emotions capability: each agent's PAD state moves with what happens to it.

Registered in ``bootstrap.CAPABILITIES``; active only when the scenario has an ``emotions:``
section (recorded in ``RunStarted``). Each turn:

* the prompt names the current emotion (the state decayed to now, as its nearest PAD octant and
  intensity) and the persona's emotional style;
* the structured output carries an ``appraisal`` (pleasure, arousal and dominance changes in
  [-1, 1] and a short reason);
* :func:`decide_emotions` (pure) records the decay since the last change (``EmotionChanged``
  reason ``decay``), then the appraisal times the sensitivity, clamped (reason ``appraisal``),
  caused by the stimuli perceived since the last turn, or by the turn itself.

With memory on, memories are tagged with the PAD at encoding (in the fold), retrieval may weight
mood-congruent memories (:func:`mood_scores`) and emotional intensity strengthens a memory
against the forgetting curve (:func:`stability_factor`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.commands.turn import Preparation
from troupe_es.domain import AgentState, RunState
from troupe_es.domain.emotions import (
    NEUTRAL,
    Pad,
    baseline,
    clamp_pad,
    congruence,
    decay,
    emotional_style,
    intensity,
    octant,
    seconds_between,
)
from troupe_es.events import EmotionChanged, Event

if TYPE_CHECKING:
    import numpy as np

    from troupe_es.domain.memory import StoredMemory

CHANGE_EPSILON = 1e-4
"""Decay smaller than this on every axis is not recorded."""
DIGITS = 6
"""Recorded values are rounded to this many decimals."""


class Appraisal(BaseModel):
    """How what just happened makes the agent feel: changes of its emotional state."""

    model_config = ConfigDict(extra="forbid")
    pleasure: float = Field(ge=-1, le=1, description="-1 (much more displeased) .. 1 (much more pleased); 0 no change.")
    arousal: float = Field(ge=-1, le=1, description="-1 (much calmer) .. 1 (much more excited or tense); 0 no change.")
    dominance: float = Field(ge=-1, le=1, description="-1 (much less in control) .. 1 (much more in control); 0 no change.")
    reason: str = Field(description="A few words: what made you feel this way.")


APPRAISAL_FIELD = Field(description="How what happened since your last turn, and what you did, changes how you feel.")



def emotion_settings(state: RunState) -> Any:
    """The run's :class:`~troupe_es.scenario.emotions.EmotionsSpec`, or None when emotions are off."""
    config = state.emotions_config
    if config is None:
        return None
    from troupe_es.commands.settings import parsed_section
    from troupe_es.scenario.emotions import EmotionsSpec

    spec = parsed_section("emotions", config, EmotionsSpec)
    return spec if spec.enabled else None


def now_of(state: RunState, agent: AgentState) -> str | None:
    world = state.worlds.get(agent.world) if agent.world else None
    return world.clock if world is not None else None


def current_pad(agent: AgentState, now: str | None, half_life: float) -> tuple[Pad, Pad]:
    """``(last recorded state, that state decayed to now)``; the baseline before any change."""
    base = baseline(agent.persona)
    last = agent.emotion
    if last is None:
        return base, base
    pad = last.pad
    return pad, decay(pad, base, seconds_between(last.at, now), half_life)


def feeling_line(pad: Pad, persona: Mapping[str, Any]) -> str:
    """The prompt's line naming the emotion: ``You feel anxious (intensity 0.42); ...``."""
    return f"You feel {octant(pad)} (intensity {intensity(pad):.2f}); your emotional style: {emotional_style(persona)}."


def turn_id(state: RunState, agent: AgentState) -> str:
    """The turn's deterministic id (its LLM call id): ``agent/step-N/turn-M``."""
    world = state.worlds.get(agent.world) if agent.world else None
    return f"{agent.name}/step-{world.step if world else 0}/turn-{agent.turns}"


def _rounded(pad: Pad) -> Pad:
    return (round(pad[0], DIGITS), round(pad[1], DIGITS), round(pad[2], DIGITS))


def _delta(new: Pad, old: Pad) -> list[float]:
    return [round(new[i] - old[i], DIGITS) for i in range(3)]


def decide_emotions(agent: AgentState, appraisal: Appraisal | None, *, now: str | None, half_life: float,
                    sensitivity: float, turn: str) -> list[Event]:
    """The emotion events of ``agent``'s turn (pure): the decay since its last change, then the
    appraisal (times ``sensitivity``, clamped to [-1, 1])."""
    events: list[Event] = []
    last, decayed = current_pad(agent, now, half_life)
    decayed = _rounded(decayed)
    if agent.emotion is not None and max(abs(decayed[i] - last[i]) for i in range(3)) >= CHANGE_EPSILON:
        events.append(EmotionChanged(agent=agent.name, pleasure=decayed[0], arousal=decayed[1], dominance=decayed[2],
                                     delta=_delta(decayed, last), reason="decay", cause=turn))
    else:
        decayed = last
    if appraisal is None:
        return events
    push = (appraisal.pleasure * sensitivity, appraisal.arousal * sensitivity, appraisal.dominance * sensitivity)
    moved = _rounded(clamp_pad((decayed[0] + push[0], decayed[1] + push[1], decayed[2] + push[2])))
    delta = _delta(moved, decayed)
    if max(map(abs, delta)) < CHANGE_EPSILON:
        return events
    stimuli = [m.ref for m in agent.new_memories() if m.ref and m.kind != "did"]
    events.append(EmotionChanged(agent=agent.name, pleasure=moved[0], arousal=moved[1], dominance=moved[2],
                                 delta=delta, reason="appraisal", cause=stimuli[-1] if stimuli else turn,
                                 stimuli=stimuli, appraisal=" ".join(appraisal.reason.split())[:200]))
    return events


def mood_scores(state: RunState, agent: str, memories: Sequence["StoredMemory"]) -> "np.ndarray | None":
    """The mood-congruence term of each memory's retrieval score (weight x congruence of the
    memory's PAD at encoding with the agent's mood now; 0 for untagged memories), or None when
    emotions are off or the weight is 0 (rankings as without emotions)."""
    spec = emotion_settings(state)
    if spec is None or not spec.mood_congruence or not memories:
        return None
    import numpy as np

    a = state.agents[agent]
    _, mood = current_pad(a, now_of(state, a), spec.half_life_seconds())
    return np.fromiter((spec.mood_congruence * congruence(m.pad, mood) if m.pad is not None else 0.0
                        for m in memories), dtype=np.float64, count=len(memories))


def stability_factor(state: RunState, memory: "StoredMemory") -> float:
    """How much longer ``memory`` resists the forgetting curve for the emotion it was stored
    in: ``1 + memory_stability x intensity`` (1 when untagged or emotions are off)."""
    if memory.pad is None:
        return 1.0
    spec = emotion_settings(state)
    return 1.0 + spec.memory_stability * intensity(memory.pad) if spec is not None else 1.0


class EmotionsCapability:
    """Emotions' contribution to a turn (see the module docstring)."""

    name = "emotions"

    def active(self, state: RunState, agent: str) -> bool:
        return emotion_settings(state) is not None

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        if emotion_settings(state) is None:  # off: the schema stays as without emotions
            return {}
        return {"appraisal": (Appraisal, APPRAISAL_FIELD)}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return ()

    def section(self, state: RunState, agent: str) -> list[str]:
        spec = emotion_settings(state)
        a = state.agents[agent]
        _, now = current_pad(a, now_of(state, a), spec.half_life_seconds()) if spec else (NEUTRAL, NEUTRAL)
        return [feeling_line(now, a.persona)]

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        return Preparation(lines=tuple(self.section(state, agent)))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        spec = emotion_settings(state)
        if spec is None:
            return []
        a = state.agents[agent]
        appraisal = getattr(output, "appraisal", None)
        return decide_emotions(a, appraisal if isinstance(appraisal, Appraisal) else None, now=now_of(state, a),
                               half_life=spec.half_life_seconds(), sensitivity=spec.sensitivity,
                               turn=turn_id(state, a))


EMOTIONS = EmotionsCapability()
"""The emotions capability instance ``bootstrap`` registers."""
