"""Numbers the lesson steps show: a Dense layer's computation on one input, the lessons' one-hot example."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def glorot_uniform(fan_in: int, fan_out: int, seed: int = 0) -> np.ndarray:
    """Starting weights as Keras's default initialiser draws them: uniform in ±sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(seed).uniform(-limit, limit, (fan_in, fan_out)).astype("float32")


@dataclass
class DenseStep:
    """``activation(dot(input, kernel) + bias)`` on one input, with one unit taken apart."""

    dot: np.ndarray  # dot(input, kernel), one value per unit
    pre: np.ndarray  # + bias
    out: np.ndarray  # activation(...)
    unit: int  # the unit explained term by term
    terms: np.ndarray  # input[i] * kernel[i, unit], the largest (in size) first
    term_index: np.ndarray  # which inputs those terms come from

    @property
    def active(self) -> int:
        """How many units come out non-zero (relu keeps the positive ones)."""
        return int((self.out > 0).sum())


def dense_step(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, activation: str = "relu", top: int = 5) -> DenseStep:
    """The Dense computation on one flattened input; the explained unit is the one with the largest output."""
    x = np.asarray(x, dtype="float64").reshape(-1)
    dot = x @ kernel
    pre = dot + bias
    out = np.maximum(pre, 0.0) if activation == "relu" else pre
    unit = int(np.argmax(out))
    contributions = x * kernel[:, unit]
    order = np.argsort(-np.abs(contributions))[:top]
    return DenseStep(dot, pre, out, unit, contributions[order], order)


def one_hot(label: int, num_classes: int = 10) -> list[int]:
    """The label as a binary vector (the lesson's example: 4 -> [0,0,0,0,1,0,0,0,0,0])."""
    return [1 if i == label else 0 for i in range(num_classes)]


def dense_params(inputs: int, units: int) -> int:
    """Parameters of a Dense layer: ``(inputs + 1) * units`` (a weight per link plus one bias per unit)."""
    return (inputs + 1) * units
