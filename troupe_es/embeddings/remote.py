"""OpenAI-compatible embeddings through the LLM gateway, recorded like chat calls.

Each batch of texts not yet embedded in the run is one ``LLMCallRequested`` / ``LLMCallCompleted``
pair (purpose ``embedding``, the vectors as the parsed output), committed before the turn's
``MemoriesRecalled``. Replay answers them from the log. Which texts are already embedded is
read back from the run's own log when the embedder is first used, so a resumed run and its
replay ask for exactly the same embeddings as the original execution.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from troupe_es.store.rows import new_event_id

if TYPE_CHECKING:
    import numpy as np


class GatewayEmbedder:
    """Embeddings of a provider's model (``memory.embedding_model``) for one run's bus."""

    name = "openai"

    def __init__(self, bus: Any, model: str) -> None:
        self.bus = bus
        self.model = model
        self.version = model
        self._vectors: dict[str, Any] = {}
        self._calls = 0
        self._loaded = False

    def _preload(self) -> None:
        """The vectors the run already recorded (a resumed run continues with them)."""
        import numpy as np

        texts: dict[str, list[str]] = {}
        for rec in self.bus.store.read(run_id=self.bus.run_id, types=["LLMCallRequested", "LLMCallCompleted"]):
            e = rec.event
            if e.type == "LLMCallRequested" and e.purpose == "embedding" and e.call_id.startswith("embed-"):
                texts[e.call_id] = [m["content"] for m in e.messages]
            elif e.type == "LLMCallCompleted" and e.call_id in texts:
                self._calls += 1
                for text, vector in zip(texts.pop(e.call_id), e.parsed or ()):
                    self._vectors[text] = _unit(np.asarray(vector, dtype=np.float64))
        self._loaded = True

    def _ensure(self, texts: list[str], agent: str | None) -> None:
        import numpy as np

        from troupe_es.llm import CallContext

        if not self._loaded:
            self._preload()
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if not missing:
            return
        bus = self.bus
        ctx = CallContext(run_id=bus.run_id, seed=bus.state.seed, call_id=f"embed-{self._calls}", agent=agent,
                          sim_time=bus.clock(), purpose="embedding")
        self._calls += 1
        record = lambda events: bus.record([replace(e, event_id=e.event_id or new_event_id()) for e in events])  # noqa: E731
        vectors = bus.gateway.embed(missing, ctx, model=self.model, record=record)
        self._vectors.update((t, _unit(np.asarray(v, dtype=np.float64))) for t, v in zip(missing, vectors))

    def embed(self, texts: list[str], *, agent: str | None = None) -> "np.ndarray":
        import numpy as np

        self._ensure(list(texts), agent)
        return np.vstack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 1))

    def similarities(self, texts: list[str], query: str, *, agent: str | None = None) -> "np.ndarray":
        import numpy as np

        self._ensure(list(texts) + [query], agent)
        if not texts:
            return np.zeros(0)
        return np.einsum("ij,j->i", np.vstack([self._vectors[t] for t in texts]), self._vectors[query])


def _unit(vector: "np.ndarray") -> "np.ndarray":
    import numpy as np

    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
