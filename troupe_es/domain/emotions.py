"""An agent's emotional state (PAD: pleasure, arousal, dominance, each in [-1, 1]), pure.

* **Baseline** (temperament) from the persona's Big Five with Mehrabian's (1996) equations,
  traits scaled to [-1, 1] and emotional stability = -neuroticism::

      P = .21 E + .59 A + .19 S        A = .15 O + .30 A - .57 S
      D = .25 O + .17 C + .60 E - .32 A

  A persona without Big Five has the neutral baseline (0, 0, 0).
* **Decay** towards the baseline with a half-life in simulated seconds:
  ``state' = baseline + (state - baseline) * 0.5 ** (dt / half_life)``.
* **Octant** (Mehrabian's names) and **intensity** (distance from neutral over sqrt(3), 0..1).

Changed only by ``EmotionChanged`` through :data:`EMOTION_HANDLERS`, which
:mod:`troupe_es.domain.evolve` merges into the one fold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from troupe_es.domain.copying import with_changes
from troupe_es.events.canonical import iso_utc

Pad = tuple[float, float, float]
NEUTRAL: Pad = (0.0, 0.0, 0.0)
SQRT3 = math.sqrt(3.0)

MEHRABIAN: dict[str, dict[str, float]] = {
    "pleasure": {"extraversion": 0.21, "agreeableness": 0.59, "stability": 0.19},
    "arousal": {"openness": 0.15, "agreeableness": 0.30, "stability": -0.57},
    "dominance": {"openness": 0.25, "conscientiousness": 0.17, "extraversion": 0.60, "agreeableness": -0.32},
}
"""Mehrabian's (1996) temperament coefficients, Big Five (stability = -neuroticism) -> PAD."""

OCTANTS: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "exuberant", (False, False, False): "bored",
    (True, True, False): "dependent", (False, False, True): "disdainful",
    (True, False, True): "relaxed", (False, True, False): "anxious",
    (True, False, False): "docile", (False, True, True): "hostile",
}
"""Mehrabian's names of the PAD octants, by the signs (P >= 0, A >= 0, D >= 0)."""

NEUTRAL_BELOW = 0.1
"""Intensity under which the state is called ``neutral``."""


@dataclass(frozen=True)
class EmotionState:
    """An agent's PAD state as last recorded, and when (simulated time, ISO)."""

    pleasure: float
    arousal: float
    dominance: float
    at: str | None = None
    changes: int = 0

    @property
    def pad(self) -> Pad:
        return (self.pleasure, self.arousal, self.dominance)


def clamp(value: float) -> float:
    """``value`` within [-1, 1]."""
    return -1.0 if value < -1.0 else 1.0 if value > 1.0 else float(value)


def clamp_pad(pad: Pad) -> Pad:
    return (clamp(pad[0]), clamp(pad[1]), clamp(pad[2]))


def decay(pad: Pad, baseline: Pad, seconds: float, half_life: float) -> Pad:
    """``pad`` after ``seconds`` of simulated time, decaying towards ``baseline``."""
    if seconds <= 0:
        return pad
    factor = 0.5 ** (seconds / half_life)
    return (baseline[0] + (pad[0] - baseline[0]) * factor, baseline[1] + (pad[1] - baseline[1]) * factor,
            baseline[2] + (pad[2] - baseline[2]) * factor)


def intensity(pad: Pad) -> float:
    """How strong the emotion is: distance from neutral over sqrt(3), in 0..1."""
    return math.sqrt(pad[0] * pad[0] + pad[1] * pad[1] + pad[2] * pad[2]) / SQRT3


def octant(pad: Pad) -> str:
    """The PAD octant's name (``exuberant``, ``anxious``, ``hostile``, ``relaxed``, ...), or
    ``neutral`` when the intensity is under :data:`NEUTRAL_BELOW`."""
    if intensity(pad) < NEUTRAL_BELOW:
        return "neutral"
    return OCTANTS[(pad[0] >= 0, pad[1] >= 0, pad[2] >= 0)]


def congruence(a: Pad, b: Pad) -> float:
    """How alike two PAD states are: 1 (same) to 0 (opposite corners)."""
    return 1.0 - math.dist(a, b) / (2 * SQRT3)


