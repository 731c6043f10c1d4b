"""Reading an image given to agents: size limit, format check (Pillow) and its :class:`ImageRef`.

Accepted: PNG, JPEG, GIF and WebP up to :data:`~troupe_es.limits.MAX_IMAGE_BYTES` bytes and
:data:`~troupe_es.limits.MAX_IMAGE_PIXELS` pixels, decoded in full once, so a truncated or
forged file is refused at once with one line naming it, never half-way through a run. Pillow is
imported here, when an image is read, never at start-up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from troupe_es import limits
from troupe_es.errors import ImageError
from troupe_es.events.vision import ImageRef
from troupe_es.store.blobs import blob_hash

MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
"""Pillow format name → media type, for every format a ``see`` image may have."""
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
"""Media type → file extension (what ``troupe-es export`` names blobs with)."""
ACCEPTED = "PNG, JPEG, GIF or WebP"


@dataclass(frozen=True)
class LoadedImage:
    """An image's bytes and the reference events carry."""

    data: bytes
    ref: ImageRef


def read_image(source: bytes | bytearray | str | Path, *, base_dir: Path | None = None,
               where: str = "") -> LoadedImage:
    """Read and check an image given as bytes or as a path (relative to ``base_dir``).

    :class:`ImageError` (one line, prefixed by ``where``, naming the file) when it is missing,
    unreadable, larger than the limits, or not a PNG, JPEG, GIF or WebP."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return check_image(bytes(source), name=None, where=where)
    if not isinstance(source, (str, Path)) or not str(source).strip():
        raise ImageError(f"{where}expected image bytes or a file path, got {source!r}")
    name = str(source)
    path = Path(source)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(f"{where}image file not found: {name}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ImageError(f"{where}cannot read image {name!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if not path.is_file():
        raise ImageError(f"{where}image {name} is not a file")
    if size > limits.MAX_IMAGE_BYTES:
        raise ImageError(f"{where}image {name} is {size} bytes; at most {limits.MAX_IMAGE_BYTES} are allowed")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageError(f"{where}cannot read image {name}: {exc.strerror or exc}") from None
    return check_image(data, name=name, where=where)


def check_image(data: bytes, *, name: str | None, where: str = "") -> LoadedImage:
    """The image's reference once its bytes are known to be an image troupe-es accepts."""
    what = f"image {name}" if name else "the image"
    if not data:
        raise ImageError(f"{where}{what} is empty")
    if len(data) > limits.MAX_IMAGE_BYTES:
        raise ImageError(f"{where}{what} is {len(data)} bytes; at most {limits.MAX_IMAGE_BYTES} are allowed")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or "unknown"
            width, height = img.size
            if fmt not in MEDIA_TYPES:
                raise ImageError(f"{where}{what} is a {fmt} image; use {ACCEPTED}")
            if width * height > limits.MAX_IMAGE_PIXELS:
                raise ImageError(f"{where}{what} is {width}×{height} pixels; at most "
                                 f"{limits.MAX_IMAGE_PIXELS} pixels are allowed")
            img.load()
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{where}{what} is not an image Pillow can read (use {ACCEPTED})") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageError(f"{where}{what} cannot be decoded: {detail}") from None
    ref = ImageRef(sha256=blob_hash(data), media_type=MEDIA_TYPES[fmt], size=len(data),  # type: ignore[arg-type]
                   width=width, height=height, name=name)
    return LoadedImage(data, ref)
