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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from lib.train import orphans
from lib.train.config_check import check_config
from lib.train.executors import Executor, ProcessExecutor, ThreadExecutor
from lib.train.host import available_memory_mb, job_memory_mb, server_plan
from lib.train.outcome import STOPPED, WORKER_LOST, Outcome
from lib.train.progress import Live, Progress
from lib.train.run_config import Continues, RunConfig, as_run_config
from lib.train.runstore import ParentMissing, RunStore, Status, config_hash
from lib.train.training import clean_detail

ACTIVE = ("queued", "running")
MEMORY_RECHECK_S = 1.0  # while memory is short, the queue looks again this often


def default_workers() -> int:
    """Concurrent jobs: ``$KP_WORKERS``, else what the host's CPU and memory limits hold (lib/train/host.py)."""
    return server_plan().workers


def default_executor(workers: int) -> Executor:
    """``$KP_EXECUTOR``: ``process`` (default: warm worker processes) or ``thread`` (in the server).

    A configured Ray cluster (``lib/train/ray_executor.py``) replaces the process pool.
    """
    if os.environ.get("KP_EXECUTOR", "process") == "thread":
        return ThreadExecutor()
    from lib.train.ray_executor import cluster_or

    plan = server_plan()
    return cluster_or(lambda: ProcessExecutor(workers, memory_mb=plan.worker_memory_mb, warm=plan.warm))


def continued_config(parent: RunConfig, parent_id: str, epochs_done: int, more_epochs: int) -> RunConfig:
    """The config of ``parent`` continued from its epoch ``epochs_done`` for ``more_epochs`` more."""
    return parent.with_fit(epochs=epochs_done + more_epochs).replace(continues=Continues(parent_id, epochs_done))


def own_copy(config: RunConfig, nickname: str) -> RunConfig:
    """``config`` as ``nickname``'s own copy: the same settings, a run of its own (``owner`` in its hash).

    Configs without ``owner`` (every run from before copies existed) keep their hash.
    """
    return config.replace(owner=nickname)


@dataclass
class Job:
    """A queued or running training job and the sessions watching it."""

    run_id: str
    more_epochs: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    live: Live = field(default_factory=Live)
    running: bool = False
    watchers: set[str] = field(default_factory=set)
    owner: str = ""  # the session that asked first: round-robin is between owners
    exclusive: bool = True  # counts toward its owner's one-active-job limit


@dataclass
class Submitted:
    """What :meth:`JobManager.submit` did.

    ``cached``, ``queued``, ``active`` (already), ``failed`` (the store refused it),
    ``busy`` (this session already has a job queued or running: ``run_id`` names that one),
    ``not_owner`` (training someone else's finished run again), ``parent_missing`` (the run
    to continue is gone) or ``not_resumable`` (it is active or has no saved model).
    """

    run_id: str
    outcome: str


