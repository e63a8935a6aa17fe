"""Runs page: my runs (or the whole class's), compared, evaluated, downloaded, deleted; models imported."""

import json
from functools import partial

import streamlit as st

from app_pages.parts.class_tools import class_table, delete_controls, trash_panel, trash_result
from app_pages.parts.cluster_view import cluster_panel
from app_pages.parts.export_tools import export_panel
from app_pages.parts.identity import is_teacher, nickname
from app_pages.parts.run_tools import damaged_panel, evaluation_panel, import_panel, weights_panel, workers_panel
from app_pages.parts.shared import dataset_label, lang, manager, num, plot, tr
from lib import charts
from lib.experiments.baseline import beside_best
from lib.experiments.baseline import summary as baseline_summary
from lib.train.config_check import BACKEND_CHOICES
from lib.train.run_script import run_script
from lib.train.run_views import (
    config_differences,
    final_metrics,
    is_mine,
    lineage,
    ordered_runs,
    row,
    run_names,
    setting_label,
)
from lib.train.weights import weights_file

st.title(tr("runs.title"))
store = manager().store


def _config_file(store, run_id: str) -> str:
    """The run's config file as it is on disk (a download made when clicked)."""
    return json.dumps(store.config_json(run_id), indent=1)


import_panel(store)
damaged_panel(store)
workers_panel()
cluster_panel()
every_run = store.list()
if is_teacher():
    class_table(store, every_run)
whole_class = st.toggle(tr("runs.whole_class"), key="runs.whole_class", help=tr("runs.whole_class_help"))
run_ids = every_run if whole_class else [r for r in every_run if is_mine(store, r, nickname())]
run_ids = ordered_runs(store, run_ids, nickname())  # own runs first, experiment runs grouped
trash_result()
trash_panel(store)
if not run_ids:
    st.info(tr("runs.empty" if whole_class or not every_run else "runs.empty_mine", n=len(every_run)))
    st.stop()
rows = [row(store, r) for r in run_ids]
for r in rows:
    r["state"] = tr(f"train.state.{r['state']}")
    r["backend"] = tr(f"train.backend.{r['backend']}") if r["backend"] in BACKEND_CHOICES else r["backend"]
    r["dataset"] = dataset_label(r["dataset"])
    metric, value = r["best"]
    r["best"] = f"{metric} {num(value, 4)}" if value is not None else "—"
    r["time"] = num(r["time"], 1)
rows = [beside_best(r, baseline_summary(store.root, store.config(r["run"]), lang())) for r in rows]
st.dataframe([{tr(f"runs.col.{k}"): v for k, v in r.items()} for r in rows], hide_index=True)

names = run_names(store, run_ids, lang())  # what tells each run from the others
labels = {r["run"]: f"{r['run']} · {r['model']} · {r['dataset']} · {names[r['run']]} · {r['owner']}" for r in rows}
chosen = st.multiselect(
    tr("runs.select"), run_ids, default=run_ids[:2], format_func=labels.__getitem__, key="runs.chosen",
    placeholder=tr("app.choose"),
)  # fmt: skip
if chosen:
    st.subheader(tr("runs.compare"))
    histories = {r: store.history(r) for r in chosen}
    names = sorted({m for h in histories.values() for m in h.get("metrics", {})})
    if names:
        metric = st.selectbox(
            tr("runs.metric"), names, index=names.index("val_loss") if "val_loss" in names else 0, key="runs.metric"
        )
        plot(st, charts.compare_curves(histories, metric, metric, tr("train.curve.epoch")), key="runs.compare")
    st.markdown(f"**{tr('runs.final')}**")
    st.dataframe(
        [{tr("runs.col.run"): r, **{k: num(v, 4) for k, v in final_metrics(store, r).items()}} for r in chosen],
        hide_index=True,
    )
    if len(chosen) > 1:
        diffs = config_differences({r: store.config(r) for r in chosen})
        st.markdown(f"**{tr('runs.differences')}**")
        if diffs:
            st.dataframe(
                [{tr("runs.setting"): setting_label(d.pop("setting"), lang()), **d} for d in diffs], hide_index=True
            )
        else:
            st.caption(tr("runs.same"))
    for run_id in chosen:
        cols = st.columns(5)
        cols[0].markdown(f"`{run_id}`")
        if len(chain := lineage(store, run_id)) > 1:
            cols[0].caption(tr("runs.lineage", chain=" → ".join(chain)))
        if path := store.best_model_path(run_id):
            # Read only when clicked (a callable), never per rerun and session: models can be large.
            cols[1].download_button(
                tr("runs.download_model"), path.read_bytes, f"{run_id}.keras", key=f"runs.dl_model.{run_id}"
            )
            cols[2].download_button(
                tr("runs.download_weights"), partial(weights_file, store, run_id), f"{run_id}.weights.h5",
                key=f"runs.dl_weights.{run_id}", help=tr("runs.weights_help"),
            )  # fmt: skip
        cols[3].download_button(
            tr("runs.download_config"),
            partial(_config_file, store, run_id),  # made when clicked, as the model and weights are
            f"{run_id}.json",
            "application/json",
            key=f"runs.dl_config.{run_id}",
        )
        if script := run_script(store.config(run_id), exported_by=nickname()):
            cols[4].download_button(tr("runs.download_script"), script, f"{run_id}.py", "text/x-python",
                                    key=f"runs.dl_script.{run_id}", help=tr("runs.script_help"))  # fmt: skip
    delete_controls(store, chosen)

weights_panel(store, run_ids, labels)
export_panel(store, run_ids, labels)
evaluation_panel(store, run_ids, labels)
