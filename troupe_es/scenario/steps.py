"""Script steps: each YAML line is exactly one of these, told apart by its single key.

``ScriptStep`` is a tagged union (the tag is the step's key), so ``{tell: {to: Bob, text: hi}}``
validates as :class:`TellStep` and ``model_dump(by_alias=True, exclude_none=True)`` gives the
YAML shape back, which is what ``Scenario.to_record()`` stores and the runner plays.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, Discriminator, Field, Tag, field_validator

from troupe_es.limits import MAX_POLL_OPTIONS, MAX_STEPS_PER_RUN_LINE
from troupe_es.scenario.model import Relation, Say, Strict, TellSpec, parse_duration
from troupe_es.scenario.schedule import ScheduleSpec


def _non_negative(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number of steps, got a boolean")
    if isinstance(value, int) and value < 0:
        raise ValueError(f"must be >= 0, got {value}")
    return value


def _at_most(steps: int) -> int:
    if not 0 <= steps <= MAX_STEPS_PER_RUN_LINE:
        raise ValueError(f"must be from 0 to {MAX_STEPS_PER_RUN_LINE} steps, got {steps}")
    return steps


class RunSteps(Strict):
    """``run: {steps: N, step: 30m}``: N world steps, each ``step`` long (the world's by default)."""

    steps: int
    step: str | None = None

    @field_validator("steps", mode="before")
    @classmethod
    def _steps(cls, value: Any) -> Any:
        return _non_negative(value)

    @field_validator("steps")
    @classmethod
    def _bounded(cls, value: int) -> int:
        return _at_most(value)

    @field_validator("step")
    @classmethod
    def _valid_step(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class PollSpec(Strict):
    """A vote: every agent (or each one in ``to``) picks one option and gives a reason."""

    question: str = Field(min_length=1)
    options: list[str] = Field(min_length=2, max_length=MAX_POLL_OPTIONS)
    to: list[str] | None = Field(default=None, min_length=1)

    @field_validator("options")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        dupes = sorted({o for o in value if value.count(o) > 1})
        if dupes:
            raise ValueError(f"duplicate option {dupes[0]!r}")
        return value


class _Step(Strict):
    kind: ClassVar[str]

    def agent_refs(self) -> list[tuple[str, str]]:
        """``(field path, agent name)`` pairs the step names (checked against the personas)."""
        return []


class BroadcastStep(_Step):
    """``broadcast: TEXT``: everyone in the world hears it."""

    kind: ClassVar[str] = "broadcast"
    broadcast: str


class _SayStep(_Step):
    def agent_refs(self) -> list[tuple[str, str]]:
        return [(f"{self.kind}.to", getattr(self, self.kind).to)]


class TellStep(_SayStep):
    """``tell: {to, text, from?}``: one agent hears ``text`` (from ``from``, else the world)."""

    kind: ClassVar[str] = "tell"
    tell: TellSpec


class SeeStep(_SayStep):
    """``see: {to, text}``: one agent sees something described by ``text``."""

    kind: ClassVar[str] = "see"
    see: Say


class ThinkStep(_SayStep):
    """``think: {to, text}``: a thought put into one agent's mind."""

    kind: ClassVar[str] = "think"
    think: Say


class GoalStep(_SayStep):
    """``goal: {to, text}``: one agent internalizes a goal (TinyTroupe's ``internalize_goal``)."""

    kind: ClassVar[str] = "goal"
    goal: Say


class RunStep(_Step):
    """``run: N`` or ``run: {steps: N, step: 30m}``: N world steps; every agent acts in each."""

    kind: ClassVar[str] = "run"
    run: Annotated[Union[Annotated[int, Tag("int")], Annotated[RunSteps, Tag("RunSteps")]],
                   Discriminator(lambda v: "RunSteps" if isinstance(v, (dict, RunSteps)) else "int")]

    @field_validator("run", mode="before")
    @classmethod
    def _run(cls, value: Any) -> Any:
        return _non_negative(value)

    @field_validator("run")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        if isinstance(value, int):
            _at_most(value)
        return value

    @property
    def steps(self) -> int:
        """How many world steps this line runs."""
        return self.run.steps if isinstance(self.run, RunSteps) else self.run


class MakeAccessibleStep(_Step):
    """``make_accessible: [A, B, ...]`` (they can reach each other) or ``make_accessible: everyone``."""

    kind: ClassVar[str] = "make_accessible"
    make_accessible: Annotated[
        Union[Annotated[Literal["everyone"], Tag("str")], Annotated[list[str], Field(min_length=2), Tag("list")]],
        Discriminator(lambda v: "str" if isinstance(v, str) else "list")]

    def agent_refs(self) -> list[tuple[str, str]]:
        if self.make_accessible == "everyone":
            return []
        return [(f"make_accessible[{i}]", name) for i, name in enumerate(self.make_accessible)]


class RelateStep(_Step):
    """``relate: {between: [A, B], relation: TEXT}``: a social tie (A and B become accessible)."""

    kind: ClassVar[str] = "relate"
    relate: Relation

    def agent_refs(self) -> list[tuple[str, str]]:
        return [(f"relate.between[{i}]", name) for i, name in enumerate(self.relate.between)]


class PollStep(_Step):
    """``poll: {question, options, to?}``: each agent picks one option with a reason; a tally closes it."""

    kind: ClassVar[str] = "poll"
    poll: PollSpec

    def agent_refs(self) -> list[tuple[str, str]]:
        return [(f"poll.to[{i}]", name) for i, name in enumerate(self.poll.to or ())]


class ScheduleStep(_Step):
    """``schedule: {in: 2h, broadcast: ...}``: put an item on the schedule now (docs/schedule.md)."""

    kind: ClassVar[str] = "schedule"
    schedule: ScheduleSpec

    def agent_refs(self) -> list[tuple[str, str]]:
        return [(f"schedule.{path}", name) for path, name in self.schedule.agent_refs()]


class CancelStep(_Step):
    """``cancel: ID``: take the pending item ``ID`` off the schedule."""

    kind: ClassVar[str] = "cancel"
    cancel: str = Field(min_length=1)


STEP_CLASSES: tuple[type[_Step], ...] = (BroadcastStep, TellStep, SeeStep, ThinkStep, GoalStep, RunStep,
                                          MakeAccessibleStep, RelateStep, PollStep, ScheduleStep, CancelStep)
STEP_KINDS: tuple[str, ...] = tuple(cls.kind for cls in STEP_CLASSES)


def step_kind(value: Any) -> str | None:
    """The tag of a script line: its one known key (None when there is none or more than one)."""
    if isinstance(value, _Step):
        return value.kind
    if isinstance(value, dict):
        known = [key for key in value if key in STEP_KINDS]
        return known[0] if len(known) == 1 else None
    return None


ScriptStep = Annotated[
    Union[tuple(Annotated[cls, Tag(cls.kind)] for cls in STEP_CLASSES)],  # type: ignore[misc]
    Discriminator(step_kind, custom_error_type="script_step",
                  custom_error_message="each script step needs exactly one of " + ", ".join(STEP_KINDS)),
]
"""One script line (a tagged union of the step classes above)."""


def step_record(step: BaseModel) -> dict[str, Any]:
    """The YAML shape of a step (``{"tell": {"to": ..., "text": ...}}``), as recorded."""
    return step.model_dump(mode="json", exclude_none=True, by_alias=True)
