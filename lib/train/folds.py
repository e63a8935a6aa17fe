"""K-fold cross-validation as k ordinary runs: the config key ``"fold": {"k": k, "index": i}``.

Run ``i`` trains on every fold of the training data but fold ``i`` and validates on fold
``i`` (stratified by class for classification); the test set is never touched. Pure
NumPy (no Keras): training applies :func:`fold_split` to its arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lib.train.run_config import Fold, RunConfig

K_MIN, K_MAX = 2, 10


def label_ids(y: np.ndarray) -> np.ndarray | None:
    """Class ids of encoded targets (one-hot → argmax), or None when ``y`` holds values, not classes."""
    if y.ndim == 2 and y.shape[-1] > 1:
        return y.argmax(axis=-1)
    flat = y.reshape(len(y), -1)
    if flat.shape[1] != 1:
        return None
    values = flat[:, 0]
    if np.issubdtype(values.dtype, np.integer) or np.all(values == np.round(values)):
        return values.astype(int)
    return None


def fold_ok(fold: Any) -> bool:
    """True when ``fold`` is ``{"k": int in [K_MIN, K_MAX], "index": int in [0, k)}``."""
    if not isinstance(fold, dict) or set(fold) != {"k", "index"}:
        return False
    k, index = fold["k"], fold["index"]
    return type(k) is int and type(index) is int and K_MIN <= k <= K_MAX and 0 <= index < k


def fold_split(x: np.ndarray, y: np.ndarray, fold: Fold, seed: int, stratify: bool = True) -> tuple:
    """``(x_fit, y_fit, (x_val, y_val))``: fold ``fold.index`` of ``fold.k`` held out for validation.

    Stratified by class when ``y`` holds classes (and ``stratify``), shuffled with ``seed``,
    so the k runs of one cross-validation see disjoint validation folds that cover the data.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    labels = label_ids(y) if stratify else None
    if labels is not None:
        splits = StratifiedKFold(fold.k, shuffle=True, random_state=seed).split(x, labels)
    else:
        splits = KFold(fold.k, shuffle=True, random_state=seed).split(x)
    fit_idx, val_idx = list(splits)[fold.index]
    return x[fit_idx], y[fit_idx], (x[val_idx], y[val_idx])


def smallest_class(labels: np.ndarray) -> int:
    """Samples in the rarest class present in ``labels``."""
    return int(np.bincount(labels).compress(np.bincount(labels) > 0).min()) if len(labels) else 0


def fold_configs(base: RunConfig, k: int) -> list[RunConfig]:
    """The k run configs of a k-fold cross-validation of ``base`` (its validation split no longer applies)."""
    return [base.replace(fold=Fold(k, index)) for index in range(k)]


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and (population) standard deviation; NaNs when ``values`` is empty."""
    if not values:
        return math.nan, math.nan
    return float(np.mean(values)), float(np.std(values))
