"""What runs on a Ray worker (``lib.train.ray_executor.RayExecutor`` sends it there).

The counterpart of ``lib/worker_main.py`` for a cluster: the worker may be another
machine, so it never reads the server's disk. It receives the run's validated config and
the run folder's files (``seed``: status, history, and for a resume or transfer the model
it starts from), trains in a private temporary folder with the same training loop as a
local worker (a folder it deletes afterwards; the next job on the machine deletes those of
workers that were killed), loads the dataset itself (its own Keras cache, the same
loaders), and:

- every ``PUSH_EVERY_S`` pushes a snapshot to the :class:`ProgressHub` actor: the live
  progress (epoch, batch, loss, samples/s) and the files that changed since the last push
  (history, batches, status, log, the epoch checkpoint). The hub's answer says whether
  the server asked to stop, which the training loop sees as its stop flag.
- returns every file of the run folder at the end (final and checkpoint ``.keras``
  included); the server writes them into its run store atomically.

Nothing here imports Ray or Keras at module level: the Keras backend comes from the task's
``KERAS_BACKEND`` (set by the executor through Ray's ``runtime_env``) before Keras loads.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PUSH_EVERY_S = 0.25  # progress reaches the server this often; Stop is seen as fast
SKIP_PREFIXES = (".",)  # atomic writes' temporary files (".status.json.x.part")
OWN_DATA = "@data/"  # seed entries carrying an uploaded dataset, installed in the worker's data folder
FOLDER_PREFIX = "kp-ray-"  # a job's temporary folder: kp-ray-<worker pid>-<random>


class ProgressHub:
    """A small actor between running jobs and the server: snapshots one way, Stop the other.

    The server creates one per executor (no CPU reserved). Each job has a key; a job pushes
    its latest snapshot and reads its stop flag in the same call, and the server takes the
    snapshot (files accumulate until taken, newest version of each) every poll.
    """

    def __init__(self) -> None:
        self._live: dict[str, dict] = {}
        self._files: dict[str, dict[str, bytes]] = {}
        self._stop: set[str] = set()

    def push(self, key: str, live: dict, files: dict[str, bytes]) -> bool:
        """Store a job's snapshot; True when the server asked that job to stop."""
        self._live[key] = live
        self._files.setdefault(key, {}).update(files)
        return key in self._stop

    def take(self, key: str) -> tuple[dict | None, dict[str, bytes]]:
        """The job's latest live progress and the files changed since the last take."""
        return self._live.get(key), self._files.pop(key, {})

    def stop(self, key: str) -> None:
        """Ask the job ``key`` to stop (it sees it at its next push)."""
        self._stop.add(key)

    def close(self, key: str) -> None:
        """Forget a finished job."""
        self._live.pop(key, None)
        self._files.pop(key, None)
        self._stop.discard(key)


class _RemoteStop:
    """A ``threading.Event`` the pusher thread sets when the hub says stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def is_set(self) -> bool:
        """True once the server asked this job to stop."""
        return self._event.is_set()

    def set(self) -> None:
        """Mark the job as asked to stop."""
        self._event.set()


def whereabouts() -> dict[str, Any]:
    """Where this job runs, as the pages show it: node ``hostname (ip)``, its id, the process."""
    import ray

    node = f"{socket.gethostname()} ({ray.util.get_node_ip_address()})"
    return {
        "where": "cluster",
        "node": node,
        "node_id": ray.get_runtime_context().get_node_id(),
        "worker_pid": os.getpid(),
    }


def changed_files(folder: Path, seen: dict[str, tuple[int, int]]) -> dict[str, bytes]:
    """Files of ``folder`` that are new or changed since ``seen`` (updated in place)."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(SKIP_PREFIXES) or ".part" in path.name or not path.is_file():
            continue
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if seen.get(path.name) != stamp:
                out[path.name] = path.read_bytes()
                seen[path.name] = stamp
        except OSError:  # replaced between listing and reading: the next push sends it
            continue
    return out


