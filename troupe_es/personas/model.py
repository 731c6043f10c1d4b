"""The persona model: TinyTroupe's TinyPerson fields, with free extra fields kept.

Every level where TinyTroupe allows free content (the persona itself, ``occupation``,
``personality``, ``preferences``) keeps unknown fields (``extra="allow"``): they are recorded
in ``PersonaDefined`` and reach the prompt like the known ones. Lenient where TinyTroupe files
are: a plain-string ``occupation`` becomes ``{title}``, a list ``personality`` becomes
``{traits}``, and a single string where a list of strings is expected becomes a one-item list.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from troupe_es.limits import check_name

Name = Annotated[str, Field(min_length=1), AfterValidator(check_name)]
"""An agent (or world) name: fits the event store's stream column on every backend, no control
characters (:func:`troupe_es.limits.check_name`)."""


def _one_item_list(value: Any) -> Any:
    """``"x"`` -> ``["x"]``; anything else unchanged (validation reports it)."""
    return [value] if isinstance(value, str) else value


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Occupation(_Open):
    """What the person does for a living (a plain string becomes the title)."""

    title: str | None = None
    organization: str | None = None
    description: str | None = None


class Personality(_Open):
    """Traits and Big Five scores (free text or numbers, as TinyTroupe writes them)."""

    traits: list[str] = Field(default_factory=list)
    big_five: dict[str, Any] = Field(default_factory=dict)

    @field_validator("traits", mode="before")
    @classmethod
    def _traits(cls, value: Any) -> Any:
        return _one_item_list(value)


class Preferences(_Open):
    """Interests, likes and dislikes."""

    interests: list[str] = Field(default_factory=list)
    likes: list[str] = Field(default_factory=list)
    dislikes: list[str] = Field(default_factory=list)

    @field_validator("interests", "likes", "dislikes", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _one_item_list(value)


class Persona(_Open):
    """A simulated person (TinyTroupe's ``persona`` section). Only ``name`` is required.

    ``behaviors`` is a list or, as in TinyTroupe's own agents, a dict such as
    ``{"general": [...], "routines": {"morning": [...]}}``; ``relationships`` holds strings or
    ``{"name": ..., "description": ...}`` objects.
    """

    name: Name
    age: int | None = Field(default=None, ge=0)

    gender: str | None = None
    nationality: str | None = None
    residence: str | None = None
    education: str | None = None
    occupation: Occupation | None = None
    style: str | None = None
    personality: Personality | None = None
    preferences: Preferences | None = None
    beliefs: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    behaviors: list[str] | dict[str, Any] = Field(default_factory=list)
    health: str | None = None
    relationships: list[str | dict[str, Any]] = Field(default_factory=list)
    other_facts: list[str] = Field(default_factory=list)

    @field_validator("occupation", mode="before")
    @classmethod
    def _occupation_string(cls, value: Any) -> Any:
        return {"title": value} if isinstance(value, str) else value

    @field_validator("personality", mode="before")
    @classmethod
    def _personality_list(cls, value: Any) -> Any:
        return {"traits": value} if isinstance(value, list) else value

    @field_validator("beliefs", "skills", "other_facts", mode="before")
    @classmethod
    def _string_lists(cls, value: Any) -> Any:
        return _one_item_list(value)

    def to_spec(self) -> dict[str, Any]:
        """The JSON-compatible spec recorded in ``PersonaDefined`` (empty fields left out)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
