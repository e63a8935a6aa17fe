"""``./scripts/bench.sh classroom --ray``: the classroom on Ray, and what more machines would give.

On this one machine: the same 30-student classroom as ``bench/classroom.py`` through the
warm worker pool and through a local Ray instance with the same concurrency (one job at a
time on 2 cores: ``cpus_per_job=2``), so the difference is Ray's overhead here.

Then an estimate for a class spread over N worker machines like this one (2 cores, one
job at a time each), from figures measured in the Ray run:

- ``job_s``: mean seconds of one job inside its Ray task (data, fit, files);
- ``overhead_s``: mean per-job cost around the task, as the server sees it (submit,
  config and files to the worker, scheduling, progress relay, result back, store writes):
  the job's seconds on the server minus its seconds in the task; ``between_jobs_s``: the
  mean gap from one job's end to the next one's start on the same slot (the job manager);
- ``cold_start_s``: a new worker process on a machine loading Keras for its first job.

The job manager runs one job per free slot and the jobs are alike, so the last student
waits ``cold_start_s + ceil(students / N) * (job_s + overhead_s + between_jobs_s)``. For
N = 1 the same formula, built from the per-job timings only, is printed beside the measured
total, as a check. Per-job times here include sharing this machine's two cores with the
server (which reruns the Runs page once a second meanwhile); worker machines do not share
theirs, so the estimate for N machines errs long. It assumes the server
is not the bottleneck (it only relays progress: four small calls per second per job) and
a network like this machine's loopback; a real network adds its round trips to
``overhead_s`` (a few milliseconds on a school LAN, against seconds of training).
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from typing import Any

from bench.class_load import classroom
from lib.train.ray_executor import RayExecutor, RaySettings

MACHINES = (1, 2, 4, 8)


def noop_round_trip_s(ray: Any, rounds: int = 20) -> float:
    """Median seconds for an empty Ray task, submitted and waited for (Ray's floor here)."""
    noop = ray.remote(num_cpus=0)(lambda: None)
    ray.get(noop.remote())
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        ray.get(noop.remote())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start_s(ray: Any) -> float:
    """Seconds for a fresh worker process to start and load Keras (JAX), as on a new machine."""
    from lib.train import ray_worker

    # Another runtime environment: Ray cannot reuse a warm worker, it starts a new process.
    env = {"env_vars": {"KERAS_BACKEND": "jax", "KP_BENCH_COLD": str(time.time())}}
    start = time.perf_counter()
    ray.get(ray.remote(ray_worker.warm_up).options(runtime_env=env, num_cpus=0).remote("jax"))
    return time.perf_counter() - start


def last_wait_s(students: int, machines: int, job_s: float, overhead_s: float, cold_s: float) -> float:
    """The estimate in the module docstring."""
    return cold_s + math.ceil(students / machines) * (job_s + overhead_s)


def run(students: int, epochs: int, workers: int) -> dict[str, Any]:
    """The classroom on a local Ray instance, Ray's costs, and the estimate for more machines."""
    executor = RayExecutor(RaySettings("local", cpus_per_job=2), warm=("jax",))
    import ray

    try:
        time.sleep(5)  # the warm worker finishes importing, as for the pool
        figures = classroom(executor, students, epochs, workers)
        timings = executor.timings()
        figures["noop_task_s"] = round(noop_round_trip_s(ray), 4)
        figures["cold_start_s"] = round(cold_start_s(ray), 2)
    finally:
        executor.shutdown()
    timings.sort(key=lambda t: t["submitted"])
    gaps = [max(0.0, b["submitted"] - a["ended"]) for a, b in itertools.pairwise(timings)]
    figures["jobs_timed"] = len(timings)
    figures["job_s"] = round(statistics.fmean(t["remote_s"] for t in timings), 3)
    figures["overhead_s"] = round(statistics.fmean(t["wall_s"] - t["remote_s"] for t in timings), 3)
    figures["between_jobs_s"] = round(statistics.fmean(gaps or [0.0]), 3)
    per_job = figures["overhead_s"] + figures["between_jobs_s"]
    figures["estimate_last_wait_s"] = {
        str(n): round(last_wait_s(students, n, figures["job_s"], per_job, figures["cold_start_s"]), 1) for n in MACHINES
    }
    return figures


def report(figures: dict[str, Any], students: int) -> None:
    """Print the comparison and the estimate."""
    pool, on_ray = figures["worker_pool"], figures["ray"]
    print(f"Ray on this machine: {on_ray['all_done_s']:.1f} s for {students} runs against {pool['all_done_s']:.1f} s "
          f"with the worker pool ({figures['ray_overhead_pct']:+.1f}%)")  # fmt: skip
    noop_ms, cold = on_ray["noop_task_s"] * 1000, on_ray["cold_start_s"]
    print(f"per job: {on_ray['job_s']:.3f} s in the task + {on_ray['overhead_s']:.3f} s around it "
          f"+ {on_ray['between_jobs_s']:.3f} s between jobs "
          f"(empty Ray task {noop_ms:.1f} ms; new worker with Keras {cold:.1f} s)")  # fmt: skip
    for machines, seconds in on_ray["estimate_last_wait_s"].items():
        label = " (model check: measured above)" if machines == "1" else ""
        print(f"  {machines} machine(s): last student waits about {seconds:6.1f} s{label}")
