"""Baselines: what a network has to beat, on exactly the data a run trains and is tested on.

Two baselines per dataset and task: the majority class (classification) or the training
mean (regression), and a linear model on the flattened, standardised inputs (scikit-learn's
``LogisticRegression`` or ``Ridge``). They use the run config's own training subset, split
and imbalance, and the same test set, so they sit beside every run of that data. Computed
once per data key and kept in ``<runs_dir>/.baselines/<key>.json`` (written atomically).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from lib.train.run_config import RunConfig
from lib.train.runstore import config_hash, read_json, write_json

BASELINES = ".baselines"
LINEAR_MAX_SAMPLES = 10_000  # a logistic regression on 60,000 × 784 takes minutes: fit on a stratified share


def data_key(config: RunConfig) -> str:
    """What decides a baseline: dataset, subset, split, kept classes and imbalance (not the model)."""
    fit, imbalance = config.fit, config.imbalance
    return config_hash({
        "dataset": config.dataset, "train_samples": config.train_samples, "target": config.target,
        "seed": fit.seed, "test_fraction": fit.test_fraction,
        "classes": list(config.classes) if config.classes is not None else None,
        "imbalance": {"classes": list(imbalance.classes), "keep": imbalance.keep} if imbalance else {},
    })  # fmt: skip


def _path(root: Path, config: RunConfig) -> Path:
    return root / BASELINES / f"{data_key(config)}.json"


def cached_baseline(root: Path, config: RunConfig) -> dict[str, Any] | None:
    """The baseline of ``config``'s data if it was computed before (never computes)."""
    if config.target not in ("classes", "value"):
        return None
    return read_json(_path(root, config))


def baseline(root: Path, config: RunConfig) -> dict[str, Any]:
    """The baseline of ``config``'s data: from disk, or computed now and kept.

    Raises:
        ValueError: ``config`` trains an autoencoder (its target is its input: no baseline).
    """
    if config.target not in ("classes", "value"):
        raise ValueError("no baseline for this target")
    if cached := cached_baseline(root, config):
        return cached
    result = compute(config)
    write_json(_path(root, config), result)
    return result


def compute(config: RunConfig) -> dict[str, Any]:
    """Fit both baselines on ``config``'s training data and score them on its test set."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from lib.data import datasets
    from lib.train.folds import label_ids
    from lib.train.training import training_arrays

    start = time.perf_counter()
    classes = config.target == "classes"
    # Plain labels (class ids or values), whatever encoding the run's own loss asks for.
    probe = config.with_compile(loss="sparse_categorical_crossentropy" if classes else "mse")
    x_train, y_train, x_test, y_test = training_arrays(probe)
    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    if classes:
        y_train, y_test = label_ids(y_train), label_ids(y_test)
    else:
        y_train, y_test = y_train.reshape(-1).astype(float), y_test.reshape(-1).astype(float)
    linear_x, linear_y = x_train, y_train
    if len(y_train) > LINEAR_MAX_SAMPLES:
        keep = datasets.subset_indices(y_train, LINEAR_MAX_SAMPLES, 0, stratify=classes)
        linear_x, linear_y = x_train[keep], y_train[keep]
    # C=0.1: some regularisation converges in seconds where the default ran out of iterations on
    # Fashion-MNIST (31 s, 0.796) and scores as well or better (0.821 there, 0.967 on the digits).
    model = LogisticRegression(C=0.1, max_iter=300, tol=1e-3) if classes else Ridge(alpha=1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        linear = make_pipeline(StandardScaler(), model).fit(linear_x, linear_y)
    predicted = linear.predict(x_test)
    if classes:
        majority = int(np.bincount(y_train).argmax())
        scores = {"majority": float((y_test == majority).mean()), "linear": float((predicted == y_test).mean())}
    else:
        scores = {
            "majority": float(np.abs(y_test - y_train.mean()).mean()),
            "linear": float(np.abs(y_test - predicted).mean()),
        }
    return {
        "key": data_key(config),
        "dataset": config.dataset,
        "metric": "accuracy" if classes else "mae",
        **scores,
        "linear_model": type(model).__name__,
        "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
        "train_samples": len(y_train),
        "linear_samples": len(linear_y),
        "test_samples": len(y_test),
        "seconds": round(time.perf_counter() - start, 2),
    }


def summary(root: Path, config: RunConfig, lang: str) -> str:
    """The cached baseline of a run's data in a few words (``linear 0.952 · majority 0.101``), or "—"."""
    from lib.i18n import number, t

    found = cached_baseline(root, config) if config.kind == "fit" else None
    if not found:
        return "—"
    decimals = 3 if found["metric"] == "accuracy" else 2
    return t("exp.base.summary", lang, metric=found["metric"], linear=number(found["linear"], lang, decimals),
             majority=number(found["majority"], lang, decimals))  # fmt: skip


def beside_best(row: dict[str, Any], text: str) -> dict[str, Any]:
    """A Runs table row with the ``baseline`` column right after its ``best`` one."""
    out = {}
    for key, value in row.items():
        out[key] = value
        if key == "best":
            out["baseline"] = text
    return out
