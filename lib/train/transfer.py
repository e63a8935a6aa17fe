"""Small datasets: start a run from another run's trained layers (transfer learning).

A network trained on a large dataset (Fashion-MNIST's 60,000 pictures) has learned
features that help on a few dozen pictures of one's own. A run may start from the leading
layers of an earlier run whose network begins the same way (same layer ids, types,
settings and input shape), frozen or trained further; the output layer, which names the
new classes, always starts afresh. The choice is part of the run's config
(``init_from``), so it is cached and shared like any other setting.
"""

from __future__ import annotations

from lib.model.analysis import Target, analyse
from lib.model.spec import ModelSpec, SpecError
from lib.train.run_config import InitFrom
from lib.train.runstore import RunStore

SMALL_PER_CLASS = 50  # fewer training pictures per class than this: suggest transfer or augmentation


def per_class(train_samples: int, num_classes: int) -> float:
    """Training samples per class (a stratified subset keeps the proportions)."""
    return train_samples / max(1, num_classes)


def is_small(train_samples: int, num_classes: int) -> bool:
    """True when each class has too few training pictures for a network to learn much from."""
    return per_class(train_samples, num_classes) < SMALL_PER_CLASS


def transferable_layers(base: ModelSpec, spec: ModelSpec) -> list[str]:
    """Ids of ``spec``'s leading layers that ``base`` has too, with the same weights' shapes.

    Same id, type, settings, output shape and parameter count, in the same order; the
    augmentation layers (``Random*``: no weights, idle at inference) are looked through on
    both sides, so a network with augmentation added in front still matches. Stops at the
    first layer that differs and never includes the last layer (the new classes' output).
    Empty when the input shapes differ.
    """
    if tuple(base.input_shape) != tuple(spec.input_shape):
        return []
    return [layer for layer, _ in _common(_signature(base), _signature(spec))]


def _signature(spec: ModelSpec) -> list[tuple[str, tuple]]:
    """Each layer but the augmentation ones: id, and what decides its weights' shapes (params last)."""
    rows = {row.id: row for row in analyse(spec, Target("classes", 2)).rows}
    return [
        (layer["id"], (layer["class_name"], layer["config"], rows[layer["id"]].output_shape, rows[layer["id"]].params))
        for layer in spec.to_dict()["layers"]
        if not layer["class_name"].startswith("Random") and layer["id"] in rows
    ]


def _common(theirs: list[tuple[str, tuple]], ours: list[tuple[str, tuple]]) -> list[tuple[str, int]]:
    """``(id, parameter count)`` of the leading layers both signatures share (never our output layer)."""
    same = []
    for (their_id, their_layer), (our_id, our_layer) in zip(theirs, ours[:-1]):
        if their_id != our_id or their_layer != our_layer:
            break
        same.append((our_id, our_layer[-1]))
    return same


def transfer_sources(store: RunStore, spec: ModelSpec, dataset: str) -> dict[str, list[str]]:
    """Finished runs on other datasets whose trained layers this model can start from: run id → layers.

    Newest first; only runs with a saved model and at least one layer with weights to give.
    Runs on another input shape are passed over before any model is analysed (the Training
    page asks on every rerun, and a class's store holds hundreds of runs).
    """
    ours, shape = _signature(spec), list(spec.input_shape)
    found: dict[str, list[str]] = {}
    for run_id in store.list():
        config = store.config(run_id)
        if config.dataset == dataset or config.kind != "fit":
            continue
        if not isinstance(config.spec, dict) or config.spec.get("input_shape") != shape:
            continue
        if store.status(run_id).state != "done" or store.best_model_path(run_id) is None:
            continue
        try:
            same = _common(_signature(config.model_spec()), ours)
        except SpecError:
            continue
        if any(params for _, params in same):
            found[run_id] = [layer for layer, _ in same]
    return found


def init_from(run_id: str, layers: list[str], freeze: bool) -> InitFrom:
    """The config part that starts a run from ``run_id``'s ``layers``."""
    return InitFrom(run_id, tuple(layers), bool(freeze))
