"""Warm worker processes: both backends, crashes, kill -9, memory ceiling, Stop, resume, fairness."""

from __future__ import annotations

import os
import signal
import sys
import threading
import types

import numpy as np
import pytest

from lib.model.presets import PRESETS
from lib.train.evaluation import evaluate, load_run_model
from lib.train.executors import ProcessExecutor, resolve_backend
from lib.train.jobs import JobManager
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.training import make_config
from tests.job_helpers import wait, wait_running
from tests.waiting import DEADLINE, wait_until


def _config(backend: str = "auto", epochs: int = 2, samples: int = 400, preset: str = "digits_mlp") -> RunConfig:
    settings = PRESETS[preset].settings().with_fit(epochs=epochs)
    return make_config(PRESETS[preset].spec((8, 8, 1)), "digits", samples, "classes", settings, backend)


@pytest.fixture(scope="module")
def pool():
    executor = ProcessExecutor(1, warm=("jax",))
    yield executor
    executor.shutdown()


@pytest.fixture
def manager(pool, tmp_path) -> JobManager:
    return JobManager(RunStore(tmp_path / "runs"), workers=1, executor=pool)


def test_auto_picks_jax_for_mlps_and_tensorflow_for_convnets():
    assert resolve_backend(_config("auto")) == "jax"
    assert resolve_backend(_config("auto", preset="two_branch_cnn")) == "tensorflow"
    mlp = _config("auto")  # an MLP with augmentation layers in front: they need TensorFlow (#31)
    rotation = {"id": "random_rotation_1", "class_name": "RandomRotation", "config": {}}
    augmented = mlp.replace(spec={**mlp.spec, "layers": [rotation, *mlp.spec["layers"]]})
    assert resolve_backend(augmented) == "tensorflow"
    assert resolve_backend(_config("tensorflow")) == "tensorflow"
    assert resolve_backend(RunConfig.from_dict({"kind": "gan"})) == "tensorflow"


def test_both_backends_train_the_same_model_in_workers(manager, pool):
    results, memory = {}, {}
    for backend in ("jax", "tensorflow"):
        run = manager.submit(_config(backend, epochs=10, samples=0))
        assert wait(manager, run.run_id) == "done", manager.status(run.run_id)
        memory[backend] = next(w["memory_mb"] for w in pool.describe()["workers"] if w["backend"] == backend)
        status = manager.status(run.run_id)
        assert status.backend == backend
        model = load_run_model(manager.store, run.run_id)  # a JAX-trained .keras loads here (TensorFlow)
        shape = tuple(model(np.zeros((1, 8, 8, 1), "float32")).shape)
        results[backend] = (model.count_params(), shape, evaluate(manager.store, run.run_id))
    (p_jax, s_jax, e_jax), (p_tf, s_tf, e_tf) = results["jax"], results["tensorflow"]
    assert p_jax == p_tf and s_jax == s_tf
    # The same lesson network reaches the same accuracy on either backend (up to noise).
    assert e_jax["accuracy"] > 0.85 and e_tf["accuracy"] > 0.85, (e_jax["accuracy"], e_tf["accuracy"])
    assert abs(e_jax["accuracy"] - e_tf["accuracy"]) < 0.05
    assert memory["jax"] < 0.8 * memory["tensorflow"], memory  # a JAX worker never loads TensorFlow


def test_stop_ends_a_running_job_part_way_and_keeps_what_it_learned(manager):
    # How fast a stop lands is measured in bench/ (a test asserts the state, not the time).
    run = manager.submit(_config("jax", epochs=400, samples=1437))
    wait_running(manager, run.run_id)
    wait_until(lambda: manager.status(run.run_id).epochs_done >= 1, "a first epoch (its checkpoint) to end")
    assert manager.stop(run.run_id)
    assert wait(manager, run.run_id) == "stopped"
    status = manager.status(run.run_id)
    assert status.message == "stopped_by_user" and status.epochs_done < 400, status  # cut short, not run out
    assert manager.store.best_model_path(run.run_id)  # what it learned is kept


