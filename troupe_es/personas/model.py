"""The persona model: TinyTroupe's TinyPerson fields, with free extra fields kept."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


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


class Preferences(_Open):
    """Interests, likes and dislikes."""

    interests: list[str] = Field(default_factory=list)
    likes: list[str] = Field(default_factory=list)
    dislikes: list[str] = Field(default_factory=list)


class Persona(_Open):
    """A simulated person (TinyTroupe ``persona`` section). Only ``name`` is required."""

    name: str = Field(min_length=1)
    age: int | None = None
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
    relationships: list[Any] = Field(default_factory=list)
    other_facts: list[str] = Field(default_factory=list)

    @field_validator("occupation", mode="before")
    @classmethod
    def _occupation_string(cls, value: Any) -> Any:
        return {"title": value} if isinstance(value, str) else value

    @field_validator("personality", mode="before")
    @classmethod
    def _personality_list(cls, value: Any) -> Any:
        return {"traits": value} if isinstance(value, list) else value

    def to_spec(self) -> dict[str, Any]:
        """The JSON-compatible spec recorded in ``PersonaDefined`` (empty fields left out)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
