"""Which backend answers a run's calls: the provider's identity, part of every request key.

An identity is a small dict — ``{"kind": "mock"}``, ``{"kind": "openai", "endpoint":
"http://127.0.0.1:8765/v1"}``, ``{"kind": "azure-openai", "endpoint": "https://RESOURCE.openai.azure.com"}``
— with the endpoint normalised (scheme and host lower-cased, default port, credentials, query,
fragment and trailing slashes dropped). It never holds a secret. Because the request key covers
it, answers recorded from one provider or endpoint are never reused as another's, and
``RunStarted`` records it so replay recomputes the keys the run was recorded with.

On Azure the deployment is the request's ``model`` (the SDK puts it in the URL), so it is part
of the key already.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_OPENAI_ENDPOINT = "https://api.openai.com/v1"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_endpoint(url: str) -> str:
    """``url`` reduced to what identifies the server: ``scheme://host[:port]/path``."""
    text = url.strip()
    if "://" not in text:
        return text.rstrip("/")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    return urlunsplit((scheme, netloc, path, "", ""))


def provider_identity(provider: Any) -> dict[str, str]:
    """The identity of a provider object: its own ``identity`` when it declares one, else its
    ``name`` as the kind and its endpoint (``base_url``; ``AZURE_OPENAI_ENDPOINT`` for Azure;
    the OpenAI API when an ``openai`` provider has none)."""
    declared = getattr(provider, "identity", None)
    if declared is not None:
        return {str(k): str(v) for k, v in dict(declared).items()}
    kind = str(getattr(provider, "name", type(provider).__name__))
    if kind == "azure-openai":
        endpoint = os.environ.get("AZURE_OPENAI_ENDPOINT")
    else:
        endpoint = getattr(provider, "base_url", None)
        if kind == "openai" and not endpoint:
            endpoint = DEFAULT_OPENAI_ENDPOINT
    identity = {"kind": kind}
    if endpoint:
        identity["endpoint"] = normalise_endpoint(str(endpoint))
    return identity
