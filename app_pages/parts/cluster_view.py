"""Runs page part: what the Ray cluster is doing, for the teacher (``lib/train/ray_executor.py``).

Shown only when the app trains on a cluster (or was configured for one that did not
answer): its machines and the runs on each, the queue, and the throughput.
"""

from __future__ import annotations

import streamlit as st

from app_pages.parts.shared import num, tr


def _node_rows(view: dict) -> list[dict]:
    yes, no = tr("cluster.yes"), tr("cluster.no")
    return [
        {
            tr("cluster.col.node"): n["node"],
            tr("cluster.col.alive"): yes if n["alive"] else no,
            tr("cluster.col.cpus"): num(n["cpus"]),
            tr("cluster.col.gpus"): num(n["gpus"]),
            tr("cluster.col.jobs"): n["jobs"],
        }
        for n in view["nodes"]
    ]


def _job_rows(view: dict) -> list[dict]:
    return [
        {
            tr("cluster.col.run"): w["run"],
            tr("cluster.col.node"): w["node"] or tr("cluster.waiting"),
            tr("cluster.col.backend"): tr(f"train.backend.{w['backend']}"),
            tr("cluster.col.epoch"): "—" if w["epoch"] is None else w["epoch"] + 1,
            tr("cluster.col.sps"): num(w["sps"] or 0),
            tr("cluster.col.memory"): num(w["memory_mb"] or 0),
        }
        for w in view["workers"]
    ]


def cluster_panel() -> None:
    """The cluster's machines, runs per machine, queue and throughput (nothing without a cluster)."""
    from app_pages.parts.shared import manager

    jobs = manager()
    if error := getattr(jobs.executor, "cluster_error", ""):
        st.warning(tr("cluster.unreachable", error=error))
        return
    view = jobs.describe()
    if view.get("kind") != "ray":
        return
    alive = sum(1 for n in view["nodes"] if n["alive"])
    title = tr("cluster.title", nodes=alive, slots=view["slots"], running=view["running"], queued=view["queued"])
    with st.expander(title):
        if view.get("head_error"):
            st.warning(tr("cluster.head_lost", error=view["head_error"]))
        queue, running, finished, samples = st.columns(4)
        queue.metric(tr("cluster.queue"), view["queued"])
        running.metric(tr("cluster.running"), view["running"])
        finished.metric(tr("cluster.throughput", minutes=num(view["window_min"], 1)), num(view["jobs_per_min"], 1))
        samples.metric(tr("cluster.samples"), num(view["samples_per_s"]))
        st.dataframe(_node_rows(view), hide_index=True)
        if view["workers"]:
            st.dataframe(_job_rows(view), hide_index=True)
        else:
            st.caption(tr("cluster.none"))
        gpus = tr("cluster.gpu_part") if view.get("gpus_per_job") else ""
        st.caption(tr("cluster.note", cpus=num(view.get("cpus_per_job", 0)), gpus=gpus, lost=view["replaced"]))
