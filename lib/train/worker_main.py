"""The body of one warm worker process (spawned by ``lib.train.executors.ProcessExecutor``).

Imports nothing of Keras at module level: the worker sets ``KERAS_BACKEND`` (and, with
GPUs, ``CUDA_VISIBLE_DEVICES``) first, then imports Keras once, then trains job after job.
It talks to the server through one pipe: ``("ready", pid, backend)``, then per job many
``("live", {...})`` snapshots and one ``("done", state, {...})``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

LIVE_EVERY_S = 0.2  # how often progress is sent to the server while a job runs


class SharedFlag:
    """A ``threading.Event``-like view of a shared byte the server sets to stop the job."""

    def __init__(self, value: Any):
        self._value = value

    def is_set(self) -> bool:
        """True once the server asked this job to stop."""
        return bool(self._value.value)

    def set(self) -> None:
        """Stop from inside the worker (unused by the server; kept for the Event interface)."""
        self._value.value = 1


def main(conn: Any, stop_value: Any, backend: str, env: dict[str, str], parent_pid: int | None = None) -> None:
    """Serve jobs until told to quit (or the pipe closes); end at once if the server dies.

    While a job runs, a pid file in the runs folder names this worker and its server, so a
    server started after this one died can find and stop it (``lib/train/orphans.py``).
    """
    from lib.train import orphans
    from lib.train.worker_body import load_keras, reporting

    orphans.die_with_parent(parent_pid or os.getppid())
    os.environ.update(env)
    os.environ["KERAS_BACKEND"] = backend
    loaded = load_keras(backend)  # the one slow import, done before the first job

    from lib.train.progress import Live
    from lib.train.runstore import RunStore
    from lib.train.training import run_training

    send_lock = threading.Lock()

    def send(message: tuple) -> None:
        with send_lock:
            conn.send(message)

    send(("ready", os.getpid(), loaded))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "quit":
            return
        _, root, run_id, more_epochs = message
        live = Live()
        orphans.write_pid_file(Path(root), run_id)
        try:  # snapshots cross the pipe as plain data (Progress.to_dict), merged by the server
            with reporting(LIVE_EVERY_S, lambda live=live: send(("live", live.now.to_dict()))):
                state = run_training(RunStore(Path(root)), run_id, SharedFlag(stop_value), live, more_epochs)
        finally:
            orphans.remove_pid_file(Path(root))
        send(("done", state, live.now.to_dict()))
