"""Scenario files (YAML, DESIGN §9): the model, the loader and duration parsing."""

from troupe_es.scenario.loader import ResolvedPersona, Scenario, load_scenario
from troupe_es.scenario.model import LINE_MODELS, WorldSpec, parse_duration

__all__ = ["LINE_MODELS", "ResolvedPersona", "Scenario", "WorldSpec", "load_scenario", "parse_duration"]
