"""The host the server really has, and the training pool that fits in it.

A Streamlit Community Cloud app gets at most 2.7 GB and 2 cores, inside a container whose
limits ``/proc/meminfo`` and ``os.cpu_count()`` do not show: the container's cgroup does
(``memory.max`` and ``cpu.max`` in cgroup v2, ``memory.limit_in_bytes`` and
``cpu.cfs_quota_us`` in v1). From those limits the server picks how many warm workers to
run, the memory cap of each, and which backends to keep warm, so that server + workers stay
inside the host instead of being killed by it. ``KP_WORKERS``, ``KP_WORKER_MEMORY_MB`` and
``KP_WARM_BACKENDS`` still override each choice.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
MEMINFO = Path("/proc/meminfo")
UNLIMITED = 1 << 60  # cgroup v1 writes a huge number for "no limit"

# Measured on this project's machines (README, "A class on one server"): the server with
# TensorFlow imported and 10-30 students' pages holds 1.2-1.5 GB; a warm JAX worker 350 MB
# idle, a TensorFlow one 700 MB, either up to ~1 GB while fitting a lesson convnet.
SERVER_MB = 1300.0
WORKER_MB = 1000.0
MAX_WORKER_MB = 6144.0  # no lesson run needs more: past it, a runaway job is stopped
SMALL_HOST_MB = 4096.0  # at or under this, keep one backend warm: JAX, the lighter one
# What one job may add to a warm worker while it fits a lesson network (a worker that must be
# started for it adds its import too): below this much free memory, jobs wait in the queue.
JOB_MB = 400.0
HEADROOM = 0.9  # plan for 90 % of the limit: the kernel kills at 100 %


@dataclass(frozen=True)
class HostLimits:
    """Memory (MB) and CPUs the server may use, and where those numbers came from."""

    memory_mb: float
    cpus: float
    source: str  # "cgroup" or "machine"


@dataclass(frozen=True)
class PoolPlan:
    """How many workers, each one's memory cap, the backends kept warm, and why."""

    workers: int
    worker_memory_mb: float
    warm: tuple[str, ...]
    limits: HostLimits
    overridden: tuple[str, ...] = ()  # the environment variables that replaced a choice


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _cgroup_memory_mb(root: Path) -> float | None:
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        text = _read(path)
        if text and text != "max" and text.isdigit() and int(text) < UNLIMITED:
            return int(text) / 2**20
    return None


def _cgroup_cpus(root: Path) -> float | None:
    text = _read(root / "cpu.max")
    if text:
        quota, _, period = text.partition(" ")
        if quota != "max" and quota.isdigit() and period.isdigit() and int(period) > 0:
            return int(quota) / int(period)
        return None
    quota, period = _read(root / "cpu" / "cpu.cfs_quota_us"), _read(root / "cpu" / "cpu.cfs_period_us")
    if quota and period and quota.isdigit() and period.isdigit() and int(period) > 0:
        return int(quota) / int(period)  # "-1" (no quota) is not all digits
    return None


def _machine_memory_mb(meminfo: Path) -> float:
    for line in (_read(meminfo) or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    return 2048.0  # unknown: plan as for a small host


def _machine_cpus() -> float:
    try:
        return float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return float(os.cpu_count() or 1)


def _meminfo_mb(meminfo: Path, field: str) -> float | None:
    for line in (_read(meminfo) or "").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def available_memory_mb(root: Path = CGROUP, meminfo: Path = MEMINFO) -> float | None:
    """Memory the host can still give, in MB.

    The cgroup's ``memory.max`` minus ``memory.current`` (v2; v1: ``limit_in_bytes`` minus
    ``usage_in_bytes``), else the machine's ``MemAvailable``, whichever is smaller; None when
    nothing can be read (then nothing is held back).
    """
    readings = []
    limit = _cgroup_memory_mb(root)
    for used_path in (root / "memory.current", root / "memory" / "memory.usage_in_bytes"):
        text = _read(used_path)
        if limit is not None and text and text.isdigit():
            readings.append(max(limit - int(text) / 2**20, 0.0))
            break
    if (machine := _meminfo_mb(meminfo, "MemAvailable")) is not None:
        readings.append(machine)
    return min(readings) if readings else None


def job_memory_mb(env: dict[str, str] | None = None) -> float:
    """Memory a job must find free before it is handed to a worker: ``$KP_JOB_MEMORY_MB``, else :data:`JOB_MB`."""
    text = (os.environ if env is None else env).get("KP_JOB_MEMORY_MB", "")
    return float(text) if _positive(text) else JOB_MB


def read_limits(root: Path = CGROUP, meminfo: Path = MEMINFO) -> HostLimits:
    """The memory and CPU limits in force: the cgroup's where it sets one, else the machine's."""
    memory, cpus = _cgroup_memory_mb(root), _cgroup_cpus(root)
    source = "cgroup" if memory is not None or cpus is not None else "machine"
    machine_cpus = _machine_cpus()
    return HostLimits(
        memory_mb=min(memory, _machine_memory_mb(meminfo)) if memory is not None else _machine_memory_mb(meminfo),
        cpus=min(cpus, machine_cpus) if cpus is not None else machine_cpus,
        source=source,
    )


@functools.cache
def server_plan() -> PoolPlan:
    """The pool of this server, planned once from its host's limits and environment."""
    return plan_pool(read_limits())


def plan_pool(limits: HostLimits, env: dict[str, str] | None = None) -> PoolPlan:
    """The worker pool for ``limits``; ``KP_WORKERS``, ``KP_WORKER_MEMORY_MB``, ``KP_WARM_BACKENDS`` override.

    Workers: half the CPUs (each backend fits with several threads), at least one, and no
    more than the memory left beside the server holds. The cap per worker: that memory
    shared out, never under what one lesson run needs. On a small host one backend is kept
    warm (JAX: half TensorFlow's memory); a run on the other starts a worker for it.
    """
    env = os.environ if env is None else env
    usable = limits.memory_mb * HEADROOM
    by_memory = int(max(usable - SERVER_MB, 0) // WORKER_MB)
    workers = max(1, min(int(limits.cpus // 2) or 1, by_memory or 1))
    cap = min(MAX_WORKER_MB, max(WORKER_MB, (usable - SERVER_MB) / workers))
    warm: tuple[str, ...] = ("jax",) if limits.memory_mb <= SMALL_HOST_MB else ("jax", "tensorflow")
    overridden = []
    if (text := env.get("KP_WORKERS", "")).isdigit() and int(text) > 0:
        workers, overridden = int(text), [*overridden, "KP_WORKERS"]
    if _positive(text := env.get("KP_WORKER_MEMORY_MB", "")):
        cap, overridden = float(text), [*overridden, "KP_WORKER_MEMORY_MB"]
    if text := env.get("KP_WARM_BACKENDS", "").strip():
        warm = tuple(b for b in (p.strip() for p in text.split(",")) if b in ("jax", "tensorflow"))
        overridden = [*overridden, "KP_WARM_BACKENDS"]
    return PoolPlan(workers, round(cap), warm, limits, tuple(overridden))


def _positive(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False
