"""What runs on a Ray worker (``lib.train.ray_executor.RayExecutor`` sends it there).

The counterpart of ``lib/train/worker_main.py`` for a cluster: the worker may be another
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
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lib.train.worker_body import load_keras, reporting

PUSH_EVERY_S = 0.25  # progress reaches the server this often; Stop is seen as fast
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
        """Store a job's snapshot (``Progress.to_dict``); True when the server asked that job to stop."""
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


def warm_up(backend: str) -> str:
    """Load Keras in a worker of ``backend`` ahead of the first job (the executor's warm start)."""
    load_keras(backend)
    return backend


def train_job(
    config: dict, seed: dict[str, bytes], run_id: str, more_epochs: int, hub: Any, key: str, backend: str
) -> dict[str, Any]:
    """Train one run on this worker; return its final state, live progress and files.

    ``config`` is the run config's JSON form (``RunConfig.to_dict``: Ray sends plain data).

    ``seed`` maps paths relative to a run store (``<run_id>/status.json``,
    ``<base run>/model.keras``) to their bytes; ``hub`` is the :class:`ProgressHub` handle.
    """
    started = time.monotonic()
    where, stop = whereabouts(), _RemoteStop()
    if _ray_get(hub.push.remote(key, dict(where), {})):  # the page names the node while Keras loads
        stop.set()  # stopped while it waited for a machine: the loop ends after its first steps
    load_keras(backend)
    from lib.train.executors import rss_mb
    from lib.train.progress import Live
    from lib.train.runstore import RunStore
    from lib.train.training import run_training

    ready = time.monotonic()
    sweep_dead_folders()
    root = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    try:
        store = RunStore(root)
        install_datasets(seed)
        store.plant(run_id, config, {k: v for k, v in seed.items() if not k.startswith(OWN_DATA)})
        seen: dict[str, tuple[int, int]] = {}
        store.changed_files(run_id, seen)  # what the server already has is not sent back
        seeded = dict(seen)
        live = Live()
        live.merge(where)

        def push() -> None:  # a lost hub costs progress, never the job (worker_body.reporting)
            live.update(memory_mb=round(rss_mb(os.getpid()), 1))
            if _ray_get(hub.push.remote(key, live.now.to_dict(), store.changed_files(run_id, seen))):
                stop.set()

        with reporting(PUSH_EVERY_S, push, name="kp-ray-push"):
            state = run_training(store, run_id, stop, live, more_epochs)
        live.merge(where)
        files = store.changed_files(run_id, seeded)  # everything the server does not have yet
        present = store.file_names(run_id)
        timing = {"import_s": ready - started, "remote_s": time.monotonic() - started}
        # Ray returns plain data: the progress (and its outcome) as Progress.to_dict.
        return {"state": state, "live": live.now.to_dict(), "files": files, "present": present, "timing": timing}
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
