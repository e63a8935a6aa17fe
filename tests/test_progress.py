"""A job's progress and outcome: typed, frozen, and plain data across a process boundary."""

import json
import threading

import pytest

from lib.train.outcome import STOPPED, Outcome
from lib.train.progress import Live, Progress


def test_a_snapshot_is_frozen_and_later_updates_make_a_new_one():
    live = Live()
    before = live.now
    live.update(epoch=0, batch=3, steps=10, epochs=2, batch_size=32)
    assert before == Progress() and live.now.batch == 3
    with pytest.raises(AttributeError):
        live.now.batch = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        live.update(running=True)  # only the fields it has


def test_progress_and_its_outcome_cross_a_pipe_as_json_and_come_back_the_same():
    told = Progress(where="cluster", node="n1 (10.0.0.2)", worker_pid=7, epoch=1, epochs=3, batch=5, steps=9,
                    batch_size=16, loss=0.25, sps=812.5, outcome=Outcome("failed", "disk", "full"))  # fmt: skip
    data = json.loads(json.dumps(told.to_dict()))
    assert Progress.from_dict(data) == told
    assert "memory_mb" not in data and data["outcome"] == {"state": "failed", "message": "disk", "detail": "full"}
    assert Progress.from_dict({"epoch": 2, "someday": 1}) == Progress(epoch=2)  # unknown keys ignored


def test_a_merged_snapshot_keeps_what_only_the_server_knows():
    server = Live()
    server.update(where="local", backend="jax", worker_pid=0)  # the executor's, before the worker is ready
    worker = Live()
    worker.update(initial_epoch=0, epochs=2, batch_size=32, epoch=0, batch=0, steps=4)
    server.merge(worker.now.to_dict())
    assert (server.now.where, server.now.backend, server.now.worker_pid) == ("local", "jax", 0)
    worker.update(epoch=1, batch=0)  # a new epoch: the batch count goes back to 0, and that is told
    server.update(batch=4)
    server.merge(worker.now.to_dict())
    assert (server.now.epoch, server.now.batch) == (1, 0)


def test_updates_from_several_threads_never_lose_a_field():
    live = Live()

    def bump(field: str) -> None:
        for i in range(2000):
            live.update(**{field: i})

    threads = [threading.Thread(target=bump, args=(f,)) for f in ("batch", "epochs", "batch_size")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (live.now.batch, live.now.epochs, live.now.batch_size) == (1999, 1999, 1999)


def test_an_outcome_has_one_shape_and_reads_back():
    assert Outcome.from_dict(STOPPED.to_dict()) == STOPPED == Outcome("stopped", "stopped_by_user", "")
    assert Outcome.from_dict({"state": "done"}) == Outcome("done")
    assert Outcome.from_dict(None) is None and Outcome.from_dict({"message": "x"}) is None
