"""Imbalanced classes on purpose, and the two classic answers: class weights and oversampling.

The config key ``"imbalance": {"classes": [ids], "keep": share, "oversample": how}`` keeps
only ``keep`` of the training samples of ``classes`` (the test set stays as it is, so
per-class recall is measured honestly). ``oversample`` (optional, default ``"none"``) copies
the rare classes' training samples until each has as many as the median class, as plain
``"copies"`` or each copy shifted and turned a little (``"augment"``). Class weights are a
fit setting (``FitSettings.class_weight``), computed here from the labels. Pure NumPy/SciPy
(no Keras): training, config checks and the Experiments page all use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lib.train.run_config import Imbalance, RunConfig

OVERSAMPLE = ("none", "copies", "augment")
# How a rare class's copies are changed: shifted by up to an eighth of the image (one pixel on
# the 8×8 digits) and turned by up to 10 degrees. No flips: a mirrored 2 is no 2. Done with
# NumPy/SciPy, not Keras's augmentation layers: those need TensorFlow, which a JAX worker never loads.
MAX_SHIFT = 0.125
MAX_DEGREES = 10.0


def imbalance_ok(imbalance: Any, num_classes: int) -> bool:
    """True when ``imbalance`` names some (not all) of the classes, a share in (0, 1) and a known oversampling."""
    if not isinstance(imbalance, dict) or not {"classes", "keep"} <= set(imbalance) <= {
        "classes",
        "keep",
        "oversample",
    }:
        return False
    classes, keep = imbalance["classes"], imbalance["keep"]
    return (
        isinstance(classes, list)
        and 0 < len(classes) < num_classes
        and len(set(classes)) == len(classes)
        and all(type(c) is int and 0 <= c < num_classes for c in classes)
        and isinstance(keep, (int, float))
        and not isinstance(keep, bool)
        and 0 < keep < 1
        and imbalance.get("oversample", "none") in OVERSAMPLE
    )


def kept_indices(labels: np.ndarray, classes: list[int], keep: float, seed: int) -> np.ndarray:
    """Indices of the samples kept: all of the other classes, ``keep`` of each class in ``classes`` (rounded)."""
    rng = np.random.default_rng(seed)
    picked = [np.flatnonzero(~np.isin(labels, classes))]
    for c in classes:
        members = np.flatnonzero(labels == c)
        picked.append(rng.choice(members, size=round(len(members) * keep), replace=False))
    return np.sort(np.concatenate(picked))


def emptied_classes(labels: np.ndarray, classes: list[int], keep: float) -> list[int]:
    """The classes of ``classes`` that ``keep`` would leave with no training sample."""
    return [c for c in classes if round(int((labels == c).sum()) * keep) == 0]


def balanced_class_weight(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    """Keras ``class_weight`` that makes every class count the same: n / (classes present × count)."""
    counts = np.bincount(labels, minlength=num_classes)
    present = int((counts > 0).sum())
    return {c: float(len(labels) / (present * n)) if n else 1.0 for c, n in enumerate(counts)}


def oversample_indices(labels: np.ndarray, seed: int) -> np.ndarray:
    """Extra indices (drawn with replacement) that lift every class below the median count up to it."""
    rng = np.random.default_rng(seed)
    counts = np.bincount(labels)
    target = int(np.median(counts[counts > 0]))
    extra = [rng.choice(np.flatnonzero(labels == c), size=target - n) for c, n in enumerate(counts) if 0 < n < target]
    return np.concatenate(extra) if extra else np.zeros(0, dtype=int)


def augment(images: np.ndarray, seed: int) -> np.ndarray:
    """``images`` (N, H, W, C) each randomly shifted and turned a little (empty borders filled with 0)."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    out = np.empty_like(images)
    height, width = images.shape[1:3]
    for i, image in enumerate(images):
        limit = (max(1, round(height * MAX_SHIFT)), max(1, round(width * MAX_SHIFT)))
        shift = (rng.integers(-limit[0], limit[0] + 1), rng.integers(-limit[1], limit[1] + 1), 0)
        turned = ndimage.rotate(image, rng.uniform(-MAX_DEGREES, MAX_DEGREES), axes=(0, 1), reshape=False, order=1)
        out[i] = ndimage.shift(turned, shift, order=0, cval=0.0)
    return np.clip(out, 0.0, 1.0)


def oversample(x: np.ndarray, y: np.ndarray, how: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` with the rare classes' samples copied up to the median class (augmented if asked)."""
    from lib.train.folds import label_ids

    labels = label_ids(y)
    if how == "none" or labels is None:
        return x, y
    extra = oversample_indices(labels, seed)
    if not len(extra):
        return x, y
    copies = x[extra]
    if how == "augment" and copies.ndim == 4:
        copies = augment(copies, seed)
    order = np.random.default_rng(seed).permutation(len(x) + len(extra))  # copies not all at the end
    return np.concatenate([x, copies])[order], np.concatenate([y, y[extra]])[order]


def comparison_configs(base: RunConfig, classes: list[int], keep: float) -> dict[str, RunConfig]:
    """The lesson's three runs on the same imbalanced data: plain, class weights, oversampling with augmentation."""
    out = {}
    for way in ("plain", "class_weight", "augment"):
        oversample = "augment" if way == "augment" else None
        config = base.replace(imbalance=Imbalance(tuple(sorted(classes)), float(keep), oversample))
        out[way] = config.with_fit(class_weight="balanced" if way == "class_weight" else "none")
    return out
