"""Showing images from Python: ``person.see(text, image=...)`` and ``world.see(image, text)``.

The image (bytes or a path) is checked (:func:`troupe_es.images.read_image`), stored once in the
store's blob table, and a ``ShowImage`` command carrying its reference is issued — which the run
records as a ``CommandIssued`` event, so replay and fork re-issue it without the bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from troupe_es.commands.models import ShowImage


def show_image(sim: Any, image: bytes | str | Path, text: str = "", *, agents: tuple[str, ...] = (),
               world: str | None = None) -> list[Any]:
    """Store ``image`` and show it to ``agents`` (or everyone in ``world``) through the run's bus."""
    from troupe_es.images import read_image

    loaded = read_image(image)
    sim.store.put_blob(loaded.data, loaded.ref.media_type)
    return sim.bus.handle(ShowImage(agents=agents, world=world, text=text, image=loaded.ref))
