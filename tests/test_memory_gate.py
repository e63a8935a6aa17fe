"""Memory short → jobs wait in the queue with a message, instead of the host killing the app (#26)."""

from __future__ import annotations

import threading
from pathlib import Path

from lib.i18n import t
from lib.train.host import available_memory_mb, job_memory_mb
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore
from tests.job_helpers import digits_config, wait
from tests.waiting import wait_until


def test_free_memory_is_the_cgroups_headroom_or_the_machines_whichever_is_less(tmp_path: Path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 24000000 kB\nMemAvailable: 2048000 kB\n")
    root = tmp_path / "cgroup"
    root.mkdir()
    assert available_memory_mb(root, meminfo) == 2000.0  # no cgroup limit: the machine's MemAvailable
    (root / "memory.max").write_text(str(2700 * 2**20))
    (root / "memory.current").write_text(str(2500 * 2**20))
    assert available_memory_mb(root, meminfo) == 200.0  # a 2.7 GB container using 2.5 GB
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "memory" / "memory.limit_in_bytes").write_text(str(2**30))
    (v1 / "memory" / "memory.usage_in_bytes").write_text(str(2**29))
    assert available_memory_mb(v1, meminfo) == 512.0
    assert available_memory_mb(tmp_path / "none", tmp_path / "missing") is None  # unknown: nothing held back
    assert job_memory_mb({"KP_JOB_MEMORY_MB": "750"}) == 750.0 and job_memory_mb({"KP_JOB_MEMORY_MB": "x"}) > 0


def test_a_job_waits_while_memory_is_short_says_why_and_starts_when_it_is_freed(tmp_path: Path):
    free = {"mb": 150.0}  # a fake reading of the host's free memory
    started = threading.Event()

    def trainer(store, run_id, stop, live, more_epochs):
        started.set()
        live.update(epoch=0)
        store.update_status(run_id, state="done")
        return "done"

    manager = JobManager(RunStore(tmp_path / "runs"), workers=1, trainer=trainer,
                         free_memory=lambda: free["mb"], job_memory=400.0)  # fmt: skip
    run_id = manager.submit(digits_config(), owner="a").run_id
    reason = wait_until(lambda: manager.wait_reason(run_id) if manager.memory_short else None, "the memory wait")
    assert reason == ("memory", {"pos": 1, "free": 150, "need": 400})
    assert not started.is_set() and manager.is_active(run_id) and manager.store.status(run_id).state == "queued"
    en = t("train.wait.memory", "en", **reason[1])
    pt = t("train.wait.memory", "pt", **reason[1])
    assert "150 MB" in en and "400 MB" in en and "memória" in pt
    free["mb"] = 2000.0  # memory freed: the queue goes on by itself
    assert wait(manager, run_id) == "done" and started.is_set() and manager.memory_short is None


def test_an_unreadable_host_never_holds_jobs_back(tmp_path: Path):
    manager = JobManager(RunStore(tmp_path / "runs"), workers=1, trainer=lambda store, run_id, *a: "done",
                         free_memory=lambda: None, job_memory=400.0)  # fmt: skip
    run_id = manager.submit(digits_config(), owner="a").run_id
    wait(manager, run_id)
    assert manager.memory_short is None


def test_a_queued_run_says_its_place_and_why_it_waits(tmp_path: Path):
    gate = threading.Event()

    def trainer(store, run_id, stop, live, more_epochs):
        live.update(epoch=0)
        gate.wait(60)
        return "done"

    manager = JobManager(RunStore(tmp_path / "runs"), workers=1, trainer=trainer, free_memory=lambda: None)
    first = manager.submit(digits_config(), owner="a").run_id
    wait_until(lambda: manager.live(first), "the first run to train")
    second = manager.submit(digits_config(epochs=2), owner="b").run_id
    third = manager.submit(digits_config(epochs=3), owner="c").run_id
    assert manager.wait_reason(first) is None  # training: nothing to explain
    assert manager.wait_reason(second) == ("queued", {"pos": 1, "waiting": 2, "running": 1})
    assert manager.wait_reason(third) == ("queued", {"pos": 2, "waiting": 2, "running": 1})
    assert "place 2 of 2" in t("train.wait.queued", "en", pos=2, waiting=2, running=1)
    gate.set()
    for run_id in (first, second, third):
        wait(manager, run_id)
