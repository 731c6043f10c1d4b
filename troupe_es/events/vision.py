"""Vision events: an image shown to agents, described once by a vision-capable model.

The image's bytes are never in the log: they are stored once in the store's blob table
(:mod:`troupe_es.store.blobs`), and events carry an :class:`ImageRef` — the bytes' sha256, media
type, size and pixel dimensions. The description is an ordinary gateway call (its
``LLMCallRequested`` holds an image part whose URL is ``blob:sha256:<hash>``, expanded to a data
URL only when a provider is called), recorded, cached and replayed like any other.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.events.base import Event

ImageMediaType = Literal["image/png", "image/jpeg", "image/gif", "image/webp"]


class ImageRef(BaseModel):
    """An image stored in the blob table: what an event (or a scenario record) says about it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sha256: str = Field(description="sha256 of the image's bytes, in hex: its blob's name.")
    media_type: ImageMediaType
    size: int = Field(ge=1, description="Size of the image file in bytes.")
    width: int = Field(ge=1, description="Width in pixels.")
    height: int = Field(ge=1, description="Height in pixels.")
    name: str | None = Field(default=None, description="The file it was read from, as written (None for bytes).")


class ImageDescribed(Event):
    """Agents were shown an image, and the model described it; each of them then perceives the
    description (a ``see`` stimulus)."""

    type: Literal["ImageDescribed"] = "ImageDescribed"
    image: ImageRef
    agents: list[str] = Field(description="Who was shown the image.")
    caption: str = Field(default="", description="Text shown with the image (the see line's text).")
    description: str = Field(description="What the model said the image shows.")
