"""A run's test set seen from inside.

Every test sample's probabilities (kept in the run folder) and the projector's embeddings of
the trained and the initial model.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from lib.inside.projector import MAX_SAMPLES, embed, initial_model, penultimate_model, sample_indices
from lib.train.evaluation import OUTPUTS_FILE, as_probabilities, load_run_model, save_outputs
from lib.train.runstore import RunStore
from lib.train.training import test_labels, training_arrays


def test_outputs(store: RunStore, run_id: str, model=None) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, true class ids) for every test sample of a classification run.

    Read from the run folder when its saved model has not changed since, else predicted once.
    """
    config = store.config(run_id)
    path = store.best_model_path(run_id)
    stamp = path.stat().st_mtime if path else 0.0
    saved = store.read_side(run_id, OUTPUTS_FILE)
    y_true = test_labels(config)
    if saved is not None:
        with np.load(io.BytesIO(saved)) as data:
            if float(data["model_mtime"]) == stamp and len(data["probabilities"]) == len(y_true):
                return data["probabilities"], y_true
    if model is None:
        model = load_run_model(store, run_id)
    x_test = training_arrays(config)[2]
    outputs = model.predict(x_test, batch_size=512, verbose=0)
    save_outputs(store, run_id, outputs, stamp)
    return as_probabilities(outputs), y_true


@dataclass
class ProjectorData:
    """What the projector draws.

    Which test samples, their classes and the model's answers, and the penultimate layer's
    outputs after training and with the initial weights.
    """

    indices: np.ndarray
    labels: np.ndarray
    probabilities: np.ndarray
    after: np.ndarray
    before: np.ndarray
    before_probabilities: np.ndarray
    layer: str


def projector_data(store: RunStore, run_id: str, model, limit: int = MAX_SAMPLES) -> ProjectorData:
    """The penultimate layer's outputs of up to ``limit`` test samples, trained and initial weights."""
    config = store.config(run_id)
    probabilities, y_true = test_outputs(store, run_id, model)
    x_test = training_arrays(config)[2]
    seed = int(config.fit.seed)
    indices = sample_indices(len(x_test), limit, seed)
    x = x_test[indices]
    after = embed(penultimate_model(model), x)
    start = initial_model(config)
    if init := config.init_from:  # a transfer run started from another run's layers
        from lib.inside.projector import copy_transferred

        if store.best_model_path(init.run) is not None:
            copy_transferred(start, load_run_model(store, init.run), list(init.layers))
    before = embed(penultimate_model(start), x)
    before_probabilities = as_probabilities(start.predict(x, batch_size=500, verbose=0))
    layer = model.layers[-2].name if len(model.layers) > 1 else model.layers[-1].name
    return ProjectorData(indices, y_true[indices], probabilities[indices], after, before, before_probabilities, layer)