class JobManager:
    """Queue, run, stop and resume training jobs."""

    def __init__(
        self,
        store: RunStore | None = None,
        workers: int | None = None,
        trainer=None,
        executor: Executor | None = None,
        free_memory: Callable[[], float | None] = available_memory_mb,
        job_memory: float | None = None,
    ):
        self.store = store or RunStore()
        # Before a job goes to a worker, the host must have this much memory free (else it waits).
        self._free_memory, self.job_memory_mb = free_memory, job_memory if job_memory is not None else job_memory_mb()
        self.memory_short: tuple[float, float] | None = None  # (free, needed) MB while jobs wait for memory
        self.workers = workers or default_workers()
        if executor is None:
            executor = ThreadExecutor(trainer) if trainer is not None else default_executor(self.workers)
        self.executor: Executor = executor
        self._served: dict[str, int] = {}  # owner -> dispatch counter when last served (round-robin)
        self._dispatched = 0
        self._queue: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}
        self._lost: dict[str, Status] = {}  # outcomes the run store could not record
        self._threads: list[threading.Thread] = []
        self._lock = threading.Condition()
        # Left running by a previous server: its workers are stopped first, so none of them
        # writes to a run after it was marked interrupted (lib/train/orphans.py).
        self.orphans_stopped, live_elsewhere = orphans.stop_orphans(self.store.root)
        self.interrupted = self.store.mark_interrupted(keep=live_elsewhere)
        with self._lock:
            self._ensure_workers()

    def _ensure_workers(self) -> None:
        """Start workers until the pool is full again (a dead one is replaced). Holds the lock."""
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < getattr(self.executor, "slots", lambda: self.workers)():
            thread = threading.Thread(target=self._work, name=f"train-worker-{len(self._threads)}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(
        self,
        config: RunConfig | dict[str, Any],
        force: bool = False,
        owner: str = "",
        exclusive: bool = True,
        nickname: str = "",
        personal: bool = False,
    ) -> Submitted:
        """Queue a run for ``config``; a finished identical run is returned as cached.

        ``owner`` names the browser session asking; a session asking for a run that is
        already active becomes one more watcher of it (see :meth:`stop`). A session has at
        most one queued-or-running ``exclusive`` job (a classroom's fairness rule); the
        demos, which start a set of runs for one experiment, submit theirs non-exclusive.
        ``nickname`` is recorded with the run (the first to ask owns it). ``force`` trains
        a finished run again; only its owner may (``not_owner`` otherwise).

        ``personal`` (the Training page's Train): the run must be ``nickname``'s own. When
        the same settings already are someone else's run, this person gets a copy of their
        own (the config names them as ``owner``, so it has its own hash and folder), theirs
        to stop, continue and delete; asking again answers from that copy's cache.

        A config given as its JSON form (a link, an import) is read into a :class:`RunConfig` here.

        Raises:
            ConfigError: the config cannot train (checked against every registry first).
        """
        check_config(config)
        config = as_run_config(config)
        with self._lock:
            if personal and nickname:
                config = self._personal(config, nickname)
            run_id = config_hash(config)
            self._ensure_workers()
            if job := self._jobs.get(run_id):
                job.watchers.add(owner)
                self._claim(run_id, nickname)
                return Submitted(run_id, "active")
            done = self.store.exists(run_id) and self.store.status(run_id).state == "done"
            if done and not force:
                self._claim(run_id, nickname)
                return Submitted(run_id, "cached")
            if done and self.store.owner(run_id).get("owner") not in ("", nickname):
                return Submitted(run_id, "not_owner")
            if exclusive and (mine := self.active_job_of(owner)):
                return Submitted(mine, "busy")
            try:
                self.store.create(config, nickname)
            except ParentMissing:
                return Submitted(run_id, "parent_missing")
            except OSError as exc:
                self._lost[run_id] = Status(state="failed", message="disk", detail=clean_detail(str(exc)))
                return Submitted(run_id, "failed")
            self._lost.pop(run_id, None)
            more = config.fit.epochs - config.continues.epoch if config.continues else 0
            self._enqueue(Job(run_id, more, watchers={owner}, owner=owner, exclusive=exclusive))
        return Submitted(run_id, "queued")

    def _personal(self, config: RunConfig, nickname: str) -> RunConfig:
        """``config`` as ``nickname``'s own run: the shared one if theirs (or nobody's), else their copy."""
        shared = config.replace(owner=None)
        own = own_copy(shared, nickname)
        if self._known(config_hash(own)):
            return own
        shared_id = config_hash(shared)
        if self._known(shared_id) and self.store.owner(shared_id).get("owner") not in ("", nickname):
            return own
        return shared

    def _known(self, run_id: str) -> bool:
        return run_id in self._jobs or self.store.exists(run_id)

    def _claim(self, run_id: str, nickname: str) -> None:
        try:
            self.store.claim(run_id, nickname)
        except OSError:
            pass  # who asked is a note; a full disk must not refuse a cached answer

    def active_job_of(self, owner: str) -> str | None:
        """The run id of ``owner``'s queued or running job that counts toward the limit, if any."""
        if not owner:
            return None
        return next((j.run_id for j in self._jobs.values() if j.exclusive and owner in j.watchers), None)

    def resume(
        self, run_id: str, more_epochs: int, owner: str = "", nickname: str = "", personal: bool = False
    ) -> Submitted:
        """Continue a finished run for ``more_epochs`` epochs: as a new run, its child.

        The parent is never changed (its cached answer stays what was asked); the child's
        config names the parent and the epoch it starts from, so it is cached like any run.
        """
        if self.is_active(run_id) or self.store.best_model_path(run_id) is None:
            return Submitted(run_id, "not_resumable")
        child = continued_config(self.store.config(run_id), run_id, self.store.status(run_id).epochs_done, more_epochs)
        return self.submit(child, owner=owner, nickname=nickname, personal=personal)

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
                self._record(run_id, STOPPED)
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

    def wait_reason(self, run_id: str) -> tuple[str, dict[str, Any]] | None:
        """Why an active job has not started training yet, as a catalog code and its values.

        ``memory`` (the host is short of memory: the queue waits), ``queued`` (every worker is
        busy: its place and the runs training), ``starting`` (handed to a worker that is still
        importing Keras); None when it trains or is not active.
        """
        job = self._jobs.get(run_id)
        if job is None:
            return None
        if job.running:
            now = job.live.now
            cold = now.epoch is None and now.where == "local" and now.worker_pid == 0
            return ("starting", {}) if cold else None  # worker_pid stays 0 until its worker is ready
        place = self.queue_position(run_id) or 1
        if short := self.memory_short:
            return "memory", {"pos": place, "free": round(short[0]), "need": round(short[1])}
        return "queued", {"pos": place, "waiting": self.queue_length(), "running": len(self._jobs) - len(self._queue)}

    def queue_length(self) -> int:
        """Jobs waiting for a worker."""
        return len(self._queue)

    def describe(self) -> dict[str, Any]:
        """The executor's workers plus the queue (for the Runs page's class view)."""
        running = len(self._jobs) - len(self._queue)
        return {**self.executor.describe(), "queued": self.queue_length(), "running": running, "plan": server_plan()}

    def live(self, run_id: str) -> Progress | None:
        """The running job's live progress (epoch, batch, loss, samples/s), if running."""
        job = self._jobs.get(run_id)
        return job.live.now if job and job.running else None

    def is_active(self, run_id: str) -> bool:
        """True while queued or running."""
        return run_id in self._jobs

    def idle(self) -> bool:
        """True when no job is queued or running."""
        return not self._jobs

    def status(self, run_id: str) -> Status:
        """The run's status as the pages should show it.

        Adds what the disk may not hold: an outcome the store could not write, and the
        watchdog's verdict on a run left queued/running with no job behind it.
        """
        # Every live view of every student asks this each poll: the disk is read outside the
        # lock (a class's polls queued behind one another on it, and a Train press behind them).
        if (lost := self._lost.get(run_id)) is not None:
            return lost
        status = self.store.status(run_id)
        if status.state not in ACTIVE or run_id in self._jobs:
            return status
        with self._lock:  # looks again under the lock: the job may have started or ended since
            if run_id in self._lost:
                return self._lost[run_id]
            status = self.store.status(run_id)
            if status.state in ACTIVE and run_id not in self._jobs:
                self._record(run_id, WORKER_LOST)
                return self._lost.get(run_id) or self.store.status(run_id)
            return status

    def _record(self, run_id: str, outcome: Outcome) -> None:
        """Write a job's final state; if the store refuses, keep it in memory. Holds the lock."""
        try:
            self.store.update_status(run_id, **outcome.to_dict())
        except OSError as exc:
            status = replace(self.store.status(run_id), **outcome.to_dict())
            if outcome.message != "disk":
                status = replace(status, state="failed", message="disk", detail=clean_detail(str(exc)))
            self._lost[run_id] = status

    def _memory_ok(self) -> bool:
        """True when the host has the memory a job needs (also when it cannot tell). Holds the lock."""
        try:
            free = self._free_memory()
        except (OSError, ValueError):
            free = None
        self.memory_short = None if free is None or free >= self.job_memory_mb else (free, self.job_memory_mb)
        return self.memory_short is None

    def _work(self) -> None:
        while True:
            with self._lock:
                # A job handed to a worker on a host out of memory gets the whole app killed:
                # it waits in the queue instead (the page says why), and the queue looks again.
                while not self._queue or not self._memory_ok():
                    self._lock.wait(MEMORY_RECHECK_S if self._queue else None)
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
            job.live.update(outcome=Outcome("failed", "exception", clean_detail(repr(exc))))
        finally:
            with self._lock:
                self._jobs.pop(job.run_id, None)
                outcome = job.live.now.outcome
                status = self.store.status(job.run_id)
                if outcome and (outcome.message == "disk" or status.state in ACTIVE):
                    self._record(job.run_id, outcome)
                elif status.state in ACTIVE:
                    self._record(job.run_id, WORKER_LOST)
