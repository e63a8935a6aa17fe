"""What the Runs page shows about runs: table rows, final metrics, config differences."""

from __future__ import annotations

import time
from typing import Any

from lib.train.runstore import RunStore


def best_validation(history: dict) -> tuple[str, float | None]:
    """The best value of the main validation metric (accuracy if there is one, else loss)."""
    metrics = history.get("metrics", {})
    for name, pick in (("val_accuracy", max), ("val_loss", min), ("accuracy", max), ("loss", min)):
        values = [v for v in metrics.get(name, []) if v is not None]
        if values:
            return name, pick(values)
    return "", None


def row(store: RunStore, run_id: str) -> dict[str, Any]:
    """One run as a table row (keys are column ids; the page translates the headers)."""
    config, status = store.config(run_id), store.status(run_id)
    settings = config.get("settings", {})
    metric, value = best_validation(store.history(run_id))
    return {
        "run": run_id,
        "dataset": config.get("dataset"),
        "model": config.get("spec", {}).get("name", "?"),
        "optimizer": settings.get("compile", {}).get("optimizer"),
        "loss": settings.get("compile", {}).get("loss"),
        "backend": status.backend or config.get("backend", "tensorflow"),
        "epochs": status.epochs_done,
        "best": f"{metric} {value:.4f}" if value is not None else "—",
        "state": status.state,
        "time": round(status.train_seconds, 1),
        "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(status.created)),
    }


def final_metrics(store: RunStore, run_id: str) -> dict[str, float]:
    """The last epoch's value of every metric."""
    metrics = store.history(run_id).get("metrics", {})
    return {name: values[-1] for name, values in metrics.items() if values and values[-1] is not None}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts/lists as ``a.b[0].c`` paths (for diffing configs)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, inner in enumerate(value):
            out.update(flatten(inner, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def config_differences(configs: dict[str, dict]) -> list[dict[str, Any]]:
    """Settings whose values differ between runs: one row per setting, one column per run."""
    flat = {run_id: flatten(config) for run_id, config in configs.items()}
    keys = sorted(set().union(*flat.values())) if flat else []
    return [
        {"setting": key, **{run_id: str(values.get(key, "—")) for run_id, values in flat.items()}}
        for key in keys
        if len({str(values.get(key)) for values in flat.values()}) > 1
    ]
