"""Where a job's training actually runs: an executor, under the job manager.

The interface is one blocking call, ``executor.run(store, run_id, stop, live, more_epochs)``:
it submits the job, streams progress into ``live`` (a :class:`lib.train.progress.Live`: epoch,
batch, loss, samples/s; a worker's snapshots cross the pipe as ``Progress.to_dict``),
honours ``stop`` (a ``threading.Event``) and returns the final state. The job manager calls
it from its dispatcher threads, so queueing, fairness and the run store stay in one place.

- :class:`ThreadExecutor` trains in the server's own process (the old way; tests use it
  with stand-in trainers).
- :class:`ProcessExecutor` (the default) keeps a pool of warm worker processes, spawned
  (never forked: TensorFlow and JAX do not survive a fork), each with its Keras backend
  imported once. A worker that crashes, is killed or passes its memory ceiling fails only
  its own run, with the cause, and is replaced; Stop ends a job within a second.
"""

from __future__ import annotations

import importlib.machinery
import multiprocessing
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from lib.train import orphans
from lib.train.outcome import STOPPED, Outcome
from lib.train.progress import Live
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.training import run_training

BACKENDS = ("tensorflow", "jax")
STOP_GRACE_S = 3.0  # a job that ignores Stop this long (a long batch, a hang) is killed
POLL_S = 0.05
MEMORY_CHECK_S = 0.5
READY_TIMEOUT_S = 120.0
# Layers for which TensorFlow beats JAX on a CPU (measured: bench/backends.py; README).
TF_FAVOURED = ("Conv1D", "Conv2D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D", "SimpleRNN", "LSTM",
               "GRU", "Embedding")  # fmt: skip


def jax_available() -> bool:
    """True when JAX is installed (it is in requirements.txt, but a trimmed host may lack it)."""
    import importlib.util

    return importlib.util.find_spec("jax") is not None


def resolve_backend(config: RunConfig) -> str:
    """The Keras backend a run trains with: the one asked for, or for ``auto`` the faster one.

    ``auto`` rule (figures in the README, from ``./scripts/bench.sh backends``): JAX for
    models of Dense/Dropout/Flatten-like layers (2-5x faster than TensorFlow on a CPU at
    small batches), TensorFlow for convolutional, recurrent and embedding models (where
    TensorFlow's CPU kernels win), for the GAN demo's own loop, and for models with
    augmentation layers: Keras's ``Random*`` layers look for TensorFlow's graph mode
    whenever TensorFlow is known to Python, and a JAX worker hides it
    (``lib/train/worker_main.py``), so they fail to build there.
    """
    asked = config.backend
    if asked in BACKENDS:
        return asked if asked != "jax" or jax_available() else "tensorflow"
    if config.kind == "gan" or not jax_available():
        return "tensorflow"
    from lib.model.layers import REGISTRY

    names = [layer.get("class_name") for layer in config.spec.get("layers", [])]
    augmented = any(name in REGISTRY and REGISTRY[name].augmentation for name in names)
    return "tensorflow" if augmented or any(name in TF_FAVOURED for name in names) else "jax"


def visible_gpus() -> list[str]:
    """GPU ids the workers may use: ``CUDA_VISIBLE_DEVICES`` if set, else what ``nvidia-smi -L`` lists."""
    if (listed := os.environ.get("CUDA_VISIBLE_DEVICES")) is not None:
        return [g for g in listed.split(",") if g.strip() and g.strip() != "-1"]
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=5, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.splitlines()) if line.startswith("GPU ")]


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@runtime_checkable
class Executor(Protocol):
    """Where a job trains; the job manager knows an executor only by these three methods.

    This thread (:class:`ThreadExecutor`), a warm worker process (:class:`ProcessExecutor`)
    or a Ray cluster (``lib.train.ray_executor.RayExecutor``). The job manager calls ``run``
    from one of its threads per job; ``live`` is the job's progress, updated as it trains;
    ``stop`` asks it to end after the current batch.
    """

    def run(self, store: RunStore, run_id: str, stop: threading.Event, live: Live, more_epochs: int) -> str:
        """Train run ``run_id`` (``more_epochs`` beyond its saved model: a resume) and return its final state."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the executor is doing (for the Runs page's class view): ``kind``, ``workers``, ..."""
        ...

    def shutdown(self) -> None:
        """Stop its workers (a server's end, a test's teardown)."""
        ...


class ThreadExecutor:
    """Train in the calling thread of the server process (``trainer`` defaults to the real one)."""

    def __init__(self, trainer=run_training):
        self._trainer = trainer

    def run(self, store: RunStore, run_id: str, stop: threading.Event, live: Live, more_epochs: int) -> str:
        """Train and return the final state."""
        live.update(where="local")
        return self._trainer(store, run_id, stop, live, more_epochs)

    def describe(self) -> dict[str, Any]:
        """What the executor is doing (for the Runs page's class view)."""
        return {"kind": "thread", "workers": []}

    def shutdown(self) -> None:
        """Nothing to stop."""


