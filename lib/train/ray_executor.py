"""Train on a Ray cluster: the same executor interface as the local worker pool.

Chosen by configuration only (never by a page): ``$KP_RAY_ADDRESS`` or, in
``.streamlit/secrets.toml``::

    [ray]
    address = "10.0.0.1:6379"   # a Ray head; "local" starts a private instance here
    token = "..."               # the cluster's auth token (Ray's token authentication)
    cpus_per_job = 2            # CPUs one job reserves (default 2, capped by the largest node)
    gpus_per_job = "auto"       # "auto": 1 when the cluster has GPUs, else 0; or a number

(``$KP_RAY_TOKEN``, ``$KP_RAY_CPUS_PER_JOB`` and ``$KP_RAY_GPUS_PER_JOB`` override the file.)
Without an address nothing here runs and Ray is never imported: the process pool stays the
default.

How a job runs (``lib/train/ray_worker.py`` is the other side):

- The job manager keeps the queue and its fairness rules (one active job per session,
  round-robin); it runs as many jobs at once as the cluster has slots (:meth:`slots`).
- Each job is one Ray task with ``num_cpus`` (and ``num_gpus=1`` on a cluster with GPUs)
  and ``KERAS_BACKEND`` in its ``runtime_env``, so Ray keeps warm worker processes per
  backend. The task gets the run's config, checked again here, and the run folder's small
  files (plus the model it starts from for a resume or a transfer, and an uploaded dataset's
  files); it never reads the server's disk and loads a built-in dataset on its own machine.
- Progress flows through a :class:`~lib.train.ray_worker.ProgressHub` actor: the task pushes live
  progress and changed files every 0.25 s; :meth:`RayExecutor.run` takes them and writes the
  files into the run store (atomically, like every store write), so curves, status and the
  epoch checkpoint follow the job live. The task's result carries every file it changed.
- Stop: the hub tells the task, whose training loop stops after its current batches (the
  epoch is checkpointed, as locally); a task that has not ended ``STOP_GRACE_S`` later is
  cancelled by force (its worker process is killed).
- A worker or node lost mid-job fails the run, with the node named in its message; it is
  not requeued. What was streamed so far stays (curves, and the last epoch's checkpoint, from
  which the student may continue). Retrying would silently repeat a job that may be what
  killed its worker (memory), and would take a second slot of the class's queue.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
import tomllib
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.data import own_store
from lib.train.config_check import check_config
from lib.train.executors import STOP_GRACE_S, resolve_backend
from lib.train.outcome import STOPPED, Outcome
from lib.train.progress import Live, Progress
from lib.train.ray_worker import OWN_DATA
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.training import clean_detail

SECRETS = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml"
NAMESPACE = "keras-playground"
POLL_S = 0.25
CACHE_S = 2.0  # cluster facts (nodes, resources) are read at most this often
THROUGHPUT_WINDOW_S = 600.0


@dataclass(frozen=True)
class RaySettings:
    """Where the cluster is and what one job asks of it (from configuration only)."""

    address: str
    token: str = field(default="", repr=False)
    cpus_per_job: float = 2.0
    gpus_per_job: str = "auto"


def _secrets_section(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            section = tomllib.load(handle).get("ray", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return section if isinstance(section, dict) else {}


def ray_settings(environ: dict[str, str] | None = None, secrets_path: Path = SECRETS) -> RaySettings | None:
    """The configured cluster, or None (then the local process pool is used).

    Raises:
        ValueError: a per-job resource setting that is not a positive number (or ``auto``).
    """
    env = os.environ if environ is None else environ
    section = _secrets_section(secrets_path)
    address = str(env.get("KP_RAY_ADDRESS") or section.get("address") or "").strip()
    if not address:
        return None
    cpus = env.get("KP_RAY_CPUS_PER_JOB") or section.get("cpus_per_job", 2)
    gpus = str(env.get("KP_RAY_GPUS_PER_JOB") or section.get("gpus_per_job", "auto")).strip()
    try:
        cpus = float(cpus)
        if not cpus > 0 or (gpus != "auto" and not float(gpus) >= 0):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"Expected cpus_per_job > 0 and gpus_per_job 'auto' or >= 0. Received: {cpus}, {gpus}"
        ) from None
    token = str(env.get("KP_RAY_TOKEN") or section.get("token") or "")
    return RaySettings(address=address, token=token, cpus_per_job=cpus, gpus_per_job=gpus)


def connect(settings: RaySettings) -> bool:
    """Connect this process to the cluster (once); True when it started a local instance.

    The token goes to Ray through its own environment variables (``RAY_AUTH_MODE``,
    ``RAY_AUTH_TOKEN``), set before Ray loads; Ray's usage statistics are switched off. A
    ``local`` instance gets a fresh token held only in memory, so nothing is written under
    ``~/.ray``.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # a class's server sends nothing out
    if settings.token:
        os.environ["RAY_AUTH_MODE"] = "token"
        os.environ["RAY_AUTH_TOKEN"] = settings.token
    elif settings.address == "local" and "RAY_AUTH_MODE" not in os.environ:
        os.environ["RAY_AUTH_MODE"] = "token"
        os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(16))
    if settings.address != "local":
        probe(settings.address)
    import ray

    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"log_to_driver": False, "namespace": NAMESPACE}
    if settings.address == "local":
        _start_local(lambda: ray.init(address="local", include_dashboard=False, **options))
        return True
    ray.init(address=settings.address, **options)
    return False


