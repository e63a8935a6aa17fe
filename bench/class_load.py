"""The classroom load both ``bench/classroom.py`` and ``bench/cluster.py`` measure.

Every student's run submitted at once to a job manager on a given executor, the time until
the last is done, and meanwhile the Runs page's rerun time in this process (AppTest).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from lib.model.presets import PRESETS
from lib.train.jobs import JobManager
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.training import make_config

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _configs(students: int, epochs: int) -> list[RunConfig]:
    out = []
    for seed in range(students):
        settings = PRESETS["digits_mlp"].settings().with_fit(epochs=epochs, seed=seed)
        out.append(make_config(PRESETS["digits_mlp"].spec((8, 8, 1)), "digits", 0, "classes", settings))
    return out


POLL_S = 1.0  # a page polls a live run about once a second (st.fragment(run_every=1))


def page_rerun_seconds(stop: threading.Event, times: list[float], ready: threading.Event | None = None) -> None:
    """Rerun the Runs page about once a second until ``stop``; append each rerun's seconds."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "pt"
    at.run()
    at.switch_page(str(Path(APP).parent / "app_pages" / "runs.py")).run()
    if ready is not None:
        ready.set()
    while not stop.wait(POLL_S):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)


def classroom(executor, students: int, epochs: int, workers: int) -> dict:
    """Submit every student's run at once; wait for all; time page reruns during and after.

    The page probe reruns the Runs page while the runs train, then for a while after they
    are all done: the same page (30 runs listed) with nothing training is the baseline.
    """
    import streamlit as st

    store = RunStore(Path(tempfile.mkdtemp(prefix="kp-classroom-")))
    os.environ["KP_RUNS_DIR"] = str(store.root)  # the page reads the same run store
    st.cache_resource.clear()  # the page's own job manager is made anew, on this store
    manager = JobManager(store, workers=workers, executor=executor)
    busy: list[float] = []
    stop, ready = threading.Event(), threading.Event()
    # The page makes its own job manager on this store first (a new manager marks runs it
    # finds queued as interrupted, as after a server restart); then the class submits.
    probe = threading.Thread(target=page_rerun_seconds, args=(stop, busy, ready))
    probe.start()
    ready.wait(120)
    start = time.perf_counter()
    runs = [manager.submit(c, owner=f"student{i}").run_id for i, c in enumerate(_configs(students, epochs))]
    while any(manager.is_active(r) for r in runs):
        time.sleep(0.05)
    total = time.perf_counter() - start
    stop.set()
    probe.join()
    quiet: list[float] = []
    stop = threading.Event()
    probe = threading.Thread(target=page_rerun_seconds, args=(stop, quiet))
    probe.start()
    time.sleep(10)
    stop.set()
    probe.join()
    states = [manager.status(r).state for r in runs]
    return {
        "all_done_s": round(total, 1),
        "done": states.count("done"),
        "page_rerun_quiet_s": round(statistics.median(quiet[1:] or quiet), 3),
        "page_rerun_training_s": round(statistics.median(busy[1:] or busy), 3),
        "page_reruns_measured": len(busy),
    }
