"""``./scripts/bench.sh stop``: how long Stop takes to end a run, against plain Keras.

The tests prove that a stopped run ends ``stopped_by_user`` with epochs left and keeps what
it learned; how fast is measured here. Each round trains the digits lesson MLP for many
epochs, waits until batches flow, then asks it to stop and times the request to the run's
end: through the app's warm worker pool (a stop crosses a process boundary and the run saves
its last epoch), and in a plain Keras fit in this process whose callback sets
``model.stop_training`` when another thread sets an event. The ratio app/plain is what
matters; the absolute times mean little on a noisy machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from lib.data import datasets
from lib.model.presets import PRESETS
from lib.train.executors import ProcessExecutor
from lib.train.jobs import JobManager
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.training import make_config

EPOCHS = 400  # far more than a round lasts: every round ends by its stop


def _config(seed: int) -> RunConfig:
    settings = PRESETS["digits_mlp"].settings().with_fit(epochs=EPOCHS, seed=seed)
    return make_config(PRESETS["digits_mlp"].spec((8, 8, 1)), "digits", 0, "classes", settings, "jax")


def app_stop_s(manager: JobManager, seed: int) -> float:
    """Seconds from ``manager.stop`` to the run no longer active (the pool, JAX worker)."""
    run = manager.submit(_config(seed))
    while not getattr(manager.live(run.run_id), "batch", 0):
        time.sleep(0.01)
    start = time.perf_counter()
    manager.stop(run.run_id)
    while manager.is_active(run.run_id):
        time.sleep(0.005)
    return time.perf_counter() - start


def plain_stop_s(seed: int) -> float:
    """Seconds from setting a stop event to ``fit`` returning, in plain Keras."""
    import keras
    import numpy as np

    digits = datasets.load("digits")
    x, y = digits.x_train.astype("float32")[..., None] / 16.0, digits.y_train
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([  # the digits lesson MLP, as the app's preset builds it
        keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop, flowing, asked = threading.Event(), threading.Event(), []

    class StopWhenAsked(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            flowing.set()
            if stop.is_set():
                self.model.stop_training = True

    def ask() -> None:
        flowing.wait()
        asked.append(time.perf_counter())
        stop.set()

    thread = threading.Thread(target=ask)
    thread.start()
    model.fit(x, np.asarray(y), epochs=EPOCHS, batch_size=32, verbose=0, callbacks=[StopWhenAsked()])
    ended = time.perf_counter()
    thread.join()
    return ended - asked[0]


def main(argv: list[str]) -> dict:
    """Alternate app and plain rounds; print the medians and their ratio; return the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench stop")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    pool = ProcessExecutor(1, warm=("jax",))
    manager = JobManager(RunStore(Path(tempfile.mkdtemp(prefix="kp-bench-stop-"))), workers=1, executor=pool)
    app, plain = [], []
    try:
        app_stop_s(manager, 999)  # warm-up: the worker's first job compiles
        for round_ in range(args.rounds):
            pair = [lambda r=round_: app.append(app_stop_s(manager, r)), lambda r=round_: plain.append(plain_stop_s(r))]
            for run in pair if round_ % 2 == 0 else pair[::-1]:
                run()
    finally:
        pool.shutdown()
    a, p = statistics.median(app), statistics.median(plain)
    print(f"stop → run ended: app {a * 1000:.0f} ms, plain Keras {p * 1000:.0f} ms (medians of {args.rounds})")
    print(f"app/plain: {a / p:.2f}×")
    return {"app_stop_ms": round(a * 1000, 1), "plain_stop_ms": round(p * 1000, 1), "ratio": round(a / p, 2)}
