"""Benchmarks: the app against plain Keras doing the same work, in the same process.

Run with ``./scripts/bench.sh`` (or ``python -m bench``). Machines here are noisy, so the
figures that matter are the ratios; each pair is run alternately and the median is kept.

    python -m bench [--samples 20000] [--epochs 2] [--rounds 3] [--browser]
    python -m bench draw [--fashion-test 1000] [--fashion-samples 60000] [--epochs N] [--no-convnet]
    python -m bench backends [--rounds 3] [--epochs 2] [--samples 0] [--only fashion_mlp_b32 ...]
    python -m bench classroom [--students 30] [--epochs 20] [--workers N] [--ray]
    python -m bench sweep [--epochs 20] [--workers N]
    python -m bench ingest [--images 1000] [--rows 100000] [--rounds 3]
    python -m bench stop [--rounds 5]
    python -m bench inside [--rounds 5] [--repeats 20] [--samples 2000]
    python -m bench class [--students 30] [--port 8660]

``draw`` runs only the Draw page's fidelity benchmark (``bench/draw.py``); ``backends``
the worker pool with backend auto against a plain Keras-on-TensorFlow script
(``bench/backends.py``); ``classroom`` 30 students training at once, thread runner vs
worker pool (``bench/classroom.py``; with ``--ray``, worker pool vs a local Ray instance and an
estimate for more machines: ``bench/cluster.py``); ``sweep`` a 12-cell sweep of the digits MLP, worker pool
vs a plain Keras loop (``bench/sweep.py``); ``ingest`` uploads made into datasets against plain Keras /
pandas (``bench/ingest.py``); ``stop`` how long Stop takes to end a run, worker pool vs a plain
Keras fit stopped by a callback (``bench/stop.py``); ``inside`` a heatmap and every layer's activations
for one input, and the projector for 2,000 test images, against a plain GradientTape / ``model.predict``
script (``bench/inside.py``); ``class`` a class of real browsers walking a lesson against one server
(``bench/class_browsers.py``). Each ends with a ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KP_RUNS_DIR", tempfile.mkdtemp(prefix="kp-bench-runs-"))

from bench.pages import page_times
from lib.data import datasets
from lib.model.presets import PRESETS
from lib.train.jobs import JobManager
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.training import make_config


def plain_keras(raw: datasets.Dataset, samples: int, epochs: int, batch: int, seed: int) -> float:
    """What a plain Keras script does for the lesson: prepare the data, build, compile, fit.

    Returns training samples per second over that whole span, as :func:`app_job` measures it.
    """
    import keras
    import numpy as np

    start = time.perf_counter()
    x, y = raw.x_train, raw.y_train
    if samples < len(y):
        keep = np.random.default_rng(seed).permutation(len(y))[:samples]
        x, y = x[keep], y[keep]
    x = x.astype("float32")[..., None] / 255.0
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(x.shape[1:]), keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=batch, validation_split=0.2, shuffle=True, verbose=0)
    return len(x) * 0.8 * epochs / (time.perf_counter() - start)


def app_job(manager: JobManager, config: RunConfig) -> float:
    """The same training through the app's job manager; returns samples per second (wall)."""
    start = time.perf_counter()
    run = manager.submit(config, force=True)
    while manager.is_active(run.run_id):
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    status = manager.store.status(run.run_id)
    assert status.state == "done", status
    fit = config.fit
    return config.train_samples * (1 - fit.validation_split) * fit.epochs / seconds


