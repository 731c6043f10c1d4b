"""``see`` lines with an image: the scenario model and loading the image files.

``see: {to: Lisa, image: packaging.png, text: "optional caption"}`` shows one agent an image;
without ``to`` everyone in the world sees it (like ``broadcast``). The path is relative to the
scenario file. Loading the scenario reads and checks the image (:mod:`troupe_es.images`) and
replaces the path by the image's reference (hash, media type, size, pixels, the path as written),
which is what ``RunStarted`` records: replay and fork never read the file again, and the bytes go
to the store's blob table when the run starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from troupe_es.errors import ScenarioError
from troupe_es.events.vision import ImageRef
from troupe_es.scenario.model import Strict


class SeeSpec(Strict):
    """``{to?, text?, image?}``: an agent (or everyone) sees ``text``, an image, or both."""

    to: str | None = Field(default=None, min_length=1)
    text: str | None = None
    image: str | ImageRef | None = Field(
        default=None, description="A PNG, JPEG, GIF or WebP file (relative to the scenario file).")

    @model_validator(mode="after")
    def _something_seen(self) -> "SeeSpec":
        if self.text is None and self.image is None:
            raise ValueError("give text, image or both")
        if self.image is None and self.to is None:
            raise ValueError("a see line without an image needs to: (use broadcast for everyone)")
        return self


def load_images(data: Any, where: str, base_dir: Path) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """Scenario data with every ``see`` line's image path replaced by its reference, and the
    images' bytes by hash (``{sha256: (media_type, bytes)}``). A missing or bad image is one
    :class:`ImageError` line naming the script line and the file."""
    from troupe_es.images import read_image

    script = data.get("script") if isinstance(data, dict) else None
    if not isinstance(script, list):
        return data, {}
    images: dict[str, tuple[str, bytes]] = {}
    lines = []
    for index, line in enumerate(script):
        spec = line.get("see") if isinstance(line, dict) else None
        if not isinstance(spec, dict) or spec.get("image") is None:
            lines.append(line)
            continue
        path = spec["image"]
        if not isinstance(path, str) or not path.strip():
            raise ScenarioError(f"{where}: script[{index}].see.image: expected a file path (PNG, JPEG, GIF or "
                                f"WebP), got {path!r}")
        loaded = read_image(path, base_dir=base_dir, where=f"{where}: script[{index}].see.image: ")
        images[loaded.ref.sha256] = (loaded.ref.media_type, loaded.data)
        lines.append({**line, "see": {**spec, "image": loaded.ref.model_dump(mode="json")}})
    return {**data, "script": lines}, images