def _start_local(init: Callable[[], Any]) -> None:
    """Run ``init`` in a thread that lives as long as the server.

    Ray's local processes die with the *thread* that started them (Linux's
    ``PR_SET_PDEATHSIG``), and Streamlit's script threads end after each run.
    """
    started, failure = threading.Event(), []

    def keep() -> None:
        try:
            init()
        except Exception as exc:  # noqa: BLE001 - handed to the caller below
            failure.append(exc)
        started.set()
        threading.Event().wait()  # never set: this thread is the instance's parent

    threading.Thread(target=keep, name="kp-ray-local", daemon=True).start()
    started.wait()
    if failure:
        raise failure[0]


def probe(address: str, timeout: float = 3.0) -> None:
    """Fail fast when a ``host:port`` address does not answer (Ray itself retries for minutes).

    Raises:
        ConnectionError: nothing listens there.
    """
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto" and other forms: Ray resolves them itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConnectionError(f"No Ray head answers at {address}: {exc}") from None


def seed_files(store: RunStore, run_id: str, config: RunConfig, more_epochs: int) -> dict[str, bytes]:
    """What a worker needs: the run store's seed (:meth:`RunStore.seed`) and an uploaded dataset."""
    out = store.seed(run_id, config, more_epochs)
    if own_store.looks_own(name := config.dataset):  # an uploaded dataset is only on this server
        out |= {f"{OWN_DATA}{name}/{file}": data for file, data in own_store.files(name).items()}
    return out


@dataclass
class ClusterJob:
    """One job this executor follows on the cluster."""

    run_id: str
    backend: str
    key: str
    submitted: float = field(default_factory=time.monotonic)
    node_id: str = ""
    node: str = ""
    live: Progress = field(default_factory=Progress)
    ended: float = 0.0
    timing: dict[str, float] = field(default_factory=dict)


