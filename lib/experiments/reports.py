"""What the Experiments page checks and shows that needs the data or the run store.

Checks that depend on the data itself (k folds need k samples of the rarest class; an
imbalance must leave every class a sample) and the tables of cross-validation and
imbalance results, in the reader's language.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lib.i18n import number, t
from lib.train.folds import label_ids, mean_std, smallest_class
from lib.train.imbalance import emptied_classes
from lib.train.run_config import RunConfig


def training_labels(config: RunConfig) -> np.ndarray | None:
    """Class ids of the training data exactly as the run takes it (None for a regression or autoencoder)."""
    from lib.train.training import training_arrays

    if config.target != "classes":
        return None
    probe = config.with_compile(loss="sparse_categorical_crossentropy")  # class ids, not one-hot
    return label_ids(training_arrays(probe)[1])


def fold_problem(labels: np.ndarray | None, samples: int, k: int) -> tuple[str, dict] | None:
    """Why ``k`` folds cannot be made of this training data (a ``exp.cv.err.*`` code), or None."""
    if labels is None:
        return ("too_few", {"k": k, "n": samples}) if samples < k else None
    smallest = smallest_class(labels)
    return ("k_over_class", {"k": k, "smallest": smallest}) if k > smallest else None


def imbalance_problem(labels: np.ndarray | None, classes: list[int], keep: float) -> tuple[str, dict] | None:
    """Why this imbalance cannot be made (a ``exp.imb.err.*`` code), or None."""
    if labels is None:
        return ("task", {})
    if not classes:
        return ("no_classes", {})
    if len(classes) >= len(np.unique(labels)):
        return ("all_classes", {})
    if emptied := emptied_classes(labels, classes, keep):
        return ("emptied", {"classes": ", ".join(map(str, emptied))})
    return None


def fold_rows(store, run_ids: list[str], status) -> tuple[list[dict[str, Any]], str]:
    """``(rows, metric)``: each fold's state and last validation value (accuracy if measured, else loss)."""
    histories = [store.history(r) if store.exists(r) else {} for r in run_ids]
    names = set().union(*(h.get("metrics", {}) for h in histories))
    metric = "val_accuracy" if "val_accuracy" in names else "val_loss"
    rows = []
    for i, (run_id, history) in enumerate(zip(run_ids, histories)):
        values = [v for v in history.get("metrics", {}).get(metric, []) if v is not None]
        state = status(run_id).state if store.exists(run_id) else "queued"
        rows.append({"fold": i + 1, "run": run_id, "state": state, "value": values[-1] if values else None})
    return rows, metric


def best_fold(rows: list[dict[str, Any]], metric: str) -> str | None:
    """The run id of the best finished fold (highest accuracy, or lowest loss); None while none finished."""
    done = [r for r in rows if r["state"] == "done" and r["value"] is not None]
    if not done:
        return None
    sign = -1 if metric.endswith("loss") else 1
    return max(done, key=lambda r: sign * r["value"])["run"]


def fold_summary(rows: list[dict[str, Any]]) -> tuple[float, float, int]:
    """Mean and standard deviation of the finished folds' values, and how many finished."""
    values = [r["value"] for r in rows if r["state"] == "done" and r["value"] is not None]
    return (*mean_std(values), len(values))


def recall_rows(reports: dict[str, dict], names: list[str], classes: list[int], lang: str) -> list[dict[str, str]]:
    """Per-class recall of each way of training (columns), rare classes marked; accuracy last."""
    ways = {way: t(f"exp.imb.way.{way}", lang) for way in reports}
    rows = []
    for c, name in enumerate(names):
        label = f"{name} ★" if c in classes else name
        cells = {ways[w]: number(r["report"][str(c)]["recall"], lang, 2) for w, r in reports.items()}
        rows.append({t("exp.imb.col.class", lang): label, **cells})
    rows.append({t("exp.imb.col.class", lang): t("exp.imb.accuracy", lang),
                 **{ways[w]: number(r["accuracy"], lang, 3) for w, r in reports.items()}})  # fmt: skip
    return rows