@dataclass
class Worker:
    """One warm worker process and its end of the pipe."""

    backend: str
    process: Any
    conn: Any
    stop_value: Any
    gpu: str | None = None
    pid: int = 0
    ready: bool = False
    run_id: str | None = None
    jobs_done: int = 0
    started: float = field(default_factory=time.monotonic)

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.is_alive()


@contextmanager
def _no_main_script() -> Iterator[None]:
    """While a worker is spawned, ``__main__`` names no script for the child to run.

    A spawned child first re-runs its parent's ``__main__`` (by its module name, else by its
    file). Under Streamlit that is the app's script (each script run installs it as
    ``sys.modules["__main__"]``), so every worker ran ``app.py`` in bare mode before its own
    body: Streamlit, every page's parts and a TensorFlow warm-up thread in each worker, and
    about 150 "missing ScriptRunContext" warnings in the server's log. The stand-in is named
    ``__main__`` (which the child skips) and keeps the script's ``__file__`` for any reader in
    the server meanwhile. (A script run starting in the same instant may still set its
    module; it is put back as found.)
    """
    found = sys.modules.get("__main__")
    stand_in = types.ModuleType("__main__")
    stand_in.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
    if getattr(found, "__file__", None):
        stand_in.__file__ = found.__file__
    sys.modules["__main__"] = stand_in
    try:
        yield
    finally:
        if found is not None:
            sys.modules["__main__"] = found


