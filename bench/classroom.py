"""``./scripts/bench.sh classroom [--ray]``: 30 students press Train at once.

Each simulated session submits the digits lesson MLP (its own seed, so 30 distinct runs)
in the same second. Measured for the old thread runner (training inside the server
process) and the warm worker pool: the time until the last student's run is done, and
meanwhile the time a page rerun takes in the server process (the Runs page through
AppTest, which runs the page script in this process exactly as the server would),
against the same page once nothing trains. With ``--ray``: the worker pool against a local
Ray instance, and an estimate for several machines (``bench/cluster.py``).
"""

from __future__ import annotations

import argparse
import os
import time

from bench.class_load import classroom
from lib.train.executors import ProcessExecutor, ThreadExecutor


def main(argv: list[str]) -> dict:
    """Thread runner vs worker pool for the same classroom; print and return the figures."""
    parser = argparse.ArgumentParser(prog="bench classroom")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=20, help="the digits lesson's own 20 epochs")
    parser.add_argument("--workers", type=int, default=0, help="0: the app's default for this machine")
    parser.add_argument("--ray", action="store_true", help="worker pool vs a local Ray instance (bench/cluster.py)")
    args, _ = parser.parse_known_args(argv)
    from lib.train.jobs import default_workers

    workers = args.workers or default_workers()
    os.environ["KP_EXECUTOR"] = "thread"  # the page's own manager in AppTest runs no jobs
    figures = {"students": args.students, "epochs": args.epochs, "workers": workers}
    if not args.ray:
        figures["thread_runner"] = classroom(ThreadExecutor(), args.students, args.epochs, workers)
    pool = ProcessExecutor(workers, warm=("jax",) * workers)
    time.sleep(5)  # let the warm workers finish importing, as on a server that has been up a while
    try:
        figures["worker_pool"] = classroom(pool, args.students, args.epochs, workers)
    finally:
        pool.shutdown()
    if args.ray:
        from bench import cluster

        figures["ray"] = cluster.run(args.students, args.epochs, workers)
        figures["ray_overhead_pct"] = round(
            100 * (figures["ray"]["all_done_s"] / figures["worker_pool"]["all_done_s"] - 1), 1
        )
    for name in ("worker_pool", "ray") if args.ray else ("thread_runner", "worker_pool"):
        f = figures[name]
        print(f"{name:14s} {args.students} runs done in {f['all_done_s']:6.1f} s ({f['done']} done); page rerun "
              f"{f['page_rerun_training_s']:.3f} s while training, {f['page_rerun_quiet_s']:.3f} s after")  # fmt: skip
    if args.ray:
        cluster.report(figures, args.students)
    return figures
