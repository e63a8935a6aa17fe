"""Issue 27, finding 3: a server killed with ``kill -9`` leaves no worker training behind.

A real server process (a subprocess running the job manager with its warm worker pool)
trains a long run and is killed with SIGKILL. Its worker must die with it; and when the
in-worker guard is switched off (as if it had failed), the next server must find the
orphan from its pid file, stop it, and only then mark the run interrupted, which it then
stays. Deadlines are generous; nothing asserts on how long anything took.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from lib.train import orphans
from lib.train.executors import ThreadExecutor
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]

SERVER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from lib.train.executors import ProcessExecutor
    from lib.train.jobs import JobManager
    from lib.train.runstore import RunStore
    from tests.job_helpers import digits_config

    manager = JobManager(RunStore(Path(sys.argv[1])), workers=1, executor=ProcessExecutor(1))
    print(manager.submit(digits_config(epochs=500, samples=1437, backend="jax")).run_id, flush=True)
    time.sleep(3600)
    """
)


def _until(condition, timeout: float, what: str):
    return wait_until(condition, what, timeout, poll=0.1)


def _start_server(runs: Path, guard: bool) -> tuple[subprocess.Popen, str, dict]:
    """A server process training one long run; returns it, the run id and its worker's pid record."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KP_EXECUTOR": "process"}
    if not guard:
        env[orphans.GUARD_ENV] = "off"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(runs)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              text=True, start_new_session=True)  # fmt: skip
    run_id = server.stdout.readline().strip()
    assert run_id.isalnum(), run_id
    store = RunStore(runs)
    _until(lambda: store.status(run_id).epochs_done >= 2, 180, "the run to train two epochs")
    files = _until(lambda: list((runs / orphans.FOLDER).glob("*.json")), 60, "the worker's pid file")
    record = json.loads(files[0].read_text())
    assert record["server"] == server.pid and record["run"] == run_id
    return server, run_id, record


def _kill_9(server: subprocess.Popen) -> None:
    os.kill(server.pid, signal.SIGKILL)
    server.wait(timeout=30)


def _stays(store: RunStore, run_id: str, seconds: float = 3.0) -> None:
    """The interrupted run is not changed again (sampled for a while: an orphan would write each epoch)."""
    before = store.status(run_id)
    history = store.history(run_id)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        now = store.status(run_id)
        assert (now.state, now.epochs_done, now.message) == ("interrupted", before.epochs_done, before.message)
        time.sleep(0.2)
    assert store.history(run_id) == history


def test_a_worker_dies_with_its_killed_server(tmp_path):
    runs = tmp_path / "runs"
    server, run_id, worker = _start_server(runs, guard=True)
    _kill_9(server)
    _until(lambda: not orphans.alive(worker["pid"], worker["start"]), 60, "the worker to die with its server")
    manager = JobManager(RunStore(runs), workers=1, executor=ThreadExecutor())
    assert manager.interrupted == [run_id] and manager.orphans_stopped == []
    _stays(manager.store, run_id)


def test_a_new_server_stops_the_orphan_before_marking_its_run_interrupted(tmp_path):
    runs = tmp_path / "runs"
    server, run_id, worker = _start_server(runs, guard=False)  # as if the in-worker guard had failed
    _kill_9(server)
    store = RunStore(runs)
    seen = store.status(run_id).epochs_done
    _until(lambda: store.status(run_id).epochs_done > seen, 60, "the orphan to go on training")  # it is one
    assert orphans.alive(worker["pid"], worker["start"])
    manager = JobManager(store, workers=1, executor=ThreadExecutor())
    assert manager.orphans_stopped == [worker["pid"]]
    assert not orphans.alive(worker["pid"], worker["start"])
    assert manager.interrupted == [run_id]
    assert not list((runs / orphans.FOLDER).glob("*.json"))
    _stays(store, run_id)
    # The worker limit holds again: the new pool's jobs are the only ones training.
    assert manager.status(run_id).state == "interrupted"


def test_an_interrupted_run_ignores_late_writes(tmp_path):
    store = RunStore(tmp_path / "runs")
    from tests.job_helpers import digits_config

    run_id = store.create(digits_config(epochs=5))
    store.update_status(run_id, state="running", epochs_done=2)
    assert store.mark_interrupted() == [run_id]
    store.update_status(run_id, state="done", epochs_done=5)  # what an orphan did at its end
    assert (store.status(run_id).state, store.status(run_id).epochs_done) == ("interrupted", 2)


def test_a_live_server_keeps_its_workers_and_runs(tmp_path):
    """Two servers on one runs folder: starting the second one stops nothing of the first."""
    runs = tmp_path / "runs"
    server, run_id, worker = _start_server(runs, guard=True)
    try:
        manager = JobManager(RunStore(runs), workers=1, executor=ThreadExecutor())
        assert manager.orphans_stopped == [] and manager.interrupted == []
        assert orphans.alive(worker["pid"], worker["start"])
        assert manager.store.status(run_id).state == "running"
    finally:
        _kill_9(server)
