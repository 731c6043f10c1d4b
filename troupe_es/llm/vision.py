"""Images in chat requests: recorded by reference, expanded to data URLs only for the provider.

A request that shows a model an image carries an OpenAI image part whose URL names the image's
blob instead of holding its bytes::

    {"type": "image_url", "image_url": {"url": "blob:sha256:<64 hex digits>"}}

That is what ``LLMCallRequested`` records and what the request key is computed from, so the log
stays readable (no megabytes of base64 in the audit), the key is the same on every rerun (it is
the bytes' hash) and replay needs no bytes at all. :class:`BlobProvider`, wrapped around the
real provider by :func:`troupe_es.bootstrap.make_gateway`, swaps each such URL for a
``data:<media type>;base64,...`` URL read from the store's blob table at call time, which is the
form the OpenAI API (and the mock LLM) take.
"""

from __future__ import annotations

import base64
from typing import Any

from troupe_es.errors import CorruptBlobError, ProviderHTTPError
from troupe_es.llm.provider import ProviderResponse
from troupe_es.llm.request import ChatRequest

BLOB_URL = "blob:sha256:"


def image_part(sha256: str) -> dict[str, Any]:
    """The message content part showing the image stored as blob ``sha256``."""
    return {"type": "image_url", "image_url": {"url": BLOB_URL + sha256}}


def image_urls(messages: list[dict[str, Any]]) -> list[str]:
    """Every image URL of the messages' content parts, in order."""
    urls = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image_url":
                    url = (part.get("image_url") or {}).get("url")
                    if isinstance(url, str):
                        urls.append(url)
    return urls


def expand_blobs(request: ChatRequest, read_blob: Any) -> ChatRequest:
    """``request`` with every ``blob:sha256:`` image URL replaced by a data URL of the blob's
    bytes (``read_blob(sha256)`` returns a :class:`~troupe_es.store.blobs.Blob` or None).
    A request without blob URLs is returned as it is."""
    if not any(url.startswith(BLOB_URL) for url in image_urls(request.messages)):
        return request

    def expand(part: Any) -> Any:
        if not (isinstance(part, dict) and part.get("type") == "image_url"):
            return part
        inner = dict(part.get("image_url") or {})
        url = inner.get("url")
        if isinstance(url, str) and url.startswith(BLOB_URL):
            sha256 = url[len(BLOB_URL):]
            try:
                blob = read_blob(sha256)
            except CorruptBlobError as exc:
                raise ProviderHTTPError(str(exc), transient=False) from None
            if blob is None:
                raise ProviderHTTPError(f"image blob {sha256[:12]} is not in the event store", transient=False)
            inner["url"] = f"data:{blob.media_type};base64,{base64.b64encode(blob.data).decode('ascii')}"
        return {**part, "image_url": inner}

    messages = [{**m, "content": [expand(p) for p in m["content"]]} if isinstance(m.get("content"), list) else m
                for m in request.messages]
    return request.model_copy(update={"messages": messages})


class BlobProvider:
    """A provider whose requests' blob image URLs become data URLs (see the module docstring).
    Everything else — name, identity, endpoint, prices, embeddings — is the wrapped provider's."""

    def __init__(self, inner: Any, store: Any) -> None:
        self.inner = inner
        self._store = store

    def complete(self, request: ChatRequest, timeout: float) -> ProviderResponse:
        return self.inner.complete(expand_blobs(request, self._store.get_blob), timeout)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (copying, pickling): never recurse
            raise AttributeError(name)
        return getattr(self.inner, name)