@pytest.mark.parametrize("sig, detail", [(signal.SIGKILL, "signal 9"), (signal.SIGSEGV, "signal 11")])
def test_a_killed_or_crashed_worker_fails_only_its_run_and_is_replaced(manager, pool, sig, detail):
    run = manager.submit(_config("jax", epochs=400, samples=1437))
    live = wait_running(manager, run.run_id)
    replaced = pool.replaced
    os.kill(live.worker_pid, sig)
    assert wait(manager, run.run_id) == "failed"
    status = manager.status(run.run_id)
    assert status.message == "worker_crashed" and detail in status.detail
    assert pool.replaced == replaced + 1
    after = manager.submit(_config("jax", samples=300))
    assert wait(manager, after.run_id) == "done"  # the pool goes on with a new worker


def test_a_worker_does_not_run_the_servers_main_script(tmp_path, monkeypatch):
    # Under Streamlit, sys.modules["__main__"] is the app's script; a spawned child re-runs
    # its parent's __main__ file unless told otherwise: each worker ran app.py in bare mode.
    marker = tmp_path / "ran"
    script = tmp_path / "app_script.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    app_main = types.ModuleType("__main__")
    app_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", app_main)
    executor = ProcessExecutor(1, warm=("jax",))
    try:
        manager = JobManager(RunStore(tmp_path / "runs"), workers=1, executor=executor)
        run = manager.submit(_config("jax", epochs=1, samples=300))
        assert wait(manager, run.run_id) == "done"  # the worker is up and has served a job
    finally:
        executor.shutdown()
    assert not marker.exists()
    assert sys.modules["__main__"] is app_main  # put back as it was


def test_the_memory_ceiling_turns_a_too_large_job_into_a_message(tmp_path):
    small = ProcessExecutor(1, memory_mb=120)  # far below what a worker with JAX needs
    try:
        manager = JobManager(RunStore(tmp_path / "runs"), workers=1, executor=small)
        run = manager.submit(_config("jax", epochs=50, samples=1437))
        assert wait(manager, run.run_id) == "failed"
        assert manager.status(run.run_id).message == "worker_oom"
    finally:
        small.shutdown()


def test_resume_in_a_worker_continues_the_run(manager):
    run = manager.submit(_config("jax", epochs=1, samples=300))
    assert wait(manager, run.run_id) == "done"
    child = manager.resume(run.run_id, 2)
    assert child.outcome == "queued"
    assert wait(manager, child.run_id) == "done" and manager.status(child.run_id).epochs_done == 3
    assert manager.status(run.run_id).epochs_done == 1


# --- fairness (the scheduler, with a stand-in trainer) --------------------------------------------


def _gated_manager(tmp_path):
    gate, order = threading.Event(), []

    def trainer(store, run_id, stop, live, more_epochs):
        order.append(run_id)
        store.update_status(run_id, state="running")
        gate.wait(DEADLINE)  # held until the test has looked at the queue
        store.update_status(run_id, state="done")
        return "done"

    return JobManager(RunStore(tmp_path / "runs"), workers=1, trainer=trainer), gate, order


def test_one_active_job_per_session_and_round_robin_between_sessions(tmp_path):
    manager, gate, order = _gated_manager(tmp_path)
    first = manager.submit(_config(samples=101), owner="ana")
    wait_until(lambda: order, "Ana's run to reach the (only) worker")
    again = manager.submit(_config(samples=102), owner="ana")
    assert again.outcome == "busy" and again.run_id == first.run_id
    # A demo starts a set of runs for one session; another student comes after them.
    demo = [manager.submit(_config(samples=110 + i), owner="bia", exclusive=False).run_id for i in range(3)]
    carlos = manager.submit(_config(samples=120), owner="carlos").run_id
    assert manager.queue_position(demo[0]) == 1 and manager.queue_position(carlos) == 2
    assert manager.queue_position(demo[1]) == 3
    gate.set()
    for run_id in [first.run_id, *demo, carlos]:
        assert wait(manager, run_id) == "done"
    assert order == [first.run_id, demo[0], carlos, demo[1], demo[2]]
    assert manager.submit(_config(samples=130), owner="ana").outcome == "queued"  # free again


def test_jobs_queued_at_a_restart_are_marked_and_can_train_again(tmp_path):
    manager, gate, _ = _gated_manager(tmp_path)
    running = manager.submit(_config(samples=140), owner="a")
    queued = manager.submit(_config(samples=141), owner="b")
    restarted = JobManager(manager.store, workers=1, trainer=lambda *a: "done")  # a new server, same store
    assert set(restarted.interrupted) == {running.run_id, queued.run_id}
    assert restarted.status(queued.run_id).message == "interrupted_early"
    gate.set()