class ProcessExecutor:
    """A pool of warm, spawned worker processes, one Keras backend each."""

    def __init__(self, size: int, memory_mb: float | None = None, warm: tuple[str, ...] = ()):
        self.size = max(1, size)
        self.memory_mb = memory_mb if memory_mb is not None else float(os.environ.get("KP_WORKER_MEMORY_MB", "6144"))
        self._ctx = multiprocessing.get_context("spawn")
        self._gpus = visible_gpus()
        self._idle: list[Worker] = []
        self._busy: list[Worker] = []
        self._lock = threading.Lock()
        self.replaced = 0  # workers that died or were killed and had to be replaced
        # Workers are started from one thread that lives as long as the server: Linux's
        # parent-death signal (which a worker asks for, lib/train/orphans.py) fires when the
        # *thread* that started it ends, and a Streamlit script thread ends after every rerun.
        self._requests: queue.Queue = queue.Queue()
        self._spawner = threading.Thread(target=self._spawn_loop, name="kp-worker-spawner", daemon=True)
        self._spawner.start()
        for backend in warm[: self.size]:
            self._idle.append(self._spawn(backend))

    # --- the pool -------------------------------------------------------------------------------

    def _spawn_loop(self) -> None:
        while True:
            backend, slot, box, done = self._requests.get()
            try:
                box["worker"] = self._start_worker(backend, slot)
            except Exception as exc:  # noqa: BLE001 - handed to the thread that asked
                box["error"] = exc
            done.set()

    def _spawn(self, backend: str) -> Worker:
        box: dict[str, Any] = {}
        done = threading.Event()
        self._requests.put((backend, len(self._idle) + len(self._busy), box, done))
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["worker"]

    def _start_worker(self, backend: str, slot: int) -> Worker:
        parent, child = self._ctx.Pipe()
        stop_value = self._ctx.Value("b", 0, lock=False)
        gpu = self._gpus[slot % len(self._gpus)] if self._gpus else None
        env = {"CUDA_VISIBLE_DEVICES": gpu} if gpu is not None else {}
        from lib.train import worker_main

        process = self._ctx.Process(
            target=worker_main.main, args=(child, stop_value, backend, env, os.getpid()), name=f"kp-worker-{backend}",
            daemon=True,
        )  # fmt: skip
        with _no_main_script():
            process.start()
        child.close()
        return Worker(backend, process, parent, stop_value, gpu)

    def _checkout(self, backend: str) -> Worker:
        with self._lock:
            for worker in list(self._idle):
                if not worker.alive():
                    self._idle.remove(worker)
                    self.replaced += 1
            match = next((w for w in self._idle if w.backend == backend), None)
            if match is None and len(self._idle) + len(self._busy) >= self.size and self._idle:
                self._retire(self._idle.pop(0))  # make room: an idle worker of the other backend goes
            if match is None:
                match = self._spawn(backend)
            else:
                self._idle.remove(match)
            self._busy.append(match)
            return match

    def _checkin(self, worker: Worker, healthy: bool) -> None:
        with self._lock:
            self._busy.remove(worker)
            worker.run_id = None
            if healthy and worker.alive():
                self._idle.append(worker)
            else:
                self._kill(worker)
                self.replaced += 1
                if len(self._idle) + len(self._busy) < self.size:
                    self._idle.append(self._spawn(worker.backend))  # warm again for the next job

    def _retire(self, worker: Worker) -> None:
        try:
            worker.conn.send(("quit",))
        except OSError:
            pass
        worker.process.join(timeout=2)
        self._kill(worker)

    @staticmethod
    def _kill(worker: Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def shutdown(self) -> None:
        """Stop every worker (tests, server shutdown)."""
        with self._lock:
            for worker in self._idle + self._busy:
                self._kill(worker)
            self._idle, self._busy = [], []

    def describe(self) -> dict[str, Any]:
        """Each worker's backend, pid, memory and current run (for the Runs page's class view)."""
        with self._lock:
            workers = [(w, "busy") for w in self._busy] + [(w, "idle") for w in self._idle]
            rows = [
                {"backend": w.backend, "pid": w.pid, "state": s, "run": w.run_id, "gpu": w.gpu,
                 "memory_mb": round(rss_mb(w.pid), 1), "jobs": w.jobs_done}
                for w, s in workers
            ]  # fmt: skip
            return {"kind": "process", "size": self.size, "replaced": self.replaced, "workers": rows}

    # --- one job -------------------------------------------------------------------------------

    def run(self, store: RunStore, run_id: str, stop: threading.Event, live: Live, more_epochs: int) -> str:
        """Run one job on a warm worker of the run's backend; see the module docstring."""
        backend = resolve_backend(store.config(run_id))
        worker = self._checkout(backend)
        worker.run_id = run_id
        worker.stop_value.value = 0
        live.update(backend=backend, worker_pid=worker.pid, where="local")
        outcome = self._drive(worker, store, run_id, stop, live, more_epochs)
        if isinstance(outcome, Outcome):
            live.update(outcome=outcome)
            if worker.pid:
                orphans.remove_pid_file(store.root, worker.pid)  # it was killed, or died, mid-job
        else:
            worker.jobs_done += 1
        self._checkin(worker, healthy=not isinstance(outcome, Outcome))
        return outcome.state if isinstance(outcome, Outcome) else outcome

    def _drive(self, worker: Worker, store, run_id, stop, live: Live, more_epochs) -> Outcome | str:
        """Feed the job to ``worker`` and relay it until done: its final state, or the outcome it failed with."""
        sent, watch = False, {"stop_asked": None, "next_memory_check": 0.0}
        while True:
            if worker.conn.poll(POLL_S):
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    return self._crash_outcome(worker)
                if (state := self._relay(worker, message, live)) is not None:
                    return state
            elif not worker.alive():
                return self._crash_outcome(worker)
            if worker.ready and not sent:
                worker.conn.send(("run", str(store.root), run_id, more_epochs))
                sent = True
            if (outcome := self._guard(worker, stop, watch)) is not None:
                return outcome

    @staticmethod
    def _relay(worker: Worker, message: tuple, live: Live) -> str | None:
        """Apply one message from the worker to ``live``; the job's final state once it is done."""
        if message[0] == "ready":
            worker.ready, worker.pid = True, message[1]
            live.update(worker_pid=worker.pid)
        elif message[0] == "live":
            live.merge(message[1])
        elif message[0] == "done":
            live.merge(message[2])
            return message[1]
        return None

    def _guard(self, worker: Worker, stop: threading.Event, watch: dict) -> Outcome | None:
        """Start-up timeout, Stop (with a hard kill after a grace time) and the memory ceiling."""
        now = time.monotonic()
        if not worker.ready and now - worker.started > READY_TIMEOUT_S:
            self._kill(worker)
            return Outcome("failed", "worker_crashed", "start-up timeout")
        if stop.is_set():
            worker.stop_value.value = 1
            watch["stop_asked"] = watch["stop_asked"] or now
            if now - watch["stop_asked"] > STOP_GRACE_S:  # it ignored Stop: end it the hard way
                self._kill(worker)
                return STOPPED
        if worker.ready and now >= watch["next_memory_check"]:
            watch["next_memory_check"] = now + MEMORY_CHECK_S
            if rss_mb(worker.pid) > self.memory_mb:
                self._kill(worker)
                return Outcome("failed", "worker_oom", f"{self.memory_mb:.0f} MB")
        return None

    @staticmethod
    def _crash_outcome(worker: Worker) -> Outcome:
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        # A negative exit code is the signal that ended it: -9 is SIGKILL (the kernel's OOM killer, or a person).
        detail = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return Outcome("failed", "worker_crashed", detail)