def cached_run_ms(manager: JobManager, config: RunConfig, repeats: int = 20) -> float:
    """Time to answer "train" for an already trained config and read what the page shows."""
    from lib import charts

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run = manager.submit(config)
        assert run.outcome == "cached"
        history, batches = manager.store.history(run.run_id), manager.store.batches(run.run_id)
        manager.store.status(run.run_id)
        charts.training_curves(history, batches, "loss", "loss", {k: k for k in ("train", "val", "batch", "epoch")})
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def draw_main(argv: list[str]) -> None:
    """``python -m bench draw``: the Draw page's fidelity table and its RESULT line."""
    from bench.draw import run

    parser = argparse.ArgumentParser(prog="python -m bench draw")
    parser.add_argument("--fashion-test", type=int, default=1000, help="Fashion-MNIST test images checked")
    parser.add_argument("--fashion-samples", type=int, default=60000, help="training samples of the Fashion models")
    parser.add_argument("--epochs", type=int, default=None, help="Fashion epochs (default: the lesson's)")
    parser.add_argument("--no-convnet", action="store_true", help="skip the keras.io convnet (the slowest)")
    args = parser.parse_args(argv)
    run(args.fashion_test, args.fashion_samples, convnet=not args.no_convnet, epochs=args.epochs)
    sys.stdout.flush()


def _figures_main(module: str, argv: list[str]) -> None:
    """Run ``bench.<module>.main(argv)`` and end with its ``RESULT`` JSON line."""
    import importlib
    import json

    figures = importlib.import_module(f"bench.{module}").main(argv)
    print("RESULT " + json.dumps(figures, sort_keys=True))
    sys.stdout.flush()


def main() -> None:
    """Run the benchmarks and print their figures."""
    if sys.argv[1:2] == ["draw"]:
        draw_main(sys.argv[2:])
        return
    if sys.argv[1:2] in (["backends"], ["classroom"], ["sweep"], ["ingest"], ["stop"], ["inside"], ["class"]):
        _figures_main({"class": "class_browsers"}.get(sys.argv[1], sys.argv[1]), sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time pages in Chromium")
    args = parser.parse_args()

    fashion = datasets.REGISTRY["fashion_mnist"].is_cached() or datasets.keras_cache.seed_fashion_mnist()
    name = "fashion_mnist" if fashion else "digits"
    info = datasets.REGISTRY[name]
    samples = min(args.samples, info.train_size)
    preset = PRESETS["fashion_mlp"]
    settings = preset.settings().with_fit(epochs=args.epochs, batch_size=args.batch)
    # The same backend as the plain script: this measures the app's own overhead.
    config = make_config(preset.spec(info.input_shape), name, samples, "classes", settings, "tensorflow")
    raw = datasets.load(name)
    manager = JobManager(RunStore(), workers=1)
    print(f"dataset {name}, {samples} samples, {args.epochs} epochs, batch {args.batch}, {args.rounds} rounds")
    app_job(manager, config)  # warm-up: first graph tracing is paid once by whichever runs first
    plain, app = [], []
    for round_ in range(args.rounds):  # alternate who goes first: the second of a pair runs warmer
        pair = [lambda: plain.append(plain_keras(raw, samples, args.epochs, args.batch, settings.fit.seed)),
                lambda: app.append(app_job(manager, config))]  # fmt: skip
        for run in pair if round_ % 2 == 0 else pair[::-1]:
            run()
    p, a = statistics.median(plain), statistics.median(app)
    print(f"plain keras     {p:10.0f} samples/s   (runs: {', '.join(f'{v:.0f}' for v in plain)})")
    print(f"app job runner  {a:10.0f} samples/s   (runs: {', '.join(f'{v:.0f}' for v in app)})")
    ratios = sorted(x / y for x, y in zip(app, plain))
    print(
        f"per-round app/plain ratios: {', '.join(f'{r:.3f}' for r in ratios)} (median {statistics.median(ratios):.3f})"
    )
    overhead = 100 * (1 - a / p)
    print(f"app / plain     {a / p:10.3f}   (overhead {overhead:.1f}%: queue, live progress, checkpoints, history)")
    print(f"cached run shown in {cached_run_ms(manager, config):.1f} ms (submit → cached, history read, curves built)")
    if args.browser:
        for label, seconds in page_times().items():
            print(f"{label:38s} {seconds:6.2f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
