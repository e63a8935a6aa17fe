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


def dense_step(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, activation: str = "relu", top: int = 5
) -> DenseStep:
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


def sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-z))


def backprop_example(x: float = 1.0, y: float = 1.0, w1: float = 0.5, w2: float = -0.3, lr: float = 0.5) -> dict:
    """One gradient-descent update of ``x -> sigmoid(w1 x) = h -> w2 h = out`` on the loss ``(out - y)^2``.

    The gradients are computed from the back: ``dL/dout`` first, then ``dL/dw2``, then ``dL/dh``
    (reused) and ``dL/dw1``, as backpropagation does.
    """
    h = float(sigmoid(w1 * x))
    out = w2 * h
    loss = (out - y) ** 2
    d_out = 2 * (out - y)
    d_w2 = d_out * h
    d_h = d_out * w2  # the partial result reused by the layer before
    d_w1 = d_h * h * (1 - h) * x
    new_w1, new_w2 = w1 - lr * d_w1, w2 - lr * d_w2
    new_out = new_w2 * float(sigmoid(new_w1 * x))
    return {"x": x, "y": y, "w1": w1, "w2": w2, "h": h, "out": out, "loss": loss, "d_out": d_out, "d_w2": d_w2,
            "d_h": d_h, "d_w1": d_w1, "lr": lr, "new_w1": new_w1, "new_w2": new_w2,
            "new_loss": (new_out - y) ** 2}  # fmt: skip


def batch_norm(values: np.ndarray, epsilon: float = 1e-3) -> np.ndarray:
    """Each column of a batch normalised to mean 0 and standard deviation 1 (scale 1, shift 0)."""
    return (values - values.mean(axis=0)) / np.sqrt(values.var(axis=0) + epsilon)


def regression_losses(true: float, predicted: np.ndarray) -> dict[str, np.ndarray]:
    """The lesson's regression losses for one true value and a range of predictions (Keras's formulas)."""
    p = np.asarray(predicted, dtype="float64")
    error = p - true
    return {
        "mean_squared_error": error**2,
        "mean_absolute_error": np.abs(error),
        "mean_absolute_percentage_error": 100 * np.abs(error) / max(abs(true), 1e-7),
        "mean_squared_logarithmic_error": (np.log1p(np.maximum(p, 0)) - np.log1p(true)) ** 2,
        "log_cosh": np.log(np.cosh(error)),
    }


def crossentropy(p_right: np.ndarray | float) -> np.ndarray | float:
    """Categorical cross-entropy of an answer that gives ``p_right`` to the right class: ``-log(p)``."""
    return -np.log(np.clip(p_right, 1e-7, 1.0))
