"""Evaluate a finished run on its test set: metrics, report, confusion matrix, mistakes."""

from __future__ import annotations

import io

import numpy as np

from lib.train.runstore import RunStore
from lib.train.training import test_labels, training_arrays

MISTAKES_SHOWN = 24
EVALUATION_FILE = "evaluation.json"  # the test-set results, keyed by the model file's time
OUTPUTS_FILE = "test_outputs.npz"  # every test sample's probabilities (the confusion matrix's cells)


def load_run_model(store: RunStore, run_id: str):
    """The run's final model (or last checkpoint), loaded with ``safe_mode``."""
    import keras

    path = store.best_model_path(run_id)
    if path is None:
        raise FileNotFoundError(run_id)
    return keras.saving.load_model(path, safe_mode=True)


def predicted_classes(probabilities: np.ndarray) -> np.ndarray:
    """Class ids from model outputs (one sigmoid unit: threshold 0.5)."""
    if probabilities.shape[-1] == 1:
        return (probabilities[:, 0] > 0.5).astype(int)
    return probabilities.argmax(axis=-1)


def evaluate(store: RunStore, run_id: str) -> dict:
    """Test-set results of a run, computed once per saved model and kept in the run folder."""
    model_path = store.best_model_path(run_id)
    cached = store.read_side_json(run_id, EVALUATION_FILE)
    stamp = model_path.stat().st_mtime if model_path else None
    if cached and cached.get("model_mtime") == stamp:
        return cached
    config = store.config(run_id)
    _, _, x_test, y_test = training_arrays(config)
    model = load_run_model(store, run_id)
    metrics = {}
    if model.compiled:  # an imported model may come without its compile settings
        metrics = {k: float(v) for k, v in model.evaluate(x_test, y_test, return_dict=True, verbose=0).items()}
    result = {"model_mtime": stamp, "kind": config.target, "metrics": metrics}
    outputs = model.predict(x_test, batch_size=512, verbose=0)
    if config.target == "classes":
        result.update(_classification(outputs, test_labels(config), len(config.class_ids())))
        save_outputs(store, run_id, outputs, stamp)
    elif config.target == "value":
        result.update(true=np.asarray(y_test).reshape(-1).tolist(), predicted=outputs.reshape(-1).tolist())
    store.write_side_json(run_id, EVALUATION_FILE, result)
    return result


def as_probabilities(outputs: np.ndarray) -> np.ndarray:
    """(samples, classes) probabilities from model outputs (one sigmoid unit becomes two columns)."""
    outputs = np.asarray(outputs, dtype="float32")
    if outputs.shape[-1] == 1:
        return np.column_stack([1 - outputs[:, 0], outputs[:, 0]])
    if outputs.min() < 0 or np.abs(outputs.sum(-1) - 1).max() > 1e-3:  # logits: no softmax at the end
        exp = np.exp(outputs - outputs.max(-1, keepdims=True))
        return exp / exp.sum(-1, keepdims=True)
    return outputs


def save_outputs(store: RunStore, run_id: str, outputs: np.ndarray, model_mtime: float | None) -> None:
    """Keep every test sample's probabilities beside the run, stamped with the model file's time."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, probabilities=as_probabilities(outputs), model_mtime=np.float64(model_mtime or 0))
    store.write_side(run_id, OUTPUTS_FILE, buffer.getvalue())


def _classification(outputs: np.ndarray, y_true: np.ndarray, num_classes: int) -> dict:
    from sklearn.metrics import classification_report, confusion_matrix

    if outputs.shape[-1] == 1:
        outputs = np.column_stack([1 - outputs[:, 0], outputs[:, 0]])
    y_pred = outputs.argmax(axis=-1)
    labels = list(range(num_classes))
    wrong = np.flatnonzero(y_pred != y_true)[:MISTAKES_SHOWN]
    return {
        "accuracy": float((y_pred == y_true).mean()),
        "report": classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "mistakes": [
            {
                "index": int(i),
                "true": int(y_true[i]),
                "predicted": int(y_pred[i]),
                "probabilities": np.round(outputs[i], 4).tolist(),
            }
            for i in wrong
        ],
    }
