"""The host's real limits (cgroup v1/v2 or the machine) and the worker pool planned from them."""

from __future__ import annotations

from pathlib import Path

from lib.train.host import HostLimits, plan_pool, read_limits
from lib.train.run_views import host_plan_text

MEMINFO_24G = "MemTotal:       24683664 kB\nMemFree:        1000 kB\n"


def _host(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(MEMINFO_24G)
    return root, meminfo


def test_a_community_cloud_container_is_read_from_its_cgroup_v2(tmp_path):
    root, meminfo = _host(tmp_path, {"memory.max": str(2700 * 2**20), "cpu.max": "200000 100000"})
    limits = read_limits(root, meminfo)
    assert limits == HostLimits(memory_mb=2700.0, cpus=min(2.0, limits.cpus), source="cgroup")
    plan = plan_pool(HostLimits(2700.0, 2.0, "cgroup"), env={})
    assert plan.workers == 1 and plan.warm == ("jax",)
    assert 1000 <= plan.worker_memory_mb and 1300 + plan.worker_memory_mb <= 2700 * 0.9  # server + worker fit


def test_cgroup_v1_and_no_limit_fall_back_to_the_machine(tmp_path):
    root, meminfo = _host(tmp_path, {"memory/memory.limit_in_bytes": str(2**30), "cpu/cpu.cfs_quota_us": "150000",
                                     "cpu/cpu.cfs_period_us": "100000"})  # fmt: skip
    limits = read_limits(root, meminfo)
    assert limits.memory_mb == 1024.0 and limits.source == "cgroup" and limits.cpus <= 1.5
    root, meminfo = _host(tmp_path / "free", {"memory.max": "max", "cpu.max": "max 100000"})
    limits = read_limits(root, meminfo)
    assert limits.source == "machine" and round(limits.memory_mb) == round(24683664 / 1024)


def test_a_big_host_gets_more_workers_and_both_backends_and_the_environment_wins():
    big = plan_pool(HostLimits(32_000.0, 8.0, "machine"), env={})
    assert big.workers == 4 and big.warm == ("jax", "tensorflow") and big.worker_memory_mb == 6144
    tiny = plan_pool(HostLimits(1024.0, 1.0, "cgroup"), env={})
    assert tiny.workers == 1 and tiny.worker_memory_mb == 1000  # never under what one lesson run needs
    env = {"KP_WORKERS": "3", "KP_WORKER_MEMORY_MB": "1500", "KP_WARM_BACKENDS": "tensorflow"}
    chosen = plan_pool(HostLimits(2700.0, 2.0, "cgroup"), env=env)
    assert (chosen.workers, chosen.worker_memory_mb, chosen.warm) == (3, 1500, ("tensorflow",))
    assert chosen.overridden == ("KP_WORKERS", "KP_WORKER_MEMORY_MB", "KP_WARM_BACKENDS")
    cold = plan_pool(HostLimits(2700.0, 2.0, "cgroup"), env={"KP_WARM_BACKENDS": "none"})
    assert cold.warm == () and cold.overridden == ("KP_WARM_BACKENDS",)  # no worker until a run needs one


def test_the_plan_is_told_in_both_languages():
    plan = plan_pool(HostLimits(2700.0, 2.0, "cgroup"), env={"KP_WORKERS": "1"})
    en, pt = host_plan_text(plan, "en"), host_plan_text(plan, "pt")
    assert "2,700 MB and 2 CPUs (the container's limits) → 1 worker(s)" in en and "KP_WORKERS" in en
    assert "2.700 MB e 2 CPUs (limites do contêiner)" in pt and "JAX" in pt
