"""Predictions for the Draw page: which runs can be drawn for, and a fast predictor."""

from __future__ import annotations

import numpy as np

from lib.data import datasets
from lib.train.run_views import best_validation
from lib.train.runstore import RunStore


def drawable_runs(store: RunStore) -> list[str]:
    """Runs with a saved model on a dataset that has a draw recipe (the registry's), best first."""
    found = []
    for run_id in store.list():
        config = store.config(run_id)
        info = datasets.REGISTRY.get(config.dataset)
        usable = info is not None and info.draw_recipe is not None and config.target == "classes"
        if usable and store.best_model_path(run_id):
            metric, value = best_validation(store.history(run_id))
            score = value if metric.endswith("accuracy") and value is not None else -1.0
            found.append((score, run_id))
    return [run_id for _, run_id in sorted(found, key=lambda pair: -pair[0])]


def _softmax(values: np.ndarray) -> np.ndarray:
    exp = np.exp(values - values.max())
    return exp / exp.sum()


class Predictor:
    """A loaded model plus, for convolutional models, its first convolution's outputs.

    Calls the model directly (``model(x, training=False)``, a few ms) rather than
    ``model.predict`` (60-100 ms), so every stroke gets an answer at once.
    """

    def __init__(self, model):
        import keras

        self.model = model
        conv = next((layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)), None)
        self.conv_name = conv.name if conv else None
        self._features = keras.Model(model.inputs[0], conv.output) if conv else None

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for one prepared input (one sigmoid unit becomes two classes)."""
        out = np.asarray(self.model(x, training=False), dtype="float64").reshape(-1)
        if out.size == 1:
            return np.array([1.0 - out[0], out[0]])
        if out.min() < 0 or abs(out.sum() - 1.0) > 1e-3:  # logits: the last layer had no softmax
            return _softmax(out)
        return out

    def batch_probabilities(self, x: np.ndarray, chunk: int = 512) -> np.ndarray:
        """Class probabilities for many prepared inputs, shape (N, classes), as :meth:`probabilities` gives one."""
        parts = [self.model(x[i : i + chunk], training=False) for i in range(0, len(x), chunk)]
        out = np.concatenate([np.asarray(part, dtype="float64") for part in parts]).reshape(len(x), -1)
        if out.shape[1] == 1:
            return np.concatenate([1.0 - out, out], axis=1)
        if out.min() < 0 or np.abs(out.sum(axis=1) - 1.0).max() > 1e-3:  # logits
            exp = np.exp(out - out.max(axis=1, keepdims=True))
            return exp / exp.sum(axis=1, keepdims=True)
        return out

    def feature_maps(self, x: np.ndarray) -> np.ndarray | None:
        """The first convolution's output for ``x``, shape (height, width, filters)."""
        if self._features is None:
            return None
        return np.asarray(self._features(x, training=False))[0]


def class_examples(dataset: str, class_id: int, count: int = 9) -> np.ndarray | None:
    """The first ``count`` training images of a class, scaled as the model receives them.

    None when the dataset is not on this machine: the Draw page asks on every stroke, so
    it must never wait for a download or a network probe.
    """
    info = datasets.REGISTRY[dataset]
    if not info.is_cached():
        return None
    try:
        data = datasets.load(dataset)
    except datasets.DatasetError:
        return None
    keep = np.flatnonzero(data.y_train.reshape(-1) == class_id)[:count]
    return datasets.scale_images(data.x_train[keep], info)