def seconds_between(earlier: str | None, later: str | None) -> float:
    """Simulated seconds from ``earlier`` to ``later`` (ISO texts; 0 when either is unknown)."""
    if not earlier or not later:
        return 0.0
    return max(0.0, (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds())


# --- the Big Five and the baseline -------------------------------------------------------------

_TRAITS = {"openness": "openness", "conscientiousness": "conscientiousness", "extraversion": "extraversion",
           "extroversion": "extraversion", "agreeableness": "agreeableness", "neuroticism": "neuroticism",
           "emotional_stability": "stability", "emotional stability": "stability", "stability": "stability"}
_LEVELS = (("very low", -1.0), ("very high", 1.0), ("extremely low", -1.0), ("extremely high", 1.0),
           ("low", -0.5), ("high", 0.5), ("medium", 0.0), ("moderate", 0.0), ("average", 0.0), ("mid", 0.0))


def trait_level(value: Any) -> float | None:
    """A Big Five score in [-1, 1]: a level word at the start of a text (``"High. Imaginative"``,
    ``"very low"``; low -0.5, medium 0, high 0.5, very low/high -1/1), or a number: in [-1, 0)
    taken as is, 0..1 a fraction, 1..5 a Likert score, 5..100 a percentage. None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        x = float(value)
        if x < 0:
            return clamp(x)
        if x <= 1:
            return 2 * x - 1
        if x <= 5:
            return (x - 3) / 2
        return clamp(2 * min(x, 100.0) / 100 - 1)
    if isinstance(value, str):
        text = " ".join(value.strip().lower().replace("-", " ").split())
        for word, level in _LEVELS:
            if re.match(rf"{word}\b", text):
                return level
        number = re.match(r"[-+]?\d+(?:\.\d+)?", text)
        if number:
            return trait_level(float(number.group()))
    return None


def big_five(persona: Mapping[str, Any]) -> dict[str, float]:
    """The persona's Big Five in [-1, 1] (``personality.big_five``, TinyTroupe's format: level
    texts or numbers, any key case), with ``stability`` = -``neuroticism``. Missing traits
    are left out."""
    personality = persona.get("personality") if isinstance(persona, Mapping) else None
    raw = personality.get("big_five") if isinstance(personality, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, value in raw.items():
        trait = _TRAITS.get(str(key).strip().lower().replace("-", "_"))
        level = trait_level(value)
        if trait is None or level is None:
            continue
        if trait == "neuroticism":
            out["neuroticism"] = level
            out.setdefault("stability", -level)
        else:
            out[trait] = level
    return out


def baseline_from_traits(traits: Mapping[str, float]) -> Pad:
    """Mehrabian's temperament from Big Five scores in [-1, 1] (missing ones count 0), clamped."""
    p, a, d = (sum(c * traits.get(t, 0.0) for t, c in MEHRABIAN[dim].items())
               for dim in ("pleasure", "arousal", "dominance"))
    return clamp_pad((round(p, 6), round(a, 6), round(d, 6)))


@lru_cache(maxsize=1024)
def _baseline_cached(key: str) -> Pad:
    import json

    return baseline_from_traits(big_five(json.loads(key)))


_BY_ID: dict[int, tuple[Any, Pad]] = {}


def baseline(persona: Mapping[str, Any]) -> Pad:
    """The persona's baseline PAD (neutral without Big Five)."""
    import json

    personality = persona.get("personality") if isinstance(persona, Mapping) else None
    if not isinstance(personality, Mapping) or not personality.get("big_five"):
        return NEUTRAL
    raw = personality["big_five"]
    hit = _BY_ID.get(id(raw))
    if hit is not None and hit[0] is raw:
        return hit[1]
    pad = _baseline_cached(json.dumps({"personality": {"big_five": raw}}, sort_keys=True, default=str))
    if len(_BY_ID) > 1024:
        _BY_ID.clear()
    _BY_ID[id(raw)] = (raw, pad)  # the dict is kept alive with its id, so ids stay unique
    return pad


def emotional_style(persona: Mapping[str, Any]) -> str:
    """How the persona tends to feel: an explicit ``emotional_style`` field, else its
    temperament's octant and how even-tempered its Big Five says it is."""
    explicit = persona.get("emotional_style") if isinstance(persona, Mapping) else None
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip()
    traits = big_five(persona)
    if not traits:
        return "no strong temperament either way"
    base = baseline(persona)
    parts = [f"{octant(base)} by temperament" if octant(base) != "neutral" else "a balanced temperament"]
    stability = traits.get("stability", 0.0)
    if stability >= 0.25:
        parts.append("even-tempered, slow to be upset")
    elif stability <= -0.25:
        parts.append("quick to be upset, feelings run high")
    return ", ".join(parts)


def describe(pad: Pad) -> dict[str, Any]:
    """A PAD state for people and JSON: the three values, octant and intensity."""
    return {"pleasure": round(pad[0], 4), "arousal": round(pad[1], 4), "dominance": round(pad[2], 4),
            "octant": octant(pad), "intensity": round(intensity(pad), 4)}


# --- the fold ---------------------------------------------------------------------------------

_ISO: dict[float, str] = {}


def _iso(when: datetime | None) -> str | None:
    """``iso_utc(when)``, cached by timestamp for UTC datetimes (``isoformat`` is most of the
    fold's cost, and a step's events share one simulated time)."""
    if when is None or when.tzinfo is not timezone.utc:
        return iso_utc(when)
    key = when.timestamp()
    text = _ISO.get(key)
    if text is None:
        if len(_ISO) > 4096:
            _ISO.clear()
        text = _ISO[key] = iso_utc(when)
    return text


def _changed(s: Any, r: Any, e: Any) -> Any:
    agents = s.agents.copy()
    agent = agents[e.agent]
    previous = agent.emotion
    state = object.__new__(EmotionState)  # EmotionState(...) without the frozen __init__'s cost
    fields = state.__dict__
    fields["pleasure"], fields["arousal"], fields["dominance"] = e.pleasure, e.arousal, e.dominance
    fields["at"] = _iso(r.sim_time)
    fields["changes"] = previous.changes + 1 if previous is not None else 1
    agents[e.agent] = with_changes(agent, emotion=state)
    return with_changes(s, agents=agents)


EMOTION_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {"EmotionChanged": _changed}
"""Emotion event type -> fold handler (merged into the one fold by ``evolve``)."""
