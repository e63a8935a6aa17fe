"""Draw-page fidelity: does a model trained by the app still recognise its test images after
they went through the Draw page (uploaded, drawn on the canvas, photographed)?

For each offline image dataset a lesson network is trained through the app's job runner;
then test images are predicted as the original arrays and as each rendering of
:mod:`bench.renderings` pushed through :func:`lib.infer.drawing.prepare_drawing`. Accuracy on a
rendering is reported beside the original's, as a ratio and in points, against the issue's
targets. The last line is ``RESULT {json}``.

    python -m bench draw [--fashion-test 1000] [--fashion-samples 60000] [--epochs N] [--no-convnet]

The Fashion-MNIST networks train with their lesson settings (MLP: 5 epochs, batch 32;
convnet: 5 epochs, batch 128) unless ``--epochs`` asks for fewer.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass

import numpy as np

from bench.renderings import RENDERINGS, TARGET_POINTS, canvas
from lib.data import datasets
from lib.infer.drawing import prepare_drawing
from lib.model.presets import PRESETS
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore
from lib.train.training import make_config

STROKE_BUDGET_MS = 100.0


@dataclass
class Case:
    """One model to check: a lesson preset trained on a dataset with some settings."""

    dataset: str
    preset: str
    train_samples: int = 0
    epochs: int | None = None
    batch: int | None = None


def train(manager: JobManager, case: Case) -> str:
    """Train ``case`` through the app's job runner (a cached identical run is reused)."""
    preset = PRESETS[case.preset]
    settings = preset.settings()
    if case.epochs:
        settings.fit.epochs = case.epochs
    if case.batch:
        settings.fit.batch_size = case.batch
    info = datasets.REGISTRY[case.dataset]
    config = make_config(preset.spec(info.input_shape), case.dataset, case.train_samples, "classes", settings)
    run = manager.submit(config)
    while manager.is_active(run.run_id):
        time.sleep(0.05)
    status = manager.store.status(run.run_id)
    assert status.state == "done", status
    return run.run_id


def sample_test_images(name: str, count: int | None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` test images of ``name`` (all when None), a fixed stratified sample."""
    data = datasets.load(name)
    if count is None or count >= len(data.y_test):
        return data.x_test, data.y_test.astype(int)
    keep = datasets.subset_indices(data.y_test, count, seed)
    return data.x_test[keep], data.y_test[keep].astype(int)


def _accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    outputs = np.concatenate([np.asarray(model.predict_on_batch(x[i : i + 256])) for i in range(0, len(x), 256)])
    return float((outputs.argmax(axis=-1) == y).mean())


def fidelity(model, info: datasets.DatasetInfo, images: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy on the original arrays and on every rendering (an image with no object found
    counts as a mistake), with the ratio and the drop in points.
    """
    original = _accuracy(model, datasets.scale_images(images, info), labels)
    result = {"original": original, "images": len(labels)}
    for name, render in RENDERINGS.items():
        prepared = [prepare_drawing(render(image, info.pixel_max, seed), info) for seed, image in enumerate(images)]
        found = np.array([p is not None for p in prepared])
        x = np.stack([p.x[0] if p is not None else np.zeros(info.input_shape, "float32") for p in prepared])
        accuracy = _accuracy(model, x, np.where(found, labels, -1))
        result[name] = {
            "accuracy": accuracy,
            "ratio": accuracy / original,
            "points": 100 * (original - accuracy),
            "target_points": TARGET_POINTS[name],
            "not_found": int((~found).sum()),
        }
    return result


def stroke_ms(model, info: datasets.DatasetInfo, image: np.ndarray, repeats: int = 30) -> float:
    """Median server time of one stroke: a 280×280 RGBA canvas prepared and predicted."""
    from lib.infer.predict import Predictor

    predictor = Predictor(model)
    rgba = canvas(image, info.pixel_max)
    times = []
    for _ in range(repeats + 3):
        start = time.perf_counter()
        prepared = prepare_drawing(rgba, info)
        predictor.probabilities(prepared.x)
        predictor.feature_maps(prepared.x)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times[3:])  # the first calls trace the model


def cases(fashion_samples: int, convnet: bool, epochs: int | None = None) -> list[Case]:
    """The offline image datasets and the lesson networks the benchmark checks."""
    found = [Case("digits", "digits_mlp")]
    if datasets.REGISTRY["fashion_mnist"].is_cached() or datasets.keras_cache.seed_fashion_mnist():
        found.append(Case("fashion_mnist", "fashion_mlp", fashion_samples, epochs=epochs))
        if convnet:
            found.append(Case("fashion_mnist", "keras_convnet", fashion_samples, epochs=epochs))
    return found


def _row(label: str, values: dict) -> str:
    ok = "ok" if values["points"] <= values["target_points"] else "MISSED"
    return (
        f"  {label:13s} {values['accuracy']:8.4f} {values['ratio']:7.3f} {values['points']:+7.2f}"
        f"   ≤ {values['target_points']:.0f}  {ok}   (no object: {values['not_found']})"
    )


def run(
    fashion_test: int = 1000, fashion_samples: int = 60000, convnet: bool = True, epochs: int | None = None
) -> dict:
    """Train, measure and print the fidelity table; return the RESULT object."""
    from lib.train.evaluation import load_run_model

    manager = JobManager(RunStore(), workers=1)
    result = {}
    for case in cases(fashion_samples, convnet, epochs):
        info = datasets.REGISTRY[case.dataset]
        run_id = train(manager, case)
        model = load_run_model(manager.store, run_id)
        images, labels = sample_test_images(case.dataset, fashion_test if case.dataset != "digits" else None)
        start = time.perf_counter()
        entry = fidelity(model, info, images, labels)
        entry["stroke_ms"] = stroke_ms(model, info, images[0])
        key = f"{case.dataset}/{case.preset}"
        result[key] = entry
        print(f"\n{key}: {entry['images']} test images, recipe {info.draw_recipe!r}, "
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip
        print(f"  {'rendering':13s} {'accuracy':>8s} {'ratio':>7s} {'points':>7s}   target")
        print(f"  {'original':13s} {entry['original']:8.4f} {1:7.3f} {0:+7.2f}")
        for name in RENDERINGS:
            print(_row(name, entry[name]))
        budget = "ok" if entry["stroke_ms"] < STROKE_BUDGET_MS else "MISSED"
        print(f"  per-stroke server time (prepare 280×280 canvas + predict): {entry['stroke_ms']:.1f} ms"
              f"   < {STROKE_BUDGET_MS:.0f}  {budget}")  # fmt: skip
    print("RESULT " + json.dumps(result, sort_keys=True))
    return result
