"""``troupe-es export`` writes the images a run was shown next to its events: ``blobs/<sha256>.<ext>``.

A blob's file name is its content hash, so exports of several runs into one folder share one
``blobs/`` folder and an image shown in many runs is written once. Each file is written to a
temporary name and renamed, so a half-written image is never left under its hash.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from troupe_es.errors import ConfigurationError, CorruptBlobError


def run_images(store: Any, run_id: str) -> list[str]:
    """The blob hashes of every image ``run_id`` showed its agents or a model, in first-use order."""
    from troupe_es.llm.vision import BLOB_URL, image_urls

    found: dict[str, None] = {}
    for rec in store.read(run_id=run_id, types=["ImageDescribed", "LLMCallRequested"]):
        event = rec.event
        if event.type == "ImageDescribed":
            found.setdefault(event.image.sha256)
        else:
            for url in image_urls(event.messages):
                if url.startswith(BLOB_URL):
                    found.setdefault(url[len(BLOB_URL):])
    return list(found)


def export_blobs(store: Any, run_id: str, folder: Path) -> int:
    """Write the run's images into ``folder`` (created when needed); how many the run has.
    An image missing from the store, or changed in it, is a one-line error."""
    from troupe_es.images import EXTENSIONS

    hashes = run_images(store, run_id)
    if not hashes:
        return 0
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create {folder}: {exc.strerror or exc}") from None
    for sha256 in hashes:
        blob = store.get_blob(sha256)
        if blob is None:
            raise CorruptBlobError(f"run {run_id} shows image {sha256[:12]}, which is not in the store's blob table")
        target = folder / f"{sha256}.{EXTENSIONS.get(blob.media_type, 'bin')}"
        if target.exists() and target.stat().st_size == blob.size:
            continue
        tmp = folder / f".{target.name}.{os.getpid()}.part"
        try:
            tmp.write_bytes(blob.data)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ConfigurationError(f"cannot write {target}: {exc.strerror or exc}") from None
    return len(hashes)
