"""``./scripts/bench.sh backends``: the app's warm workers (backend auto) against plain Keras.

For each workload, rounds alternate between the plain Keras-on-TensorFlow script a
student would write (``bench/plain_keras.py``, its own process), the app with backend
``auto`` and the app on the same backend as the plain script, all through the real job
manager and warm worker pool. Figures are samples/s over prepare+build+compile+fit; the
ratios are per round, and their medians are printed. Also: job start latency (submit to
first batch) with a warm pool, and resident memory of server plus workers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from lib.data import datasets
from lib.model.presets import PRESETS
from lib.train.executors import ProcessExecutor, resolve_backend, rss_mb
from lib.train.jobs import JobManager
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.training import make_config

WORKLOADS = {  # name: (preset, batch, dataset, epochs: None = --epochs)
    "fashion_mlp_b32": ("fashion_mlp", 32, "fashion_mnist", None),
    "fashion_mlp_b128": ("fashion_mlp", 128, "fashion_mnist", None),
    "keras_convnet_b128": ("keras_convnet", 128, "fashion_mnist", None),
    # The digits lesson trains 20 epochs of 1,150 samples: 2 epochs would time only start-up.
    "digits_mlp_b32": ("digits_mlp", 32, "digits", 20),
}


def plain(preset: str, batch: int, epochs: int, samples: int, backend: str = "tensorflow") -> dict:
    """One run of the plain script in a fresh process; its RESULT figures."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.plain_keras", "--model", preset, "--batch", str(batch), "--epochs", str(epochs),
         "--samples", str(samples), "--backend", backend],
        capture_output=True, text=True, check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    return json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])


def app(manager: JobManager, config: RunConfig) -> dict:
    """One run through the job manager (forced: never the cache); wall-clock samples/s and accuracy."""
    from lib.train.evaluation import evaluate

    start = time.perf_counter()
    run = manager.submit(config, force=True)
    while manager.is_active(run.run_id):
        time.sleep(0.005)
    seconds = time.perf_counter() - start
    status = manager.status(run.run_id)
    assert status.state == "done", status
    fit = config.fit
    n = config.train_samples or datasets.REGISTRY[config.dataset].train_size
    accuracy = evaluate(manager.store, run.run_id)["accuracy"]
    sps = n * (1 - fit.validation_split) * fit.epochs / seconds
    return {"samples_per_second": sps, "test_accuracy": accuracy, "backend": status.backend}


def _config(preset: str, batch: int, dataset: str, epochs: int, samples: int, backend: str) -> RunConfig:
    settings = PRESETS[preset].settings().with_fit(epochs=epochs, batch_size=batch)
    info = datasets.REGISTRY[dataset]
    return make_config(PRESETS[preset].spec(info.input_shape), dataset, samples, "classes", settings, backend)


def start_latency(manager: JobManager, repeats: int = 5) -> float:
    """Median seconds from submit to the first finished batch (digits MLP, warm worker)."""
    times = []
    for seed in range(repeats):
        config = _config("digits_mlp", 32, "digits", 1, 0, "auto").with_fit(seed=100 + seed)
        start = time.perf_counter()
        run = manager.submit(config, force=True)
        while not getattr(manager.live(run.run_id), "batch", 0) and manager.is_active(run.run_id):
            time.sleep(0.002)
        times.append(time.perf_counter() - start)
        while manager.is_active(run.run_id):
            time.sleep(0.01)
    return statistics.median(times)


def memory(manager: JobManager, pool: ProcessExecutor) -> dict:
    """Resident MB of this process (the server's role) plus the workers, idle and with a job."""
    idle = rss_mb(os.getpid()) + sum(w["memory_mb"] for w in pool.describe()["workers"])
    run = manager.submit(_config("fashion_mlp", 32, "fashion_mnist", 3, 20000, "auto"), force=True)
    peak = 0.0
    while manager.is_active(run.run_id):
        peak = max(peak, rss_mb(os.getpid()) + sum(w["memory_mb"] for w in pool.describe()["workers"]))
        time.sleep(0.2)
    return {"idle_mb": round(idle), "one_job_mb": round(peak)}


def main(argv: list[str]) -> dict:
    """Run the comparison; print a table and return the figures."""
    parser = argparse.ArgumentParser(prog="bench backends")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=0, help="training samples (0 = all)")
    parser.add_argument("--only", nargs="*", default=list(WORKLOADS))
    args = parser.parse_args(argv)
    datasets.keras_cache.seed_fashion_mnist()
    import keras  # the server process holds TensorFlow (Draw, evaluation), as in the app

    del keras
    pool = ProcessExecutor(2, warm=("jax", "tensorflow"))
    manager = JobManager(RunStore(), workers=1, executor=pool)
    figures: dict = {"workloads": {}}
    try:
        for name in args.only:
            preset, batch, dataset, lesson_epochs = WORKLOADS[name]
            epochs = lesson_epochs or args.epochs
            auto = _config(preset, batch, dataset, epochs, args.samples, "auto")
            same = _config(preset, batch, dataset, epochs, args.samples, "tensorflow")
            app(manager, auto)  # warm-up: the first trace of a model is paid once per worker
            rows: dict[str, list[dict]] = {"plain_tf": [], "app_auto": [], "app_tf": []}
            for round_ in range(args.rounds):  # alternate the order: whoever runs second runs warmer
                order = ["plain_tf", "app_auto", "app_tf"]
                for key in order if round_ % 2 == 0 else order[::-1]:
                    if key == "plain_tf":
                        rows[key].append(plain(preset, batch, epochs, args.samples))
                    else:
                        rows[key].append(app(manager, auto if key == "app_auto" else same))
            figures["workloads"][name] = _summary(name, rows, resolve_backend(auto))
        figures["start_latency_s"] = round(start_latency(manager), 3)
        print(f"job start latency (submit → first batch, warm pool): {figures['start_latency_s']:.3f} s")
        figures["memory"] = memory(manager, pool)
        print(f"resident memory, server + workers: idle {figures['memory']['idle_mb']} MB, "
              f"one job {figures['memory']['one_job_mb']} MB")  # fmt: skip
    finally:
        pool.shutdown()
    return figures


def _summary(name: str, rows: dict[str, list[dict]], backend: str) -> dict:
    """Per-round ratios and their medians for one workload, printed as a table row."""

    def ratios(a: str, b: str) -> list[float]:
        return [x["samples_per_second"] / y["samples_per_second"] for x, y in zip(rows[a], rows[b])]

    speedup, overhead = ratios("app_auto", "plain_tf"), ratios("app_tf", "plain_tf")
    out = {
        "auto_backend": backend,
        "plain_tf_sps": round(statistics.median(r["samples_per_second"] for r in rows["plain_tf"])),
        "app_auto_sps": round(statistics.median(r["samples_per_second"] for r in rows["app_auto"])),
        "app_tf_sps": round(statistics.median(r["samples_per_second"] for r in rows["app_tf"])),
        "auto_vs_plain_tf": round(statistics.median(speedup), 3),
        "app_tf_vs_plain_tf": round(statistics.median(overhead), 3),
        "accuracy": {k: round(statistics.median(r["test_accuracy"] for r in v), 4) for k, v in rows.items()},
    }
    print(f"{name:20s} auto={backend:10s} plain TF {out['plain_tf_sps']:7d}/s  app auto {out['app_auto_sps']:7d}/s "
          f"({out['auto_vs_plain_tf']:.2f}×)  app TF {out['app_tf_sps']:7d}/s ({out['app_tf_vs_plain_tf']:.3f}×)  "
          f"acc {out['accuracy']}")  # fmt: skip
    return out