class RayExecutor:
    """Run jobs as Ray tasks; see the module docstring."""

    def __init__(self, settings: RaySettings | None = None, warm: tuple[str, ...] = ()):
        self.settings = settings or RaySettings("local")
        self._owns_ray = connect(self.settings)
        import ray

        from lib.train import ray_worker

        self._ray = ray
        self._task = ray.remote(ray_worker.train_job)
        warm_task = ray.remote(ray_worker.warm_up)
        self._hub = ray.remote(num_cpus=0)(ray_worker.ProgressHub).options(**self._near_server()).remote()
        self._lock = threading.Lock()
        self._active: dict[str, ClusterJob] = {}
        self._finished: deque[ClusterJob] = deque(maxlen=1000)
        self._cache: dict[str, tuple[float, Any]] = {}
        self._refreshing: set[str] = set()
        self.head_error = ""  # why the last read of the cluster's state failed, if it did
        self._failed_at = 0.0  # when it failed (monotonic)
        self._since = time.monotonic()
        self.replaced = 0  # workers lost mid-job
        for backend in warm:
            warm_task.options(**self.task_options(backend, "warm-up")).remote(backend)

    def _near_server(self) -> dict[str, Any]:
        """Place the hub on this server's node when the server is one (fewer hops), else anywhere."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        try:
            here = self._ray.get_runtime_context().get_node_id()
        except Exception:  # noqa: BLE001 - a client outside the cluster: let Ray choose
            return {}
        return {"scheduling_strategy": NodeAffinitySchedulingStrategy(here, soft=True)}

    # --- the cluster's shape -------------------------------------------------------------------

    def _cached(self, name: str, read: Callable[[], Any]) -> Any:
        """``read()``'s value, at most ``CACHE_S`` old; refreshed in the background.

        Pages and the job manager (under its lock) ask often: they get the last value at
        once, never a wait on a head that is slow or gone.
        """
        entry = self._cache.get(name)
        if entry is None:
            self._cache[name] = (time.monotonic(), read())
            return self._cache[name][1]
        if time.monotonic() - entry[0] > CACHE_S and name not in self._refreshing:
            self._refreshing.add(name)
            threading.Thread(target=self._refresh, args=(name, read), name="kp-ray-facts", daemon=True).start()
        return entry[1]

    def _refresh(self, name: str, read: Callable[[], Any]) -> None:
        asked = time.monotonic()
        try:
            self._cache[name] = (time.monotonic(), read())
            # Only an answer asked for after the last failure says the head is back: one that
            # left before it (a slow read of another fact) proves nothing (it hid the failure).
            if asked > self._failed_at:
                self.head_error = ""
        except Exception as exc:  # noqa: BLE001 - shown on the Runs page; the old value stays
            self.head_error = clean_detail(f"{type(exc).__name__}: {exc}", 200)
            self._failed_at = time.monotonic()
        finally:
            self._refreshing.discard(name)

    def nodes(self) -> list[dict[str, Any]]:
        """The cluster's nodes: id, ``host (ip)``, alive, CPUs and GPUs."""

        def read() -> list[dict[str, Any]]:
            return [
                {"id": n["NodeID"], "node": f"{n.get('NodeManagerHostname', '?')} ({n.get('NodeManagerAddress', '?')})",
                 "alive": bool(n.get("Alive")), "cpus": n.get("Resources", {}).get("CPU", 0.0),
                 "gpus": n.get("Resources", {}).get("GPU", 0.0)}
                for n in self._ray.nodes()
            ]  # fmt: skip

        return self._cached("nodes", read)

    def _per_job(self) -> tuple[float, float]:
        """CPUs and GPUs one job asks for: the configured CPUs (capped by the largest node)."""
        alive = [n for n in self.nodes() if n["alive"]]
        largest = max((n["cpus"] for n in alive), default=1.0)
        cpus = min(self.settings.cpus_per_job, max(largest, 1.0))
        if self.settings.gpus_per_job == "auto":
            gpus = 1.0 if any(n["gpus"] > 0 for n in alive) else 0.0
        else:
            gpus = float(self.settings.gpus_per_job)
        return cpus, gpus

    def slots(self) -> int:
        """How many jobs the cluster runs at once (the job manager starts that many)."""
        try:
            cpus, gpus = self._per_job()
            alive = [n for n in self.nodes() if n["alive"]]
        except Exception:  # noqa: BLE001 - the head did not answer: keep the threads there are
            return 1
        by_node = [min(int(n["cpus"] // cpus), int(n["gpus"] // gpus) if gpus else 1 << 30) for n in alive]
        return max(1, sum(by_node))

    def task_options(self, backend: str, run_id: str) -> dict[str, Any]:
        """Ray options of one job: resources, its backend, no retry (a lost worker fails the run)."""
        cpus, gpus = self._per_job()
        env = {"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        return {"num_cpus": cpus, "num_gpus": gpus, "max_retries": 0, "retry_exceptions": False,
                "runtime_env": {"env_vars": env}, "name": f"kp-train-{run_id}"}  # fmt: skip

    # --- one job -------------------------------------------------------------------------------

    def run(self, store: RunStore, run_id: str, stop: threading.Event, live: Live, more_epochs: int) -> str:
        """Run one job on the cluster; see the module docstring."""
        config = store.config(run_id)
        check_config(config)  # what a student typed reaches the cluster only as a checked config
        job = ClusterJob(run_id, resolve_backend(config), key=f"{run_id}-{uuid.uuid4().hex[:8]}")
        live.update(backend=job.backend, where="cluster", node="", worker_pid=None)
        with self._lock:
            self._active[job.key] = job
        try:
            ref = self._task.options(**self.task_options(job.backend, run_id)).remote(
                config.to_dict(), seed_files(store, run_id, config, more_epochs), run_id, more_epochs, self._hub,
                job.key, job.backend,
            )  # fmt: skip  (Ray sends the config's JSON form: plain data)
            state, outcome = self._follow(ref, job, store, stop, live)
        finally:
            self._hub.close.remote(job.key)
            job.ended = time.monotonic()
            with self._lock:
                self._active.pop(job.key, None)
                self._finished.append(job)
        if outcome is not None:
            live.update(outcome=outcome)
        return state

    def _follow(self, ref, job: ClusterJob, store: RunStore, stop: threading.Event, live: Live) -> tuple:
        """Relay progress until the task ends; ``(state, outcome)`` (outcome: the executor's verdict)."""
        asked = None
        while not self._ray.wait([ref], timeout=POLL_S)[0]:
            if (outcome := self._relay(job, store, live)) is not None:
                self._ray.cancel(ref, force=True)
                return outcome.state, outcome
            if stop.is_set():
                if asked is None:
                    asked = time.monotonic()
                    self._hub.stop.remote(job.key)
                elif time.monotonic() - asked > STOP_GRACE_S:  # it ignored Stop: end it the hard way
                    self._ray.cancel(ref, force=True)
                    return "stopped", STOPPED
        try:
            result = self._ray.get(ref)
        except self._ray.exceptions.RayError as err:
            outcome = self._lost(err, job, stop)
            return outcome.state, outcome
        live.merge(result["live"])
        job.live, job.timing = live.now, result["timing"]
        try:
            store.receive(job.run_id, result["files"], live.now.node or "", present=result["present"])
        except OSError as exc:
            return "failed", Outcome("failed", "disk", clean_detail(str(exc)))
        return result["state"], None

    def _relay(self, job: ClusterJob, store: RunStore, live: Live) -> Outcome | None:
        """Take the job's latest snapshot from the hub into ``live`` and the run store."""
        try:
            snapshot, files = self._ray.get(self._hub.take.remote(job.key), timeout=10)
        except self._ray.exceptions.RayError:
            return None  # no progress this time; the task's own result still comes back
        if snapshot:
            told = Progress.from_dict(snapshot)
            live.merge(snapshot)
            job.live, job.node, job.node_id = told, told.node or "", told.node_id or ""
        try:
            store.receive(job.run_id, files, job.node)
        except OSError as exc:
            return Outcome("failed", "disk", clean_detail(str(exc)))
        return None

    def _lost(self, err: Exception, job: ClusterJob, stop: threading.Event) -> Outcome:
        """The outcome of a task that raised instead of returning (cancelled, out of memory, lost)."""
        errors = self._ray.exceptions
        where = job.node or "the cluster"
        if isinstance(err, errors.TaskCancelledError) and stop.is_set():
            return STOPPED
        self.replaced += 1
        if isinstance(err, errors.OutOfMemoryError):
            return Outcome("failed", "worker_oom", f"Ray, {where}")
        if isinstance(err, errors.RayTaskError) and not isinstance(err, errors.TaskCancelledError):
            return Outcome("failed", "exception", clean_detail(str(err.cause)))
        return Outcome("failed", "worker_crashed", f"Ray worker on {where} lost: {type(err).__name__}")

    # --- the class view ------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """Jobs per node, running jobs, throughput (for the Runs page; never the token)."""
        now = time.monotonic()
        with self._lock:
            active, finished = list(self._active.values()), list(self._finished)
        try:
            nodes = [dict(n, jobs=sum(j.node_id == n["id"] for j in active)) for n in self.nodes()]
        except Exception:  # noqa: BLE001 - the head is unreachable: say so, keep the page
            nodes = []
        per_job = self._per_job() if nodes else (self.settings.cpus_per_job, 0.0)
        window = min(THROUGHPUT_WINDOW_S, max(now - self._since, 1.0))
        recent = [j for j in finished if now - j.ended <= window]
        rows = [
            {"backend": j.backend, "pid": j.live.worker_pid, "state": "busy", "run": j.run_id, "gpu": None,
             "memory_mb": j.live.memory_mb or 0.0, "jobs": 1, "node": j.node or "",
             "epoch": j.live.epoch, "sps": j.live.sps or 0.0}
            for j in active
        ]  # fmt: skip
        return {
            "kind": "ray",
            "address": self.settings.address,
            "nodes": nodes,
            "slots": self.slots() if nodes else 0,
            "cpus_per_job": per_job[0],
            "gpus_per_job": per_job[1],
            "workers": rows,
            "replaced": self.replaced,
            "finished_recent": len(recent),
            "window_min": round(window / 60, 1),
            "jobs_per_min": round(len(recent) * 60 / window, 2),
            "samples_per_s": round(sum(j.live.sps or 0.0 for j in active), 1),
            "waiting_for_node": sum(1 for j in active if not j.node),
            "head_error": self.head_error,
        }

    def timings(self) -> list[dict[str, Any]]:
        """Finished jobs' seconds: on the server (``wall_s``) and inside the task (``remote_s``).

        ``submitted`` and ``ended`` are this process's monotonic clock, for gaps between jobs.
        """
        with self._lock:
            jobs = list(self._finished)
        return [
            {"run": j.run_id, "node": j.node, "submitted": j.submitted, "ended": j.ended,
             "wall_s": j.ended - j.submitted, **j.timing}
            for j in jobs if j.timing
        ]  # fmt: skip

    def shutdown(self) -> None:
        """Stop the hub; disconnect from Ray if this executor started the instance."""
        try:
            self._ray.kill(self._hub)
        except Exception:  # noqa: BLE001 - already gone with the cluster
            pass
        if self._owns_ray:
            self._ray.shutdown()


def cluster_or(fallback: Callable[[], Any]) -> Any:
    """The Ray executor when a cluster is configured and answers, else ``fallback()``.

    A configured cluster that cannot be reached (or a wrong setting) must not stop the
    class: the local pool trains instead, and carries the reason as ``cluster_error``,
    which the Runs page's cluster view shows the teacher.
    """
    try:
        settings = ray_settings()
        if settings is None:
            return fallback()
        return RayExecutor(settings, warm=("jax",))
    except Exception as exc:  # noqa: BLE001 - any failure to connect: train locally, say why
        executor = fallback()
        executor.cluster_error = clean_detail(f"{type(exc).__name__}: {exc}")
        return executor
