"""Images and scenarios for the vision tests (drawn with Pillow, a few KB each)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PACKAGING = EXAMPLES / "product-brief" / "packaging.png"


def drawn(size: tuple[int, int] = (120, 80), colour: tuple[int, int, int] = (10, 30, 110),
          fmt: str = "PNG", band: tuple[int, int, int] | None = (255, 255, 255)) -> bytes:
    """An image of ``size``: ``colour`` with a ``band`` across its lower third."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, colour)
    if band is not None:
        ImageDraw.Draw(img).rectangle([0, size[1] * 2 // 3, size[0], size[1]], fill=band)
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def scenario(folder: Path, script: str, *, image: bytes | None = None, name: str = "box.png") -> Path:
    """A scenario of three example personas in ``folder`` (personas copied), its image written
    as ``name`` next to it."""
    shutil.copytree(EXAMPLES / "personas", folder / "personas", dirs_exist_ok=True)
    if image is not None:
        (folder / name).write_bytes(image)
    path = folder / "vision.yaml"
    path.write_text(f"""name: vision-test
seed: 5
world: {{name: Studio, start: 2026-05-04T10:00:00, step: 10m}}
personas:
  - file: personas/lisa.agent.json
  - file: personas/oscar.agent.json
  - file: personas/mei.agent.json
script:
{script}
""")
    return path
