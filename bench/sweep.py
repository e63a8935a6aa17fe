"""``./scripts/bench.sh sweep``: a 12-cell sweep of the digits MLP, the app's way against a plain loop.

The app: the sweep's 12 cells (learning rate × batch size) submitted at once to the job
manager with its warm worker pool (backend auto), until the last cell is done; then the same
sweep again, answered from the run store. Plain Keras: the same 12 configurations trained one
after another in this process (TensorFlow, Keras imported beforehand), as a notebook loop
would. Both on the same data (the run's own digits split); the figures are wall seconds and
the mean best validation accuracy of the cells.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from lib.experiments import sweeps
from lib.model.presets import PRESETS
from lib.train.executors import ProcessExecutor
from lib.train.jobs import JobManager
from lib.train.run_config import RunConfig
from lib.train.run_views import best_validation
from lib.train.runstore import RunStore
from lib.train.training import make_config, training_arrays

PLAN = sweeps.SweepPlan({"learning_rate": [0.001, 0.003, 0.01], "batch_size": [16, 32, 64, 128]})


def _base(epochs: int) -> RunConfig:
    settings = PRESETS["digits_mlp"].settings().with_fit(epochs=epochs)
    return make_config(PRESETS["digits_mlp"].spec((8, 8, 1)), "digits", 0, "classes", settings)


def plain_loop(base: RunConfig, cells: list[dict]) -> dict:
    """Each cell as a plain Keras script would train it, one after another in this process."""
    import keras

    x, y, _, _ = training_arrays(base)
    scores = []
    start = time.perf_counter()
    for cell in cells:
        keras.utils.set_random_seed(base.fit.seed)
        model = keras.Sequential([
            keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ])  # fmt: skip
        model.compile(optimizer=keras.optimizers.Adam(cell["learning_rate"]), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])  # fmt: skip
        history = model.fit(x, y, epochs=base.fit.epochs, batch_size=cell["batch_size"],
                            validation_split=0.2, verbose=0)  # fmt: skip
        scores.append(max(history.history["val_accuracy"]))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 1), "mean_best_val_accuracy": round(statistics.mean(scores), 4)}


def app_sweep(base: RunConfig, cells: list[dict], workers: int) -> dict:
    """The sweep through the job manager and its warm worker pool; then again, from the cache."""
    store = RunStore(Path(tempfile.mkdtemp(prefix="kp-sweep-")))
    pool = ProcessExecutor(workers, warm=("jax",) * workers)
    time.sleep(5)  # let the warm workers finish importing, as on a server that has been up a while
    try:
        manager = JobManager(store, workers=workers, executor=pool)

        def submit(config: dict):
            return manager.submit(config, owner="bench", exclusive=False)

        start = time.perf_counter()
        runs = [s.run_id for s in sweeps.submit_cells(submit, base, cells)]
        while any(manager.is_active(r) for r in runs):
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = sweeps.submit_cells(submit, base, cells)
        rows = sweeps.result_rows(store, base, cells)
        cached_ms = 1000 * (time.perf_counter() - start)
    finally:
        pool.shutdown()
    scores = [best_validation(store.history(r))[1] for r in runs]
    return {
        "seconds": round(seconds, 1),
        "done": sum(r["state"] == "done" for r in rows),
        "mean_best_val_accuracy": round(statistics.mean(s for s in scores if s is not None), 4),
        "again_cached": sum(s.outcome == "cached" for s in again),
        "again_ms": round(cached_ms, 1),
    }


def main(argv: list[str]) -> dict:
    """Plain loop vs app sweep; print a table and return the figures."""
    parser = argparse.ArgumentParser(prog="bench sweep")
    parser.add_argument("--epochs", type=int, default=20, help="the digits lesson's own 20 epochs")
    parser.add_argument("--workers", type=int, default=0, help="0: the app's default for this machine")
    args, _ = parser.parse_known_args(argv)
    from lib.train.jobs import default_workers

    workers = args.workers or default_workers()
    base = _base(args.epochs)
    cells = sweeps.cells(PLAN)
    import keras  # noqa: F401 - imported before timing: the warm workers have theirs imported too

    plain = plain_loop(base, cells)
    app = app_sweep(base, cells, workers)
    figures = {"cells": len(cells), "epochs": args.epochs, "workers": workers, "plain_keras_loop": plain,
               "app_worker_pool": app, "speedup": round(plain["seconds"] / app["seconds"], 2)}  # fmt: skip
    print(f"{'':28s} {'seconds':>8s} {'mean best val_accuracy':>24s}")
    print(f"{'plain Keras, one by one':28s} {plain['seconds']:8.1f} {plain['mean_best_val_accuracy']:24.4f}")
    print(f"{f'app, {workers} warm worker(s)':28s} {app['seconds']:8.1f} {app['mean_best_val_accuracy']:24.4f}")
    print(f"speed-up {figures['speedup']:.2f}×; the same sweep again: {app['again_cached']}/{len(cells)} cells "
          f"from the cache in {app['again_ms']:.0f} ms")  # fmt: skip
    return figures
