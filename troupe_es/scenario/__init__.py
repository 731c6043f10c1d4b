"""Scenario files (YAML, DESIGN §9): the model, the script steps, the loader and durations.

``load_scenario(path)`` reads and resolves a file; ``Scenario.to_record()`` is what
``RunStarted`` stores and ``Scenario.from_record(record)`` rebuilds it without any file.
"""

from troupe_es.scenario.loader import ScenarioFile, load_scenario, resolve_persona
from troupe_es.scenario.model import (
    BudgetSpec,
    Condition,
    Effect,
    InterventionSpec,
    LLMSettings,
    Relation,
    Say,
    TellSpec,
    WorldSpec,
    parse_duration,
)
from troupe_es.scenario.scenario import ResolvedPersona, Scenario, check_names
from troupe_es.scenario.steps import (
    STEP_CLASSES,
    STEP_KINDS,
    BroadcastStep,
    GoalStep,
    MakeAccessibleStep,
    PollSpec,
    PollStep,
    RelateStep,
    RunStep,
    RunSteps,
    ScriptStep,
    SeeStep,
    TellStep,
    ThinkStep,
    step_record,
)

__all__ = [
    "STEP_CLASSES", "STEP_KINDS", "BroadcastStep", "BudgetSpec", "Condition", "Effect", "GoalStep",
    "InterventionSpec", "LLMSettings", "MakeAccessibleStep", "PollSpec", "PollStep", "RelateStep",
    "Relation", "ResolvedPersona", "RunStep", "RunSteps", "Say", "Scenario", "ScenarioFile",
    "ScriptStep", "SeeStep", "TellSpec", "TellStep", "ThinkStep", "WorldSpec", "check_names",
    "load_scenario", "parse_duration", "resolve_persona", "step_record",
]
