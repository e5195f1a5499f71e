"""all-MiniLM-L6-v2 sentence embeddings in plain numpy (used by warehouse.semantic).

The forward pass sentence-transformers runs for this model: BERT's embeddings, 6
encoder layers (12 heads, GELU), mean pooling over the real tokens, then L2
normalisation. Tokenisation is the model's own tokenizer.json through `tokenizers`
(truncated to the model's 256 tokens, as sentence-transformers does); the weights are
its model.safetensors read by `safetensors`. Everything is float32, as torch on the CPU.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors.numpy import load_file
from tokenizers import Encoding, Tokenizer

Floats = NDArray[np.float32]
BATCH_SIZE = 32
_MASKED = np.float32(-1e9)  # added to attention scores of padding tokens


@dataclass(frozen=True)
class _Layer:
    qkv: Floats  # query, key and value projections side by side: (hidden, 3 * hidden)
    qkv_bias: Floats
    out: Floats
    out_bias: Floats
    norm1: tuple[Floats, Floats]
    up: Floats
    up_bias: Floats
    down: Floats
    down_bias: Floats
    norm2: tuple[Floats, Floats]


class MiniLM:
    """The sentence encoder from a sentence-transformers model directory."""

    def __init__(self, model_dir: Path) -> None:
        config = _json(model_dir / "config.json")
        pooling = _json(model_dir / "1_Pooling" / "config.json")
        unsupported = {
            "model_type": config.get("model_type") != "bert",
            "hidden_act": config.get("hidden_act") != "gelu",
            "position_embedding_type": config.get("position_embedding_type", "absolute")
            != "absolute",
            "pooling": not pooling.get("pooling_mode_mean_tokens"),
        }
        if any(unsupported.values()):
            found = ", ".join(key for key, bad in unsupported.items() if bad)
            raise ValueError(f"{model_dir} is not a mean-pooled BERT model ({found})")
        self.dimensions = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])
        self.max_tokens = int(_json(model_dir / "sentence_bert_config.json")["max_seq_length"])

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()  # padded per batch below

        raw = load_file(str(model_dir / "model.safetensors"))
        w = {
            name.removeprefix("bert."): array.astype(np.float32, copy=False)
            for name, array in raw.items()
        }
        self._words = w["embeddings.word_embeddings.weight"]
        self._positions = w["embeddings.position_embeddings.weight"]
        self._token_types = w["embeddings.token_type_embeddings.weight"]
        self._embedding_norm = _norm(w, "embeddings.LayerNorm")
        self._layers = [
            _layer(w, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])
        ]

    def embed(
        self, texts: Sequence[str], *, normalize: bool = True, batch_size: int = BATCH_SIZE
    ) -> Floats:
        """One embedding per text (rows in input order), unit length unless told not to."""
        encodings = [self._tokenizer.encode(text) for text in texts]
        result = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Texts of similar length batched together pad less; padding does not change results.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            result[rows] = self._pooled([encodings[i] for i in rows])
        if normalize:
            norms = np.linalg.norm(result, axis=1, keepdims=True)
            result /= np.maximum(norms, np.float32(1e-12))
        return result

    def _pooled(self, encodings: Sequence[Encoding]) -> Floats:
        """Mean of the last layer's outputs over each text's real tokens."""
        count, length = len(encodings), max(len(e.ids) for e in encodings)
        ids = np.zeros((count, length), dtype=np.int64)
        types = np.zeros((count, length), dtype=np.int64)
        mask = np.zeros((count, length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n], types[row, :n], mask[row, :n] = encoding.ids, encoding.type_ids, 1.0
        x = self._words[ids] + self._positions[:length] + self._token_types[types]
        x = _layer_norm(x, self._embedding_norm, self._eps)
        padding = ((1.0 - mask) * _MASKED)[:, None, None, :]
        for layer in self._layers:
            x = self._encoder_layer(x, layer, padding)
        summed: Floats = (x * mask[:, :, None]).sum(axis=1)
        pooled: Floats = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        return pooled

    def _encoder_layer(self, x: Floats, layer: _Layer, padding: Floats) -> Floats:
        count, length, hidden = x.shape
        heads, size = self._heads, hidden // self._heads
        qkv = _dense(x, layer.qkv, layer.qkv_bias).reshape(count, length, 3, heads, size)
        query, key, value = qkv.transpose(2, 0, 3, 1, 4)  # each (count, heads, length, size)
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + padding
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(count, length, hidden)
        x = _layer_norm(_dense(context, layer.out, layer.out_bias) + x, layer.norm1, self._eps)
        inner = _gelu(_dense(x, layer.up, layer.up_bias))
        return _layer_norm(_dense(inner, layer.down, layer.down_bias) + x, layer.norm2, self._eps)


def _json(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _norm(w: dict[str, Floats], name: str) -> tuple[Floats, Floats]:
    return w[f"{name}.weight"], w[f"{name}.bias"]


def _layer(w: dict[str, Floats], p: str) -> _Layer:
    """One encoder layer's weights, transposed for `x @ weight` (torch stores (out, in))."""
    attention = [w[f"{p}attention.self.{part}.weight"] for part in ("query", "key", "value")]
    biases = [w[f"{p}attention.self.{part}.bias"] for part in ("query", "key", "value")]
    return _Layer(
        qkv=np.ascontiguousarray(np.concatenate(attention).T),
        qkv_bias=np.concatenate(biases),
        out=w[f"{p}attention.output.dense.weight"].T,
        out_bias=w[f"{p}attention.output.dense.bias"],
        norm1=_norm(w, f"{p}attention.output.LayerNorm"),
        up=w[f"{p}intermediate.dense.weight"].T,
        up_bias=w[f"{p}intermediate.dense.bias"],
        down=w[f"{p}output.dense.weight"].T,
        down_bias=w[f"{p}output.dense.bias"],
        norm2=_norm(w, f"{p}output.LayerNorm"),
    )


def _dense(x: Floats, weight: Floats, bias: Floats) -> Floats:
    """x @ weight + bias over the last axis, as one matrix product."""
    flat = x.reshape(-1, x.shape[-1]) @ weight + bias
    shaped: Floats = flat.reshape(*x.shape[:-1], weight.shape[1])
    return shaped


def _layer_norm(x: Floats, norm: tuple[Floats, Floats], eps: float) -> Floats:
    centred = x - x.mean(axis=-1, keepdims=True)
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    normed: Floats = centred / np.sqrt(variance + np.float32(eps)) * norm[0] + norm[1]
    return normed


def _gelu(x: Floats) -> Floats:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz and Stegun 7.1.26 (error
    under 1.5e-7); in place where it can be, as it is a third of the run time."""
    z = np.abs(x)
    z *= np.float32(1 / math.sqrt(2))
    t = z * np.float32(0.3275911)
    t += np.float32(1)
    np.reciprocal(t, out=t)
    erfc = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        erfc += np.float32(coefficient)
        erfc *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    erfc *= z  # now erfc(|x| / sqrt 2)
    erf: Floats = np.subtract(np.float32(1), erfc, out=erfc)
    np.copysign(erf, x, out=erf)
    erf += np.float32(1)
    erf *= x
    erf *= np.float32(0.5)
    return erf
