"""Training on a Ray cluster: a local Ray instance (2 CPUs) stands in for the class's machines.

Checks what ``lib/train/ray_executor.py`` promises: same results as the local pool for the
same seed, the backend carried to the worker, live progress and the node shown, Stop, a
killed Ray worker failing only its run (not requeued) with what it streamed kept, resume
from the shipped model, nothing written outside the run store, settings from
configuration only, and the Runs page's cluster view. Deselect with ``-m "not ray"``.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from lib.train.evaluation import evaluate
from lib.train.executors import ProcessExecutor
from lib.train.jobs import JobManager
from lib.train.ray_executor import RayExecutor, RaySettings, cluster_or, ray_settings
from lib.train.runstore import RunStore
from tests.apptest_helpers import open_page, page_path, texts, use_manager
from tests.job_helpers import digits_config, wait, wait_running
from tests.waiting import DEADLINE, wait_until

pytestmark = pytest.mark.ray
REPO = Path(__file__).resolve().parents[1]
TOKEN = secrets.token_hex(16)


@pytest.fixture(scope="module")
def cluster():
    """A local Ray instance with token authentication on (the token only in memory), once."""
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_USAGE_STATS_ENABLED")}
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=TOKEN, RAY_USAGE_STATS_ENABLED="0")  # read when Ray loads
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never an old cluster
    executor = RayExecutor(RaySettings("local", token=TOKEN), warm=("jax",))
    yield executor
    executor.shutdown()
    ray.shutdown()
    for key, value in saved.items():
        os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture
def manager(cluster, tmp_path) -> JobManager:
    return JobManager(RunStore(tmp_path / "runs"), executor=cluster)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (Python's byte-code caches aside) with its size and mtime."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "__pycache__", ".ruff_cache", "output")]
        for name in files:
            path = Path(folder) / name
            stat = path.stat()
            out[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return out


def _worker_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("kp-ray-*")}


def test_cluster_runs_match_the_local_pool_carry_the_backend_and_write_only_the_run_store(manager, tmp_path):
    import keras  # noqa: F401 - its first import writes $KERAS_HOME/keras.json, in any process: done here first

    config = digits_config(epochs=8, samples=0, backend="jax")
    home, runs = Path(os.environ["KERAS_HOME"]), Path(os.environ["KP_RUNS_DIR"])
    watched = {"tmp": tmp_path, "repo": REPO, "keras_home": home, "session_runs": runs}
    before, folders = {k: _tree(p) for k, p in watched.items()}, _worker_folders()
    run = manager.submit(config)
    live_seen = wait_running(manager, run.run_id)
    assert wait(manager, run.run_id) == "done", manager.status(run.run_id)
    after = {k: _tree(p) for k, p in watched.items()}
    changed = {f"{k}/{f}" for k in watched for f in set(before[k]) ^ set(after[k])}
    changed |= {f"{k}/{f}" for k in watched for f in before[k] if f in after[k] and before[k][f] != after[k][f]}
    inside = f"tmp/runs/{run.run_id}/"
    # Besides the run: JAX's compiled steps, kept for the next job (lib/train/worker_body.py).
    kept = ("keras_home/jax-compilation-cache/",)
    assert changed and all(name.startswith((inside, *kept)) for name in changed), sorted(changed)
    assert any(name.startswith(inside) for name in changed)
    assert _worker_folders() <= folders  # the worker's own temporary folder is gone too

    status = manager.status(run.run_id)
    assert live_seen.where == "cluster" and live_seen.node and status.node == live_seen.node
    assert status.backend == "jax" and status.epochs_done == 8
    assert len(manager.store.history(run.run_id)["epoch"]) == 8
    assert not manager.store.model_path(run.run_id, "checkpoint").exists()  # the final model replaced it
    on_cluster = evaluate(manager.store, run.run_id)["accuracy"]

    pool = ProcessExecutor(1, warm=("jax",))
    try:
        local = JobManager(RunStore(tmp_path / "local"), workers=1, executor=pool)
        same = local.submit(config)
        assert same.run_id == run.run_id and wait(local, same.run_id) == "done"
        on_server = evaluate(local.store, same.run_id)["accuracy"]
    finally:
        pool.shutdown()
    assert on_cluster > 0.85 and abs(on_cluster - on_server) <= 0.01, (on_cluster, on_server)
    assert local.status(same.run_id).node == ""

    tf_run = manager.submit(digits_config(epochs=1, samples=300, backend="tensorflow"))
    assert wait(manager, tf_run.run_id) == "done", manager.status(tf_run.run_id)
    assert manager.status(tf_run.run_id).backend == "tensorflow"  # KERAS_BACKEND reached the worker


def test_stop_ends_a_cluster_run_part_way_and_keeps_its_last_epoch(manager):
    run = manager.submit(digits_config(epochs=400, samples=1437, backend="jax"))
    wait_running(manager, run.run_id)
    wait_until(lambda: manager.status(run.run_id).epochs_done >= 1, "a first epoch to reach the server")
    assert manager.stop(run.run_id)
    assert wait(manager, run.run_id) == "stopped"
    status = manager.status(run.run_id)
    assert status.message == "stopped_by_user" and 1 <= status.epochs_done < 400, status
    assert manager.store.model_path(run.run_id, "checkpoint").exists()  # sent back by the worker


def test_a_killed_ray_worker_fails_only_its_run_with_the_node_named_and_keeps_what_it_streamed(manager, cluster):
    run = manager.submit(digits_config(epochs=400, samples=1437, backend="jax"))
    live = wait_running(manager, run.run_id)
    checkpoint = manager.store.model_path(run.run_id, "checkpoint")
    wait_until(checkpoint.exists, "an epoch's checkpoint to reach the server")
    lost = cluster.replaced
    os.kill(live.worker_pid, signal.SIGKILL)
    assert wait(manager, run.run_id) == "failed"  # failed, not requeued
    status = manager.status(run.run_id)
    assert status.message == "worker_crashed", status
    assert "Ray worker on" in status.detail and live.node in status.detail
    assert cluster.replaced == lost + 1
    assert checkpoint.exists() and status.epochs_done >= 1  # the student can continue from here
    orphans = {p.name for p in Path(tempfile.gettempdir()).glob(f"kp-ray-{live.worker_pid}-*")}
    assert len(orphans) == 1  # the killed worker could not delete its folder...
    after = manager.submit(digits_config(epochs=1, samples=300, backend="jax"))
    assert wait(manager, after.run_id) == "done"  # Ray started a new worker
    assert not orphans & _worker_folders()  # ...the next job on the machine did


def test_resume_on_the_cluster_continues_from_the_model_sent_with_the_job(manager):
    run = manager.submit(digits_config(epochs=1, samples=300, backend="jax"))
    assert wait(manager, run.run_id) == "done"
    first = manager.store.history(run.run_id)["metrics"]["loss"]
    child = manager.resume(run.run_id, 2).run_id  # a new run that starts from the parent's model
    assert child != run.run_id and wait(manager, child) == "done"
    status, history = manager.status(child), manager.store.history(child)
    assert status.epochs_done == 3 and history["epoch"] == [1, 2, 3]
    assert history["metrics"]["loss"][0] == first[0] and history["metrics"]["loss"][-1] < first[0]
    assert manager.status(run.run_id).epochs_done == 1  # the parent is unchanged


def test_one_job_per_slot_and_gpu_jobs_ask_for_a_gpu(cluster, monkeypatch):
    assert cluster.slots() == 1  # 2 CPUs, 2 per job: the class queues on this server, not in Ray
    options = cluster.task_options("jax", "abc")
    assert options["num_cpus"] == 2 and options["num_gpus"] == 0 and options["max_retries"] == 0
    assert options["runtime_env"]["env_vars"]["KERAS_BACKEND"] == "jax"
    machines = [{"id": str(i), "node": f"m{i}", "alive": True, "cpus": 8.0, "gpus": 2.0} for i in range(3)]
    monkeypatch.setattr(cluster, "nodes", lambda: machines)
    assert cluster.task_options("tensorflow", "abc")["num_gpus"] == 1
    assert cluster.slots() == 6  # 3 machines x 2 GPUs (GPUs are scarcer than CPUs here)
    view = cluster.describe()
    assert view["kind"] == "ray" and TOKEN not in repr(view) and TOKEN not in repr(cluster.settings)


def test_the_runs_page_shows_the_cluster_and_the_training_page_the_node(manager, monkeypatch):
    run = manager.submit(digits_config(epochs=1, samples=200, backend="jax"), owner="ana")
    assert wait(manager, run.run_id) == "done"
    node = manager.status(run.run_id).node
    use_manager(monkeypatch, manager)
    at = open_page("runs", lang="pt")
    expander = next(e for e in at.expander if e.label.startswith("Cluster:"))
    assert expander.label == "Cluster: 0 treinando, 0 na fila · máquinas conectadas: 1 · execuções simultâneas: 1"
    nodes = expander.dataframe[0].value
    assert list(nodes["Máquina"]) == [node] and list(nodes["Execuções treinando"]) == [0]
    assert "Nenhuma execução está treinando no cluster agora." in texts(at)
    assert [m.label for m in expander.metric][:2] == ["Na fila", "Treinando"]
    at.session_state["train.run_id"] = run.run_id  # the Training page names where the run trained
    at.switch_page(page_path("training")).run()
    assert f"CPU · JAX · no cluster, {node}" in texts(at)


def test_a_silent_head_never_blocks_a_page_and_is_reported(cluster):
    answer = threading.Event()  # the head stays silent until the test has its value

    def gone():
        answer.wait(DEADLINE)
        raise ConnectionError("head gone")

    cluster._cache["probe"] = (0.0, "last known")  # stale: the next read refreshes it
    # A read that waited for the head would still be blocked here: the event is set only after it.
    assert cluster._cached("probe", gone) == "last known"
    answer.set()
    wait_until(lambda: cluster.head_error, "the silent head to be reported")
    assert "head gone" in cluster.describe()["head_error"]
    cluster._cached("probe", lambda: "back")  # still stale: a refresh that succeeds clears it
    wait_until(lambda: not cluster.head_error, "a successful refresh to clear the error")


def test_an_answer_asked_before_a_failure_does_not_hide_it(cluster):
    """A slow read of one fact that succeeds after another fact's read failed: the failure stays.

    Seen in a full run: the silent head's error was cleared by a read that had left before it.
    """
    slow_started, release = threading.Event(), threading.Event()

    def slow():
        slow_started.set()
        release.wait(DEADLINE)
        return "slow"

    def gone():
        raise ConnectionError("head gone")

    cluster._cache.update(slow=(0.0, "old"), probe_b=(0.0, "old"))  # both stale
    cluster._cached("slow", slow)
    assert slow_started.wait(DEADLINE)
    cluster._cached("probe_b", gone)
    wait_until(lambda: "probe_b" not in cluster._refreshing, "the failing read to end")
    assert "head gone" in cluster.head_error
    release.set()
    wait_until(lambda: "slow" not in cluster._refreshing, "the slow read to end")
    assert "head gone" in cluster.head_error  # it was asked before the failure: proves nothing
    cluster._cache["probe_b"] = (0.0, "old")
    cluster._cached("probe_b", lambda: "back")  # asked after the failure, and answered
    wait_until(lambda: not cluster.head_error, "a later successful read to clear the error")


# --- configuration (no cluster needed) ------------------------------------------------------------


def test_settings_come_from_the_environment_or_secrets_file_only(tmp_path):
    secrets_file = tmp_path / "secrets.toml"
    assert ray_settings({}, secrets_file) is None  # nothing configured: the local pool
    secrets_file.write_text('[ray]\naddress = "10.1.2.3:6379"\ntoken = "s3cret"\ncpus_per_job = 4\n')
    settings = ray_settings({}, secrets_file)
    assert (settings.address, settings.token, settings.cpus_per_job, settings.gpus_per_job) == (
        "10.1.2.3:6379", "s3cret", 4.0, "auto",
    )  # fmt: skip
    assert "s3cret" not in repr(settings)
    env = {"KP_RAY_ADDRESS": "head:6379", "KP_RAY_TOKEN": "t2", "KP_RAY_GPUS_PER_JOB": "0"}
    assert ray_settings(env, secrets_file) == RaySettings("head:6379", "t2", 4.0, "0")
    with pytest.raises(ValueError, match="cpus_per_job"):
        ray_settings({"KP_RAY_ADDRESS": "head:6379", "KP_RAY_CPUS_PER_JOB": "-1"}, secrets_file)


def test_an_unreachable_cluster_falls_back_to_the_local_pool_with_the_reason(monkeypatch):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("KP_RAY_ADDRESS", f"127.0.0.1:{port}")

    class Local:
        pass

    executor = cluster_or(Local)
    assert isinstance(executor, Local) and "No Ray head answers" in executor.cluster_error
