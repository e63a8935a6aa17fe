"""Experiments page parts: the baseline, cross-validation and the imbalanced-classes comparison."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from app_pages.parts.identity import nickname
from app_pages.parts.presses import press
from app_pages.parts.shared import (
    class_names,
    config_messages,
    dataset_label,
    lang,
    live_view,
    manager,
    num,
    plot,
    session_id,
    tr,
)
from lib import charts
from lib.experiments import baseline, reports
from lib.train import folds, imbalance
from lib.train.config_check import ConfigError
from lib.train.evaluation import evaluate
from lib.train.run_config import RunConfig


@st.cache_data(show_spinner=False, max_entries=16)
def _training_labels(config_json: str) -> np.ndarray | None:
    return reports.training_labels(RunConfig.from_dict(json.loads(config_json)))


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluate(run_id: str, model_mtime: float) -> dict:
    return evaluate(manager().store, run_id)


def _submit_all(configs: list[dict]) -> list[str] | None:
    """Submit a set of runs for this session (not counted as its one run at a time); their ids."""
    try:
        return [manager().submit(c, owner=session_id(), exclusive=False, nickname=nickname()).run_id
                for c in configs]  # fmt: skip
    except ConfigError as err:
        for text in config_messages(err.problems):
            st.error(text)
        return None


def _busy(run_ids) -> bool:
    return any(manager().is_active(r) for r in run_ids)


def baseline_panel(base: RunConfig) -> None:
    """The majority/mean predictor and a linear model on this setup's data, computed once and kept."""
    st.caption(tr("exp.base.intro"))
    if base.target not in ("classes", "value"):
        st.info(tr("exp.base.no_target"))
        return
    root = manager().store.root
    found = baseline.cached_baseline(root, base)
    if found is None and press(st, tr("exp.base.run"), "exp.base.run", type="primary"):
        with st.spinner(tr("exp.base.running")):
            found = baseline.baseline(root, base)
    if found is None:
        return
    decimals = 3 if found["metric"] == "accuracy" else 2
    left, right = st.columns(2)
    left.metric(tr(f"exp.base.majority.{found['metric']}"), num(found["majority"], decimals))
    right.metric(tr("exp.base.linear", model=found["linear_model"]), num(found["linear"], decimals))
    st.caption(tr("exp.base.details", metric=found["metric"], train=num(found["train_samples"]),
                  linear=num(found["linear_samples"]), test=num(found["test_samples"]),
                  seconds=num(found["seconds"], 1), dataset=dataset_label(found["dataset"])))  # fmt: skip


def folds_panel(base: RunConfig) -> None:
    """K-fold cross-validation of this setup: k runs, mean ± std, the folds' curves overlaid."""
    st.caption(tr("exp.cv.intro"))
    k = int(st.columns([1, 3])[0].number_input(tr("exp.cv.k"), folds.K_MIN, folds.K_MAX, 3, key="exp.cv.k"))
    labels = _training_labels(json.dumps(base.to_dict(), sort_keys=True))  # the cache's key: the JSON form
    samples = len(labels) if labels is not None else base.train_samples or k
    if problem := reports.fold_problem(labels, samples, k):
        st.error(tr(f"exp.cv.err.{problem[0]}", **problem[1]))
    elif press(st, tr("exp.cv.run", k=k), "exp.cv.run", type="primary"):
        if (ids := _submit_all(folds.fold_configs(base, k))) is not None:
            st.session_state["exp.cv.runs"] = ids
    if ids := st.session_state.get("exp.cv.runs"):
        live_view(lambda: _folds_view(ids), lambda: _busy(ids), 2.0)


