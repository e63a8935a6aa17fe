"""The runs a lesson step trains (ordinary job-manager configs) and the class's results of a step."""

from __future__ import annotations

import hashlib
from typing import Any

from lib.data import datasets
from lib.model.presets import PRESETS
from lib.train.run_config import RunConfig
from lib.train.run_views import best_validation
from lib.train.runstore import RunStore
from lib.train.training import make_config


def lesson_dataset(preset_id: str) -> tuple[str, bool]:
    """``(dataset, stand_in)``: the preset's dataset, or the offline one of the same shape when it is not cached."""
    made_for = PRESETS[preset_id].dataset
    other = datasets.offline_stand_in(made_for)
    return (other, True) if other else (made_for, False)


def personal_seed(nickname: str) -> int:
    """A seed of the student's own (0-999), so each student trains a run of their own by default."""
    return int(hashlib.sha1(nickname.encode("utf-8")).hexdigest(), 16) % 1000


def fit_config(
    preset_id: str,
    seed: int = 0,
    epochs: int | None = None,
    samples: int = 0,
    raw_pixels: bool = False,
    loss: str | None = None,
    **fit_changes: Any,
) -> RunConfig:
    """The config of the preset with its lesson settings (optionally changed), on its dataset or stand-in."""
    preset = PRESETS[preset_id]
    dataset, _ = lesson_dataset(preset_id)
    info = datasets.REGISTRY[dataset]
    settings = preset.settings().with_fit(seed=int(seed), **fit_changes)
    if epochs:
        settings = settings.with_fit(epochs=int(epochs))
    if loss:
        settings = settings.with_compile(loss=loss)
    config = make_config(preset.spec(info.input_shape), dataset, int(samples), preset.target_kind, settings)
    return config.replace(pixels="raw") if raw_pixels else config


def matches(config: RunConfig, preset_id: str) -> bool:
    """True for a run of the preset's network on the lesson's dataset (any seed, epochs or subset), normalised pixels.

    The same network fitted to another dataset (a class's own drawings, say) is another lesson's result.
    """
    return (
        config.spec.get("name") == preset_id
        and config.dataset == lesson_dataset(preset_id)[0]
        and config.kind == "fit"
        and config.pixels is None
        and not config.continues
        and not config.fold
        and not config.imbalance
    )


def class_results(store: RunStore, preset_id: str, epochs: int | None = None) -> list[dict[str, Any]]:
    """Each student's newest run of the preset (by nickname: owner or asked since), best validation first.

    Rows: ``nickname``, ``run``, ``metric``, ``value``, ``state``, ``epochs`` (done), ``created``.
    """
    newest: dict[str, dict[str, Any]] = {}
    for run_id in store.list():
        config = store.config(run_id)
        if not matches(config, preset_id):
            continue
        if epochs and config.fit.epochs != epochs:
            continue
        status = store.status(run_id)
        metric, value = best_validation(store.history(run_id))
        record = store.owner(run_id)
        for nick in {record.get("owner"), *record.get("users", [])} - {"", None}:
            row = {"nickname": nick, "run": run_id, "metric": metric, "value": value, "state": status.state,
                   "epochs": status.epochs_done, "created": status.created}  # fmt: skip
            if nick not in newest or row["created"] > newest[nick]["created"]:
                newest[nick] = row
    return sorted(newest.values(), key=lambda r: (r["value"] is None, -(r["value"] or 0), r["nickname"]))


def my_run(store: RunStore, preset_id: str, nickname: str, epochs: int | None = None) -> str | None:
    """The student's newest run of the preset (None before they trained one)."""
    row = next((r for r in class_results(store, preset_id, epochs) if r["nickname"] == nickname), None)
    return row["run"] if row else None
