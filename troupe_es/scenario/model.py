"""The scenario file model (DESIGN §9): YAML validated by pydantic, unknown fields rejected."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days)\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "secs": 1, "m": 60, "min": 60, "mins": 60, "h": 3600, "hr": 3600,
                 "hrs": 3600, "d": 86400, "day": 86400, "days": 86400}


def parse_duration(text: str | int | float) -> timedelta:
    """``"15m"``, ``"1h"``, ``"30s"``, ``"1d"`` (or a number of seconds) as a timedelta."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 15m, 1h or 1d")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {text!r}")
    return timedelta(seconds=seconds)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(_Strict):
    """Model and sampling parameters for every agent call."""

    model: str = "gpt-4o-mini"
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    top_p: float | None = Field(default=None, gt=0, le=1)


class BudgetSpec(_Strict):
    """Stop the run cleanly before exceeding these."""

    tokens: int | None = Field(default=None, gt=0)
    cost_usd: float | None = Field(default=None, gt=0)


class Relation(_Strict):
    """A social-network tie between two agents."""

    between: list[str] = Field(min_length=2, max_length=2)
    relation: str


class WorldSpec(_Strict):
    """The world: name, clock, step and who can talk to whom."""

    name: str = "World"
    start: datetime = datetime(2026, 1, 1, 9, 0)
    step: str | float = "1h"
    everyone_accessible: bool = True
    type: Literal["world", "social_network"] = "world"
    relations: list[Relation] = Field(default_factory=list)

    @field_validator("step")
    @classmethod
    def _valid_step(cls, value: str | float) -> str | float:
        parse_duration(value)
        return value


class AddressedText(_Strict):
    """A stimulus for one agent."""

    to: str
    text: str
    from_: str | None = Field(default=None, alias="from")


class RunSteps(_Strict):
    """``run: {steps: N, step: 30m}``."""

    steps: int = Field(ge=0)
    step: str | None = None

    @field_validator("step")
    @classmethod
    def _valid_step(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class PollSpec(_Strict):
    """A vote: every (or each listed) agent picks one option with a reason."""

    question: str
    options: list[str] = Field(min_length=2)
    to: list[str] | None = None


class Condition(_Strict):
    """When an intervention fires: exactly one of the fields."""

    step: int | None = Field(default=None, ge=0)
    every: int | None = Field(default=None, gt=0)
    after_step: int | None = Field(default=None, ge=0)
    said: str | None = None


class Effect(_Strict):
    """What an intervention does: exactly one of the fields."""

    broadcast: str | None = None
    tell: AddressedText | None = None
    think: AddressedText | None = None
    see: AddressedText | None = None


class InterventionSpec(_Strict):
    """A precondition over the step/state and an effect."""

    name: str
    when: Condition
    do: Effect


LINE_MODELS: dict[str, Any] = {
    "broadcast": str,
    "tell": AddressedText,
    "see": AddressedText,
    "think": AddressedText,
    "goal": AddressedText,
    "run": int | RunSteps,
    "make_accessible": list[str] | Literal["everyone"],
    "relate": Relation,
    "poll": PollSpec,
}
"""Script line kinds and the shape of their value."""