def _folds_view(run_ids: list[str]) -> None:
    store = manager().store
    rows, metric = reports.fold_rows(store, run_ids, manager().status)
    mean, std, finished = reports.fold_summary(rows)
    if finished:
        st.metric(tr("exp.cv.mean", metric=metric, n=finished, k=len(rows)), f"{num(mean, 4)} ± {num(std, 4)}")
    st.dataframe([{tr("exp.cv.col.fold"): r["fold"], tr("sweep.col.state"): tr(f"sweep.state.{r['state']}"),
                   metric: "—" if r["value"] is None else num(r["value"], 4), tr("sweep.col.run"): r["run"]}
                  for r in rows], hide_index=True)  # fmt: skip
    histories = {tr("exp.cv.fold_n", n=r["fold"]): store.history(r["run"]) for r in rows if store.exists(r["run"])}
    if histories:
        plot(st, charts.compare_curves(histories, metric, tr("exp.cv.curves", metric=metric), tr("train.curve.epoch")),
             key="exp.cv.chart")  # fmt: skip
    if best := reports.best_fold(rows, metric):
        from app_pages.parts.run_tools import best_run_inside

        best_run_inside(best, key="exp.cv.inside")


def imbalance_panel(base: RunConfig, dataset: str) -> None:
    """Keep N% of some classes, then plain training vs class weights vs oversampling with augmentation."""
    st.caption(tr("exp.imb.intro"))
    names = class_names(dataset)
    labels = _training_labels(json.dumps(base.to_dict(), sort_keys=True))
    if labels is None or not names:
        st.info(tr("exp.imb.err.task"))
        return
    options = {i: f"{i} · {n}" if n != str(i) else n for i, n in enumerate(names)}
    left, right = st.columns(2)
    classes = left.multiselect(tr("exp.imb.classes"), list(options), default=[1], format_func=options.__getitem__,
                               key="exp.imb.classes", placeholder=tr("app.choose"))  # fmt: skip
    keep = right.slider(tr("exp.imb.keep"), 1, 90, 5, format="%d%%", key="exp.imb.keep") / 100
    if problem := reports.imbalance_problem(labels, classes, keep):
        st.error(tr(f"exp.imb.err.{problem[0]}", **problem[1]))
    elif press(st, tr("exp.imb.run"), "exp.imb.run", type="primary"):
        configs = imbalance.comparison_configs(base, classes, keep)
        if (ids := _submit_all(list(configs.values()))) is not None:
            st.session_state["exp.imb.runs"] = {"runs": dict(zip(configs, ids)), "classes": sorted(classes)}
    if current := st.session_state.get("exp.imb.runs"):
        ids = list(current["runs"].values())
        live_view(lambda: _imbalance_view(current, names), lambda: _busy(ids), 2.0)


def _imbalance_view(current: dict, names: list[str]) -> None:
    store = manager().store
    runs = current["runs"]
    states = {way: manager().status(r).state for way, r in runs.items()}
    st.dataframe([{tr("exp.imb.col.way"): tr(f"exp.imb.way.{w}"), tr("sweep.col.state"): tr(f"sweep.state.{s}"),
                   tr("sweep.col.run"): runs[w]} for w, s in states.items()], hide_index=True)  # fmt: skip
    for way, run_id in runs.items():
        if states[way] == "failed":
            status = manager().status(run_id)
            st.error(f"{tr(f'exp.imb.way.{way}')}: " + tr(f"train.msg.{status.message}", detail=status.detail))
    if any(s != "done" for s in states.values()):
        return
    with st.spinner(tr("runs.evaluating")):
        reports_by_way = {w: _evaluate(r, store.best_model_path(r).stat().st_mtime) for w, r in runs.items()}
    recall_table = reports.recall_rows(reports_by_way, names, current["classes"], lang())
    st.dataframe(recall_table, hide_index=True, height=36 * (len(recall_table) + 1) + 4)  # every row, no scrolling
    recalls = {tr(f"exp.imb.way.{w}"): np.array([r["report"][str(c)]["recall"] for c in range(len(names))])
               for w, r in reports_by_way.items()}  # fmt: skip
    plot(st, charts.class_balance(recalls, names, tr("exp.imb.chart"), tr("exp.imb.recall")), key="exp.imb.chart")
    st.caption(tr("exp.imb.reading"))
