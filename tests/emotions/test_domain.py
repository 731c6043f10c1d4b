"""The pure PAD model: Mehrabian's baseline signs, decay over simulated time, clamping, octants,
Big Five parsing, the fold and snapshots."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from troupe_es.commands.emotions import Appraisal, decide_emotions
from troupe_es.domain import AgentState, RunState, evolve
from troupe_es.domain.emotions import (
    MEHRABIAN,
    EmotionState,
    baseline,
    baseline_from_traits,
    big_five,
    clamp_pad,
    congruence,
    decay,
    emotional_style,
    intensity,
    octant,
    trait_level,
)
from troupe_es.events import EmotionChanged, Recorded

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "stability")
EXPECTED_SIGNS = {  # Mehrabian (1996): which way each Big Five trait pushes each PAD axis
    ("pleasure", "extraversion"): 1, ("pleasure", "agreeableness"): 1, ("pleasure", "stability"): 1,
    ("arousal", "openness"): 1, ("arousal", "agreeableness"): 1, ("arousal", "stability"): -1,
    ("dominance", "openness"): 1, ("dominance", "conscientiousness"): 1, ("dominance", "extraversion"): 1,
    ("dominance", "agreeableness"): -1,
}


@pytest.mark.parametrize("axis_index,axis", list(enumerate(("pleasure", "arousal", "dominance"))))
@pytest.mark.parametrize("trait", TRAITS)
def test_each_big_five_trait_moves_the_baseline_the_way_mehrabian_says(axis_index, axis, trait):
    low = baseline_from_traits({trait: -0.5})[axis_index]
    high = baseline_from_traits({trait: 0.5})[axis_index]
    sign = EXPECTED_SIGNS.get((axis, trait), 0)
    assert (high > low, high < low, high == low)[{1: 0, -1: 1, 0: 2}[sign]], (axis, trait, low, high)
    assert MEHRABIAN[axis].get(trait, 0.0) * sign >= 0


def test_neuroticism_counts_as_negative_stability_and_a_persona_without_big_five_is_neutral():
    calm = baseline({"name": "A", "personality": {"big_five": {"Neuroticism": "low"}}})
    nervous = baseline({"name": "B", "personality": {"big_five": {"neuroticism": "very high"}}})
    assert calm[0] > nervous[0] and calm[1] < nervous[1]  # stable: more pleasant, calmer
    assert baseline({"name": "C"}) == (0.0, 0.0, 0.0)
    assert baseline({"name": "D", "personality": {"traits": ["kind"]}}) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("value,level", [
    ("high", 0.5), ("Very high", 1.0), ("Low. Rarely worries.", -0.5), ("medium", 0.0), ("very-low", -1.0),
    (0.75, 0.5), (1, 1.0), (0, -1.0), (4, 0.5), (80, 0.6), (-0.3, -0.3), ("bold", None), (True, None)])
def test_big_five_levels_are_read_from_tinytroupe_texts_and_numbers(value, level):
    got = trait_level(value)
    assert got == level if level is None else got == pytest.approx(level)


def test_big_five_keys_are_case_insensitive_and_unknown_ones_are_ignored():
    traits = big_five({"personality": {"big_five": {"Openness": "High. Curious", "Extroversion": 5,
                                                    "humour": "high", "neuroticism": 0.25}}})
    assert traits == {"openness": 0.5, "extraversion": 1.0, "neuroticism": -0.5, "stability": 0.5}


def test_decay_halves_the_distance_to_the_baseline_every_half_life():
    base = (0.2, -0.1, 0.3)
    start = (1.0, 0.9, -0.7)
    one = decay(start, base, 3600, 3600)
    two = decay(start, base, 7200, 3600)
    for i in range(3):
        assert one[i] - base[i] == pytest.approx((start[i] - base[i]) / 2)
        assert two[i] - base[i] == pytest.approx((start[i] - base[i]) / 4)
    assert decay(start, base, 0, 3600) == start
    far = decay(start, base, 3600 * 60, 3600)
    assert all(f == pytest.approx(b, abs=1e-12) for f, b in zip(far, base))


def test_clamping_keeps_every_axis_within_minus_one_and_one():
    assert clamp_pad((1.7, -3.0, 0.25)) == (1.0, -1.0, 0.25)
    agent = _agent(emotion=EmotionState(0.9, -0.9, 0.0, "2026-01-01T10:00:00+00:00", 1))
    [event] = decide_emotions(agent, Appraisal(pleasure=1, arousal=-1, dominance=1, reason="x"),
                              now="2026-01-01T10:00:00+00:00", half_life=3600, sensitivity=1.0, turn="A/step-0/turn-0")
    assert (event.pleasure, event.arousal, event.dominance) == (1.0, -1.0, 1.0)
    assert event.delta == pytest.approx([0.1, -0.1, 1.0])


def test_octants_have_mehrabians_names_and_intensity_is_distance_from_neutral():
    assert octant((0.5, 0.5, 0.5)) == "exuberant"
    assert octant((-0.5, 0.5, -0.5)) == "anxious"
    assert octant((-0.5, 0.5, 0.5)) == "hostile"
    assert octant((0.5, -0.5, 0.5)) == "relaxed"
    assert octant((-0.5, -0.5, -0.5)) == "bored"
    assert octant((0.01, 0.0, -0.02)) == "neutral"
    assert intensity((1.0, 1.0, 1.0)) == pytest.approx(1.0)
    assert intensity((0.0, 0.0, 0.0)) == 0.0
    assert congruence((1, 1, 1), (1, 1, 1)) == 1.0 and congruence((1, 1, 1), (-1, -1, -1)) == pytest.approx(0.0)


def test_emotional_style_comes_from_an_explicit_field_or_the_big_five():
    assert emotional_style({"emotional_style": "hot-headed"}) == "hot-headed"
    stable = emotional_style({"personality": {"big_five": {"extraversion": "high", "neuroticism": "low"}}})
    assert "even-tempered" in stable
    assert "quick to be upset" in emotional_style({"personality": {"big_five": {"neuroticism": "very high"}}})


def _agent(**kw) -> AgentState:
    return AgentState(name="A", persona={"name": "A"}, **kw)


def test_decide_records_decay_since_the_last_change_then_the_appraisal_scaled_by_sensitivity():
    agent = _agent(emotion=EmotionState(0.8, 0.0, 0.0, "2026-01-01T10:00:00+00:00", 1))
    events = decide_emotions(agent, Appraisal(pleasure=-1, arousal=0.5, dominance=0, reason="an insult"),
                             now="2026-01-01T12:00:00+00:00", half_life=3600, sensitivity=0.5,
                             turn="A/step-3/turn-2")
    decayed, appraised = events
    assert decayed.reason == "decay" and decayed.pleasure == pytest.approx(0.2) and decayed.cause == "A/step-3/turn-2"
    assert appraised.reason == "appraisal" and appraised.pleasure == pytest.approx(-0.3)
    assert appraised.arousal == pytest.approx(0.25) and appraised.delta == pytest.approx([-0.5, 0.25, 0.0])
    assert appraised.appraisal == "an insult" and appraised.cause == "A/step-3/turn-2"


def test_a_first_turn_starts_from_the_baseline_without_a_decay_event():
    persona = {"name": "A", "personality": {"big_five": {"agreeableness": "high"}}}
    agent = AgentState(name="A", persona=persona)
    [event] = decide_emotions(agent, Appraisal(pleasure=0.2, arousal=0, dominance=0, reason="ok"), now=None,
                              half_life=3600, sensitivity=1.0, turn="A/step-0/turn-0")
    assert event.pleasure == pytest.approx(baseline(persona)[0] + 0.2)
    assert decide_emotions(agent, Appraisal(pleasure=0, arousal=0, dominance=0, reason="-"), now=None,
                           half_life=3600, sensitivity=1.0, turn="t") == []


def _recorded(event, position: int, when: datetime) -> Recorded:
    return Recorded(event=event, position=position, run_id="r", stream="agent/A", stream_version=position,
                    event_id=f"e{position}", causation_id=None, sim_time=when,
                    recorded_at=when, content_hash="h", chain_hash="c")


def test_the_fold_keeps_the_last_state_and_it_survives_a_snapshot():
    when = datetime(2026, 1, 1, 10, tzinfo=timezone.utc)
    state = RunState(agents={"A": _agent()})
    event = EmotionChanged(agent="A", pleasure=0.5, arousal=-0.25, dominance=0.125, delta=[0.5, -0.25, 0.125],
                           reason="appraisal", cause="agent/A@1")
    state = evolve(state, _recorded(event, 1, when))
    emotion = state.agents["A"].emotion
    assert emotion.pad == (0.5, -0.25, 0.125) and emotion.changes == 1 and emotion.at.startswith("2026-01-01T10:00")
    assert RunState.from_dict(state.to_dict()) == state
    assert math.isclose(intensity(emotion.pad), math.sqrt(0.25 + 0.0625 + 0.015625) / math.sqrt(3))


def test_decay_below_a_ten_thousandth_is_not_recorded_and_values_have_six_decimals():
    at = "2026-01-01T10:00:00+00:00"
    settled = _agent(emotion=EmotionState(0.00005, 0.0, 0.0, at, 4))  # the neutral baseline, nearly
    assert decide_emotions(settled, None, now="2026-01-01T20:00:00+00:00", half_life=3600, sensitivity=1.0,
                           turn="t") == []
    moving = _agent(emotion=EmotionState(0.9, 0.0, 0.0, at, 4))
    [decayed, appraised] = decide_emotions(moving, Appraisal(pleasure=1 / 3, arousal=0, dominance=0, reason="r"),
                                           now="2026-01-01T10:17:00+00:00", half_life=3600, sensitivity=1.0,
                                           turn="t")
    for event in (decayed, appraised):
        for value in (event.pleasure, event.arousal, event.dominance, *event.delta):
            assert value == round(value, 6)
