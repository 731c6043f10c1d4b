"""The mock LLM's eyes: a deterministic description of an image from its pixels (Pillow).

Size, orientation and the two or three colours covering most of the picture, named — e.g.
"An image of 800×600 pixels (landscape), mostly dark blue (62%) and white (30%), with some
orange (8%)." — so tests and demos of vision work offline, and the same image is always
described the same way. Used by :func:`troupe_es.llm.mock.mock_completion` for requests with an
image part (in-process and through the mock HTTP server alike).
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
from typing import Any

from troupe_es.llm.vision import image_urls

PALETTE: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("black", (0, 0, 0)), ("dark grey", (64, 64, 64)), ("grey", (128, 128, 128)),
    ("light grey", (192, 192, 192)), ("white", (255, 255, 255)), ("red", (220, 30, 30)),
    ("dark red", (128, 0, 0)), ("pink", (255, 160, 190)), ("orange", (255, 140, 0)),
    ("yellow", (250, 220, 40)), ("beige", (235, 215, 170)), ("brown", (130, 80, 30)),
    ("green", (40, 170, 60)), ("dark green", (0, 90, 30)), ("light green", (150, 230, 130)),
    ("teal", (0, 128, 128)), ("light blue", (140, 190, 240)), ("blue", (30, 90, 220)),
    ("dark blue", (10, 30, 110)), ("purple", (120, 50, 160)),
)
"""Named reference colours; each pixel counts for the nearest one."""


def image_description(messages: list[dict[str, Any]]) -> str | None:
    """The mock's answer to a request showing images (None when it shows none)."""
    urls = image_urls(messages)
    if not urls:
        return None
    described = [describe_url(url) for url in urls]
    if len(described) == 1:
        return described[0]
    return " ".join(f"Image {i}: {text}" for i, text in enumerate(described, 1))


def describe_url(url: str) -> str:
    """A description of the image a ``data:`` URL holds (other URLs: the mock cannot fetch them)."""
    if not url.startswith("data:") or ";base64," not in url:
        return f"An image the mock cannot open ({url[:40]})."
    try:
        data = base64.b64decode(url.split(";base64,", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return "An image whose data is not valid base64."
    return describe_image(data)


def describe_image(data: bytes) -> str:
    """Size, orientation and dominant colours of an image, in one sentence (deterministic)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            rgba = img.convert("RGBA")
    except Exception:  # noqa: BLE001 - any undecodable image gets an answer, as a real model would give
        return "An image the mock cannot decode."
    small = rgba.resize((min(width, 48), min(height, 48)), Image.Resampling.BOX)
    flat = Image.new("RGBA", small.size, (255, 255, 255, 255))
    flat.alpha_composite(small)
    counts: dict[str, int] = {}
    raw = flat.convert("RGB").tobytes()
    for i in range(0, len(raw), 3):
        name = _nearest((raw[i], raw[i + 1], raw[i + 2]))
        counts[name] = counts.get(name, 0) + 1
    total = sum(counts.values()) or 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shares = [(name, round(100 * n / total)) for name, n in ranked[:3] if 100 * n / total >= 5]
    orientation = "square" if width == height else ("landscape" if width > height else "portrait")
    head = f"An image of {width}×{height} pixels ({orientation})"
    named = [f"{name} ({share}%)" for name, share in shares]
    if not named:
        return head + ", with many colours and no dominant one."
    if len(named) == 1:
        return f"{head}, mostly {named[0]}."
    text = f"{head}, mostly {named[0]} and {named[1]}"
    return text + (f", with some {named[2]}." if len(named) > 2 else ".")


@functools.lru_cache(maxsize=65536)
def _nearest(pixel: tuple[int, ...]) -> str:
    r, g, b = pixel[:3]
    return min(PALETTE, key=lambda item: (r - item[1][0]) ** 2 * 3 + (g - item[1][1]) ** 2 * 4
               + (b - item[1][2]) ** 2 * 2)[0]


IMAGE_TOKENS = 85
"""Tokens the mock counts for one image (OpenAI's price of a low-detail image), whatever its size."""


def prompt_text(messages: list[dict[str, Any]]) -> str:
    """The messages' content as the mock counts its tokens: text as it is, each image part as
    :data:`IMAGE_TOKENS` tokens' worth of characters (never its base64)."""
    out = []
    for message in messages:
        content = message.get("content", "")
        if isinstance(content, list) and image_urls([message]):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image_url":
                    out.append("." * (IMAGE_TOKENS * 4))
                elif isinstance(part, dict):
                    out.append(str(part.get("text", "")))
                else:
                    out.append(str(part))
        else:
            out.append(str(content))
    return "".join(out)
