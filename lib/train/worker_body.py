"""What every worker does, local or on a Ray node: load Keras once, then report while it trains.

``lib/train/worker_main.py`` (a warm process beside the server) and ``lib/train/ray_worker.py``
(a Ray task) differ in how they talk to the server (a pipe; a hub actor and files), not in
this: both load Keras the same way and send progress snapshots on a timer while
``lib.train.training.run_training`` runs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def load_keras(backend: str) -> str:
    """Import Keras on ``backend`` (once per process); returns the backend Keras reports.

    ``keras.utils.set_random_seed`` also seeds TensorFlow whenever it is installed, which
    imports it (+500 MB). A JAX worker never uses it: the import is made to fail, so Keras
    sees TensorFlow as absent and the worker stays at about half the memory.
    """
    if "keras" not in sys.modules and backend == "jax":
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    import keras

    from lib.heap import freeze_imports

    freeze_imports()  # collections during training skip the imported libraries (lib/heap.py)
    return keras.config.backend()


@contextmanager
def reporting(every_s: float, report: Callable[[], None], name: str = "kp-progress") -> Iterator[None]:
    """Call ``report`` every ``every_s`` seconds while the block runs; once more never after it.

    A failing report (a lost server, a closed pipe) costs that snapshot, never the job.
    """
    finished = threading.Event()

    def loop() -> None:
        while not finished.wait(every_s):
            try:
                report()
            except Exception:  # noqa: BLE001 - progress is best effort; the job goes on
                continue

    reporter = threading.Thread(target=loop, name=name, daemon=True)
    reporter.start()
    try:
        yield
    finally:
        finished.set()
        reporter.join()
