"""Activation functions with their derivatives, softmax with temperature, and dropout."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Fn = Callable[[np.ndarray], np.ndarray]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _gelu(x: np.ndarray) -> np.ndarray:  # tanh approximation, as in many frameworks
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def _derivative(f: Fn) -> Fn:
    return lambda x: (f(x + 1e-4) - f(x - 1e-4)) / 2e-4


ACTIVATIONS: dict[str, tuple[Fn, Fn]] = {
    "step": (lambda x: (x >= 0).astype("float64"), np.zeros_like),
    "linear": (lambda x: x, np.ones_like),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype("float64")),
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.2 * x), lambda x: np.where(x > 0, 1.0, 0.2)),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "gelu": (_gelu, _derivative(_gelu)),
    "swish": (lambda x: x * _sigmoid(x), lambda x: _sigmoid(x) + x * _sigmoid(x) * (1 - _sigmoid(x))),
}


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``exp(z_i / T) / Σ_j exp(z_j / T)``: probabilities that sum to 1."""
    z = np.asarray(logits, dtype="float64") / max(temperature, 1e-6)
    e = np.exp(z - z.max())
    return e / e.sum()


def dropout(activations: np.ndarray, rate: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training-time (inverted) dropout: the mask, and the kept values scaled by ``1/(1-rate)``.

    At inference nothing is dropped and nothing is scaled, so the expected value matches.
    """
    keep = np.random.default_rng(seed).random(activations.shape) >= rate
    return keep, np.where(keep, activations / (1 - rate), 0.0)
