"""The job manager: trains runs in worker threads, outside any Streamlit script run.

Held once per server (``st.cache_resource``), so jobs survive reruns, page changes and
closed tabs. A bounded pool works through a FIFO queue; the pages poll it.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from lib.runstore import RunStore, config_hash
from lib.training import run_training


def default_workers() -> int:
    """Concurrent jobs for this machine: half its cores (TensorFlow uses several each)."""
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass
class Job:
    """A queued or running training job."""

    run_id: str
    more_epochs: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    live: dict[str, Any] = field(default_factory=dict)
    running: bool = False


@dataclass
class Submitted:
    """What :meth:`JobManager.submit` did: ``cached``, ``queued`` or ``active`` (already)."""

    run_id: str
    outcome: str


class JobManager:
    """Queue, run, stop and resume training jobs."""

    def __init__(self, store: RunStore | None = None, workers: int | None = None, trainer=run_training):
        self.store = store or RunStore()
        self.workers = workers or default_workers()
        self._trainer = trainer
        self._queue: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Condition()
        self.interrupted = self.store.mark_interrupted()  # left running by a previous server
        for i in range(self.workers):
            threading.Thread(target=self._work, name=f"train-worker-{i}", daemon=True).start()

    def submit(self, config: dict[str, Any], force: bool = False) -> Submitted:
        """Queue a run for ``config``; a finished identical run is returned as cached."""
        run_id = config_hash(config)
        with self._lock:
            if run_id in self._jobs:
                return Submitted(run_id, "active")
            if not force and self.store.exists(run_id) and self.store.status(run_id).state == "done":
                return Submitted(run_id, "cached")
            self.store.create(config)
            self._enqueue(Job(run_id))
        return Submitted(run_id, "queued")

    def resume(self, run_id: str, more_epochs: int) -> bool:
        """Continue a finished run from its last checkpoint for ``more_epochs`` epochs."""
        with self._lock:
            if run_id in self._jobs or not self.store.model_path(run_id, "checkpoint").exists():
                return False
            self.store.update_status(run_id, state="queued", message="")
            self._enqueue(Job(run_id, more_epochs))
        return True

    def _enqueue(self, job: Job) -> None:
        self._jobs[job.run_id] = job
        self._queue.append(job)
        self._lock.notify()

    def stop(self, run_id: str) -> None:
        """Stop a job: a queued one leaves the queue, a running one ends after its batch."""
        with self._lock:
            job = self._jobs.get(run_id)
            if job is None:
                return
            job.stop.set()
            if not job.running:
                self._queue.remove(job)
                del self._jobs[run_id]
                self.store.update_status(run_id, state="stopped", message="stopped_by_user")

    def queue_position(self, run_id: str) -> int | None:
        """1-based place in the queue (None when running or not queued)."""
        with self._lock:
            for place, job in enumerate(self._queue, start=1):
                if job.run_id == run_id:
                    return place
        return None

    def live(self, run_id: str) -> dict[str, Any] | None:
        """The running job's live progress (epoch, batch, loss, samples/s), if running."""
        job = self._jobs.get(run_id)
        return dict(job.live) if job and job.running else None

    def is_active(self, run_id: str) -> bool:
        """True while queued or running."""
        return run_id in self._jobs

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    self._lock.wait()
                job = self._queue.popleft()
                job.running = True
            try:
                self._trainer(self.store, job.run_id, job.stop, job.live, job.more_epochs)
            finally:
                with self._lock:
                    self._jobs.pop(job.run_id, None)
