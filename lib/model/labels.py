"""How labels are encoded for a loss, and which loss/output pairings cannot work."""

from __future__ import annotations

import numpy as np

from lib.model.analysis import Problem, Target
from lib.model.compile_registry import LOSSES


def encoding(loss: str, target: Target) -> str:
    """``sparse``, ``onehot``, ``binary``, ``value`` or ``input`` (autoencoders)."""
    if target.kind in ("input", "value"):
        return target.kind
    labels = LOSSES[loss].labels
    if labels in ("binary", "value") and target.num_classes > 2:
        return "onehot"  # one yes/no (or regression) output per class
    if labels == "value":
        return "binary" if target.num_classes == 2 else "onehot"
    return labels


def encode(y: np.ndarray, how: str, num_classes: int) -> np.ndarray:
    """Encode integer labels ``y`` as ``how`` says (``value``/``input`` pass through)."""
    if how == "onehot":
        return np.eye(num_classes, dtype="float32")[y.astype(int).reshape(-1)]
    if how == "binary":
        return y.astype("float32").reshape(-1, 1)
    return y


def pairing_problems(loss: str, target: Target, output_units: int | None, activation: str | None) -> list[Problem]:
    """Loss/target/output combinations that cannot train, or train badly, explained."""
    kind = LOSSES[loss].task
    values = {"loss": loss, "units": output_units, "classes": target.num_classes, "activation": activation}
    if target.kind == "value" and kind == "classification":
        return [Problem("loss_needs_classes", None, values)]
    if target.kind == "classes" and kind == "regression":
        return [Problem("loss_regression_on_classes", None, values, "hint")]
    how = encoding(loss, target) if target.kind == "classes" else None
    if how == "binary" and output_units not in (1, None):
        return [Problem("binary_needs_one_unit", None, values)]
    if how in ("sparse", "onehot") and output_units not in (target.num_classes, None):
        return [Problem("loss_needs_units", None, values)]
    if loss.endswith("crossentropy") and activation not in ("softmax", "sigmoid", None):
        return [Problem("crossentropy_needs_probabilities", None, values)]
    return []
