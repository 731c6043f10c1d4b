"""Run lifecycle events: a run starts, advances in steps, and completes or fails."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_serializer

from troupe_es.events.base import Event, UtcDatetime, volatile


class RunStarted(Event):
    """A simulation run began. Records everything needed to re-execute it: the whole scenario,
    the seed, the package version and the LLM provider's identity (replay computes request keys
    with it); a fork also records its parent run and fork position."""

    type: Literal["RunStarted"] = "RunStarted"
    scenario_name: str = Field(description="Name of the scenario (or of the notebook simulation).")
    scenario: dict[str, Any] = Field(default_factory=dict, description="The whole scenario as loaded.")
    seed: int = Field(description="Seed of the run's random stream and of its LLM request keys.")
    package_version: str = Field(description="troupe-es version that recorded the run.")
    sim_start: UtcDatetime | None = Field(default=None, description="Simulated clock at the start.")
    parent_run_id: str | None = Field(default=None, description="Run this one was forked from.")
    fork_position: int | None = Field(default=None, description="Parent position the fork continues from.")
    llm_provider: dict[str, str] | None = Field(
        default=None, description="Identity of the LLM provider, part of every request key: kind and "
                                  "normalised endpoint, never a secret (null: recorded before identities).")
    settings: dict[str, Any] = volatile(
        default_factory=dict, description="Execution settings (LLM mode, parallelism, store): volatile.")
    embedder: dict[str, str] | None = Field(
        default=None, description="The offline embedder memory retrieval uses (name, version); replay "
                                  "refuses another version. Absent from runs without memory.")

    def payload(self) -> dict[str, Any]:
        """As :meth:`Event.payload`, without ``embedder`` when there is none (older runs' hashes hold)."""
        data = super().payload()
        if data.get("embedder") is None:
            data.pop("embedder", None)
        return data


class CommandIssued(Event):
    """A command was issued to a run driven from Python (the notebook facade), recorded in the
    ``run`` stream in the same batch as the command's first events. Replay and fork rebuild the
    command from it and dispatch it again; scenario runs do not record it (their script is in
    ``RunStarted``)."""

    type: Literal["CommandIssued"] = "CommandIssued"
    command: str = Field(description="The command's class name, e.g. Broadcast or AdvanceStep.")
    arguments: dict[str, Any] = Field(default_factory=dict,
                                      description="The validated command as model_dump(mode='json').")
    measurements: dict[str, Any] = volatile(
        default_factory=dict, description="The command's volatile fields (wall-clock time, cache counters, "
                                          "execution settings): volatile.")


class RunCompleted(Event):
    """The run ended normally."""

    type: Literal["RunCompleted"] = "RunCompleted"
    steps: int = Field(default=0, description="Number of world steps executed.")
    wall_seconds: float | None = volatile(description="Wall-clock duration of the run.")
    cache: dict[str, int] | None = volatile(
        default=None, description="LLM cache counters of this execution: hits, misses, evictions.")
    reason: str | None = Field(
        default=None, description="Why the run stopped before its script ended, e.g. 'idle: no agent acted "
                                  "for 3 steps' (stop_when_idle); absent when the script ran to its end.")

    @model_serializer(mode="wrap")
    def _without_empty_reason(self, handler: Any) -> dict[str, Any]:
        """Serialized without ``reason`` when there is none (older runs' hashes hold)."""
        data = handler(self)
        if data.get("reason") is None:
            data.pop("reason", None)
        return data


class RunFailed(Event):
    """The run ended on an error; everything recorded before it is kept."""

    type: Literal["RunFailed"] = "RunFailed"
    reason: str = Field(description="One-line reason.")
    error_type: str = Field(description="Exception class name.")


class StepStarted(Event):
    """A world step began; the simulated clock reads ``sim_time`` of the envelope."""

    type: Literal["StepStarted"] = "StepStarted"
    world: str
    step: int = Field(ge=0)


class StepCompleted(Event):
    """A world step ended and the simulated clock advanced."""

    type: Literal["StepCompleted"] = "StepCompleted"
    world: str
    step: int = Field(ge=0)


class BudgetExceeded(Event):
    """The run's token or cost budget was reached; the run stops cleanly instead of overspending."""

    type: Literal["BudgetExceeded"] = "BudgetExceeded"
    limit: Literal["tokens", "cost_usd"]
    budget: float
    used: float


class RunInterrupted(Event):
    """The run stopped before its script ended and can be resumed (``troupe-es resume``): a
    signal (Ctrl-C, SIGTERM, SIGHUP) or a spent budget. Everything recorded before it is kept."""

    type: Literal["RunInterrupted"] = "RunInterrupted"
    cause: str = Field(description="What stopped the run: SIGINT, SIGTERM, SIGHUP or budget.")
    reason: str = Field(description="One-line explanation.")


class RunResumed(Event):
    """A run that died (crash, power loss), failed, was interrupted or spent its budget continues
    from its last committed event. Finished turns are never played again."""

    type: Literal["RunResumed"] = "RunResumed"
    events_before: int = Field(ge=0, description="Events the run had when it was resumed.")
    llm_provider: dict[str, str] | None = Field(
        default=None, description="Identity of the provider the resumed execution keys its calls with "
                                  "(kind and endpoint, never a secret); it may differ from RunStarted's.")
    previous_status: str = Field(
        description="How the run looked before: running (its writer died), failed, interrupted, "
                    "budget-exceeded.")
    settings: dict[str, Any] = volatile(
        default_factory=dict, description="Execution settings of the resumed execution: volatile.")