def sweep_dead_folders() -> list[str]:
    """Delete the job folders of worker processes that died mid-job (killed, cancelled, lost).

    A live job deletes its own folder when it ends; a killed one cannot. Each folder is
    named after its process, so any job on this machine can tell which ones are orphans.
    """
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        pid = folder.name.removeprefix(FOLDER_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive, not ours to judge
        return True
    return True


def _import_keras(backend: str) -> None:
    """Load Keras on ``backend`` once per worker process (Ray keeps one process per backend)."""
    if "keras" not in sys.modules and backend == "jax":
        # As in lib/worker_main.py: a JAX worker must not import TensorFlow (+500 MB) just
        # because Keras's seeding would: make that import fail.
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    import keras  # noqa: F401 - the slow import, paid by a worker's first job only

    from lib.demos import gan, playground, pretrained  # noqa: F401 - register their job kinds in this worker
    from lib.heap import freeze_imports

    freeze_imports()  # collections during training skip the imported libraries (lib/heap.py)


def warm_up(backend: str) -> str:
    """Load Keras in a worker of ``backend`` ahead of the first job (the executor's warm start)."""
    _import_keras(backend)
    return backend


def train_job(
    config: dict, seed: dict[str, bytes], run_id: str, more_epochs: int, hub: Any, key: str, backend: str
) -> dict[str, Any]:
    """Train one run on this worker; return its final state, live progress and files.

    ``seed`` maps paths relative to a run store (``<run_id>/status.json``,
    ``<base run>/model.keras``) to their bytes; ``hub`` is the :class:`ProgressHub` handle.
    """
    started = time.monotonic()
    where, stop = whereabouts(), _RemoteStop()
    if _ray_get(hub.push.remote(key, dict(where), {})):  # the page names the node while Keras loads
        stop.set()  # stopped while it waited for a machine: the loop ends after its first steps
    _import_keras(backend)
    from lib.train.executors import rss_mb
    from lib.train.runstore import RunStore, write_json
    from lib.train.training import run_training

    ready = time.monotonic()
    sweep_dead_folders()
    root = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    try:
        store = RunStore(root)
        write_json(store.path(run_id) / "config.json", config)
        install_datasets(seed)
        for name, data in seed.items():
            if name.startswith(OWN_DATA):
                continue
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        folder, seen = store.path(run_id), {}
        changed_files(folder, seen)  # what the server already has is not sent back
        seeded = dict(seen)
        live: dict[str, Any] = dict(where)
        finished = threading.Event()

        def push() -> None:
            while not finished.wait(PUSH_EVERY_S):
                live["memory_mb"] = round(rss_mb(os.getpid()), 1)
                try:
                    if _ray_get(hub.push.remote(key, dict(live), changed_files(folder, seen))):
                        stop.set()
                except Exception:  # noqa: BLE001 - a lost hub costs progress, never the job
                    continue

        pusher = threading.Thread(target=push, name="kp-ray-push", daemon=True)
        pusher.start()
        state = run_training(store, run_id, stop, live, more_epochs)
        finished.set()
        pusher.join()
        live.update(where)
        files = changed_files(folder, seeded)  # everything the server does not have yet
        present = sorted(p.name for p in folder.iterdir() if not p.name.startswith(SKIP_PREFIXES))
        timing = {"import_s": ready - started, "remote_s": time.monotonic() - started}
        return {"state": state, "live": live, "files": files, "present": present, "timing": timing}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def install_datasets(seed: dict[str, bytes]) -> list[str]:
    """Store the uploaded datasets a job carries (``@data/<name>/<file>``) in this machine's data folder."""
    from lib.data import own_store

    carried: dict[str, dict[str, bytes]] = {}
    for key, data in seed.items():
        if key.startswith(OWN_DATA):
            name, file = key[len(OWN_DATA) :].split("/", 1)
            carried.setdefault(name, {})[file] = data
    for name, contents in carried.items():
        own_store.install(name, contents)
    return sorted(carried)


def _ray_get(ref: Any) -> Any:
    import ray

    return ray.get(ref, timeout=30)
