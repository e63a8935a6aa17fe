"""What every worker does, local or on a Ray node: load Keras once, then report while it trains.

``lib/train/worker_main.py`` (a warm process beside the server) and ``lib/train/ray_worker.py``
(a Ray task) differ in how they talk to the server (a pipe; a hub actor and files), not in
this: both load Keras the same way and send progress snapshots on a timer while
``lib.train.training.run_training`` runs.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# The compiled steps JAX keeps on disk (see use_jax_compilation_cache): the least recently used
# go past this size. A lesson network's steps take 0.1-1 MB.
JAX_CACHE_MB = 256


def load_keras(backend: str) -> str:
    """Import Keras on ``backend`` (once per process); returns the backend Keras reports.

    ``keras.utils.set_random_seed`` also seeds TensorFlow whenever it is installed, which
    imports it (+500 MB). A JAX worker never uses it: the import is made to fail, so Keras
    sees TensorFlow as absent and the worker stays at about half the memory.
    """
    if "keras" not in sys.modules and backend == "jax":
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    import keras

    if backend == "jax":
        use_jax_compilation_cache(jax_cache_dir())

    from lib.heap import freeze_imports

    freeze_imports()  # collections during training skip the imported libraries (lib/heap.py)
    return keras.config.backend()


def jax_cache_dir() -> Path | None:
    """Where JAX workers keep compiled steps: ``$KP_JAX_CACHE`` (empty: nowhere), else in Keras's home."""
    from lib.data.keras_cache import keras_home

    asked = os.environ.get("KP_JAX_CACHE")
    if asked is not None:
        return Path(asked) if asked.strip() else None
    return keras_home() / "jax-compilation-cache"


def use_jax_compilation_cache(folder: Path | None) -> bool:
    """Keep JAX's compiled train and test steps in ``folder``, for every later job of any worker.

    A job's model is new, so JAX compiles its steps again in every job: 2.4-3.2 s of CPU for
    a lesson MLP's 1-epoch run in a fresh process, 4-5x the rest of the job (README, "Training:
    worker processes and Keras backends"). A class trains the same network on the same data,
    and a compiled step depends on neither the seed nor the weights: from the second job on,
    the steps come from disk, the same executable, so the same numbers. A folder that cannot
    be written leaves the cache off (JAX would fail the job); a damaged entry is JAX's to skip
    (it compiles again and warns). Returns whether it is on.
    """
    if folder is None:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    import jax

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # a lesson step compiles in < 1 s
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    # A size limit also makes JAX lock the folder (filelock) while it reads or writes an entry,
    # so two workers never read each other's half-written file.
    jax.config.update("jax_compilation_cache_max_size", JAX_CACHE_MB * 2**20)
    return True


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
