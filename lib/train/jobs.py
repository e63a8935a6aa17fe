"""The job manager: trains runs in worker threads, outside any Streamlit script run.

Held once per server (``st.cache_resource``), so jobs survive reruns, page changes and
closed tabs. A bounded pool works through a FIFO queue; the pages poll it.

Nothing a job does may stop the queue for everyone: a worker catches every failure of
its job (and of the run store while recording it), dead workers are replaced, and a run
left "running" with no worker behind it reads as failed (the watchdog in :meth:`status`).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from lib.train.config_check import check_config
from lib.train.executors import ProcessExecutor, ThreadExecutor
from lib.train.runstore import RunStore, Status, config_hash
from lib.train.training import clean_detail

ACTIVE = ("queued", "running")


def default_workers() -> int:
    """Concurrent jobs: ``$KP_WORKERS``, else half the cores (each backend uses several)."""
    configured = os.environ.get("KP_WORKERS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else max(1, (os.cpu_count() or 2) // 2)


def default_executor(workers: int):
    """``$KP_EXECUTOR``: ``process`` (default: warm worker processes) or ``thread`` (in the server).

    A configured Ray cluster (``lib/train/ray_executor.py``) replaces the process pool.
    """
    if os.environ.get("KP_EXECUTOR", "process") == "thread":
        return ThreadExecutor()
    from lib.train.ray_executor import cluster_or

    return cluster_or(lambda: ProcessExecutor(workers, warm=("jax",)))


@dataclass
class Job:
    """A queued or running training job and the sessions watching it."""

    run_id: str
    more_epochs: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    live: dict[str, Any] = field(default_factory=dict)
    running: bool = False
    watchers: set[str] = field(default_factory=set)
    owner: str = ""  # the session that asked first: round-robin is between owners
    exclusive: bool = True  # counts toward its owner's one-active-job limit


@dataclass
class Submitted:
    """What :meth:`JobManager.submit` did.

    ``cached``, ``queued``, ``active`` (already), ``failed`` (the store refused it) or
    ``busy`` (this session already has a job queued or running: ``run_id`` names that one).
    """

    run_id: str
    outcome: str


class JobManager:
    """Queue, run, stop and resume training jobs."""

    def __init__(self, store: RunStore | None = None, workers: int | None = None, trainer=None, executor=None):
        self.store = store or RunStore()
        self.workers = workers or default_workers()
        if executor is None:
            executor = ThreadExecutor(trainer) if trainer is not None else default_executor(self.workers)
        self.executor = executor
        self._served: dict[str, int] = {}  # owner -> dispatch counter when last served (round-robin)
        self._dispatched = 0
        self._queue: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}
        self._lost: dict[str, Status] = {}  # outcomes the run store could not record
        self._threads: list[threading.Thread] = []
        self._lock = threading.Condition()
        self.interrupted = self.store.mark_interrupted()  # left running by a previous server
        with self._lock:
            self._ensure_workers()

    def _ensure_workers(self) -> None:
        """Start workers until the pool is full again (a dead one is replaced). Holds the lock."""
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < getattr(self.executor, "slots", lambda: self.workers)():
            thread = threading.Thread(target=self._work, name=f"train-worker-{len(self._threads)}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(self, config: dict[str, Any], force: bool = False, owner: str = "", exclusive: bool = True) -> Submitted:
        """Queue a run for ``config``; a finished identical run is returned as cached.

        ``owner`` names the browser session asking; a session asking for a run that is
        already active becomes one more watcher of it (see :meth:`stop`). A session has at
        most one queued-or-running ``exclusive`` job (a classroom's fairness rule); the
        demos, which start a set of runs for one experiment, submit theirs non-exclusive.

        Raises:
            ConfigError: the config cannot train (checked against every registry first).
        """
        check_config(config)
        run_id = config_hash(config)
        with self._lock:
            self._ensure_workers()
            if job := self._jobs.get(run_id):
                job.watchers.add(owner)
                return Submitted(run_id, "active")
            if not force and self.store.exists(run_id) and self.store.status(run_id).state == "done":
                return Submitted(run_id, "cached")
            if exclusive and (mine := self.active_job_of(owner)):
                return Submitted(mine, "busy")
            try:
                self.store.create(config)
            except OSError as exc:
                self._lost[run_id] = Status(state="failed", message="disk", detail=clean_detail(str(exc)))
                return Submitted(run_id, "failed")
            self._lost.pop(run_id, None)
            self._enqueue(Job(run_id, watchers={owner}, owner=owner, exclusive=exclusive))
        return Submitted(run_id, "queued")

    def active_job_of(self, owner: str) -> str | None:
        """The run id of ``owner``'s queued or running job that counts toward the limit, if any."""
        if not owner:
            return None
        return next((j.run_id for j in self._jobs.values() if j.exclusive and owner in j.watchers), None)

    def resume(self, run_id: str, more_epochs: int, owner: str = "") -> bool:
        """Continue a finished run from its saved model for ``more_epochs`` epochs."""
        with self._lock:
            if run_id in self._jobs or self.store.best_model_path(run_id) is None:
                return False
            try:
                self.store.update_status(run_id, state="queued", message="")
            except OSError:
                return False
            self._ensure_workers()
            self._lost.pop(run_id, None)
            self._enqueue(Job(run_id, more_epochs, watchers={owner}, owner=owner))
        return True

    def _enqueue(self, job: Job) -> None:
        self._jobs[job.run_id] = job
        self._queue.append(job)
        self._lock.notify()

    def stop(self, run_id: str, owner: str | None = None) -> bool:
        """Stop a job: a queued one leaves the queue, a running one ends after its batch.

        With ``owner``, that session stops watching; the job stops only when it was the
        last watcher (two students who asked for the same settings share one run, and one
        of them must not stop the other's). Returns True when the job was stopped.
        """
        with self._lock:
            job = self._jobs.get(run_id)
            if job is None:
                return False
            if owner is not None:
                job.watchers.discard(owner)
                if job.watchers:
                    return False
            job.stop.set()
            if not job.running:
                self._queue.remove(job)
                del self._jobs[run_id]
                self._record(run_id, {"state": "stopped", "message": "stopped_by_user", "detail": ""})
        return True

    def watchers(self, run_id: str) -> int:
        """How many sessions watch an active job (0 when not active)."""
        job = self._jobs.get(run_id)
        return len(job.watchers) if job else 0

    def _pick(self, queue: list[Job], served: dict[str, int]) -> Job:
        """Round-robin: the queued job whose owner was served longest ago (ties: first come)."""
        return min(queue, key=lambda job: (served.get(job.owner, -1), queue.index(job)))

    def queue_position(self, run_id: str) -> int | None:
        """1-based place in the order the queue will be served (None when running or not queued)."""
        with self._lock:
            queue, served = list(self._queue), dict(self._served)
        for place in range(1, len(queue) + 1):
            job = self._pick(queue, served)
            if job.run_id == run_id:
                return place
            queue.remove(job)
            served[job.owner] = max(served.values(), default=0) + 1
        return None

    def queue_length(self) -> int:
        """Jobs waiting for a worker."""
        return len(self._queue)

    def describe(self) -> dict[str, Any]:
        """The executor's workers plus the queue (for the Runs page's class view)."""
        running = len(self._jobs) - len(self._queue)
        return {**self.executor.describe(), "queued": self.queue_length(), "running": running}

    def live(self, run_id: str) -> dict[str, Any] | None:
        """The running job's live progress (epoch, batch, loss, samples/s), if running."""
        job = self._jobs.get(run_id)
        return dict(job.live) if job and job.running else None

    def is_active(self, run_id: str) -> bool:
        """True while queued or running."""
        return run_id in self._jobs

    def status(self, run_id: str) -> Status:
        """The run's status as the pages should show it.

        Adds what the disk may not hold: an outcome the store could not write, and the
        watchdog's verdict on a run left queued/running with no job behind it.
        """
        with self._lock:
            if run_id in self._lost:
                return self._lost[run_id]
            status = self.store.status(run_id)
            if status.state in ACTIVE and run_id not in self._jobs:
                self._record(run_id, {"state": "failed", "message": "worker_lost", "detail": ""})
                return self._lost.get(run_id) or self.store.status(run_id)
            return status

    def _record(self, run_id: str, outcome: dict[str, str]) -> None:
        """Write a job's final state; if the store refuses, keep it in memory. Holds the lock."""
        try:
            self.store.update_status(run_id, **outcome)
        except OSError as exc:
            status = replace(self.store.status(run_id), **outcome)
            if outcome["message"] != "disk":
                status = replace(status, state="failed", message="disk", detail=clean_detail(str(exc)))
            self._lost[run_id] = status

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    self._lock.wait()
                job = self._pick(list(self._queue), self._served)
                self._queue.remove(job)
                self._dispatched += 1
                self._served[job.owner] = self._dispatched
                job.running = True
            self._run(job)

    def _run(self, job: Job) -> None:
        """Run one job; whatever happens, the run ends in a final state and the worker goes on."""
        try:
            self.executor.run(self.store, job.run_id, job.stop, job.live, job.more_epochs)
        except Exception as exc:  # noqa: BLE001 - the trainer itself broke: the queue must go on
            job.live["outcome"] = {"state": "failed", "message": "exception", "detail": clean_detail(repr(exc))}
        finally:
            with self._lock:
                self._jobs.pop(job.run_id, None)
                outcome = job.live.get("outcome")
                status = self.store.status(job.run_id)
                if outcome and (outcome["message"] == "disk" or status.state in ACTIVE):
                    self._record(job.run_id, outcome)
                elif status.state in ACTIVE:
                    self._record(job.run_id, {"state": "failed", "message": "worker_lost", "detail": ""})
