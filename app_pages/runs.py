"""Runs page: every run, compared, evaluated, downloaded, deleted; models imported."""

import json

import streamlit as st

from app_pages.cluster_view import cluster_panel
from app_pages.run_tools import damaged_panel, evaluation_panel, import_panel, workers_panel
from app_pages.shared import dataset_label, manager, tr
from lib import charts
from lib.train.config_check import BACKEND_CHOICES
from lib.train.run_views import config_differences, final_metrics, row

st.title(tr("runs.title"))
store = manager().store
import_panel(store)
damaged_panel(store)
workers_panel()
cluster_panel()
run_ids = store.list()
if not run_ids:
    st.info(tr("runs.empty"))
    st.stop()
rows = [row(store, r) for r in run_ids]
for r in rows:
    r["state"] = tr(f"train.state.{r['state']}")
    r["backend"] = tr(f"train.backend.{r['backend']}") if r["backend"] in BACKEND_CHOICES else r["backend"]
    r["dataset"] = dataset_label(r["dataset"])
st.dataframe([{tr(f"runs.col.{k}"): v for k, v in r.items()} for r in rows], hide_index=True)

labels = {r["run"]: f"{r['run']} · {r['model']} · {r['dataset']}" for r in rows}
chosen = st.multiselect(
    tr("runs.select"), run_ids, default=run_ids[:2], format_func=labels.__getitem__, key="runs.chosen"
)
if chosen:
    st.subheader(tr("runs.compare"))
    histories = {r: store.history(r) for r in chosen}
    names = sorted({m for h in histories.values() for m in h.get("metrics", {})})
    if names:
        metric = st.selectbox(
            tr("runs.metric"), names, index=names.index("val_loss") if "val_loss" in names else 0, key="runs.metric"
        )
        st.plotly_chart(charts.compare_curves(histories, metric, metric, tr("train.curve.epoch")), key="runs.compare")
    st.markdown(f"**{tr('runs.final')}**")
    st.dataframe([{tr("runs.col.run"): r, **final_metrics(store, r)} for r in chosen], hide_index=True)
    if len(chosen) > 1:
        diffs = config_differences({r: store.config(r) for r in chosen})
        st.markdown(f"**{tr('runs.differences')}**")
        if diffs:
            st.dataframe([{tr("runs.setting"): d.pop("setting"), **d} for d in diffs], hide_index=True)
        else:
            st.caption(tr("runs.same"))
    for run_id in chosen:
        cols = st.columns(3)
        cols[0].markdown(f"`{run_id}`")
        if path := store.best_model_path(run_id):
            # Read only when clicked (a callable), never per rerun and session: models can be large.
            cols[1].download_button(
                tr("runs.download_model"), path.read_bytes, f"{run_id}.keras", key=f"runs.dl_model.{run_id}"
            )
        cols[2].download_button(
            tr("runs.download_config"),
            json.dumps(store.config(run_id), indent=1),
            f"{run_id}.json",
            "application/json",
            key=f"runs.dl_config.{run_id}",
        )

    def _delete(ids: list[str]) -> None:
        for run_id in ids:
            if not manager().is_active(run_id):
                store.delete(run_id)
        st.session_state.pop("runs.chosen", None)

    st.button(tr("runs.delete"), key="runs.delete", on_click=_delete, args=(list(chosen),))

evaluation_panel(store, run_ids, labels)
