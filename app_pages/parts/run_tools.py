"""Runs page parts: evaluation on the test set, and model import."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from app_pages.parts.shared import class_names, dataset_label, lang, num, plot, tr
from lib import charts
from lib.data import datasets
from lib.train.evaluation import evaluate
from lib.train.model_import import ModelImportError, import_model
from lib.train.run_config import RunConfig
from lib.train.run_views import host_plan_text, report_rows, worker_rows
from lib.train.runstore import RunStore
from lib.train.training import class_ids, clean_detail, training_arrays


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluate(run_id: str, model_mtime: float) -> dict:
    from app_pages.parts.shared import manager

    return evaluate(manager().store, run_id)


def evaluation_panel(store: RunStore, run_ids: list[str], labels: dict[str, str]) -> None:
    """Test-set metrics, report, confusion matrix and mistakes (or residuals) of one run."""
    st.subheader(tr("runs.evaluate"))
    # A generator (GAN) has no test accuracy; the playground shows its own held-out accuracy.
    run_ids = [r for r in run_ids if store.config(r).kind == "fit"]
    if not run_ids:
        return
    run_id = st.selectbox(tr("runs.eval_pick"), run_ids, format_func=labels.__getitem__, key="runs.eval")
    path = store.best_model_path(run_id)
    if path is None:
        st.info(tr("runs.no_model"))
        return
    try:
        with st.spinner(tr("runs.evaluating")):
            result = _evaluate(run_id, path.stat().st_mtime)
    except datasets.DatasetError as err:
        st.error(tr(f"train.msg.dataset_{err.code}", detail=dataset_label(err.name)))
        return
    except Exception as exc:  # noqa: BLE001 - a model that fits no evaluation must not break the page
        st.error(tr("runs.eval_failed", detail=clean_detail(f"{type(exc).__name__}: {exc}", 200)))
        return
    config = store.config(run_id)
    if result["metrics"]:
        cols = st.columns(len(result["metrics"]))
        for col, (name, value) in zip(cols, result["metrics"].items()):
            col.metric(name, num(value, 4))
    if result["kind"] == "classes":
        _classification(result, config, run_id)
    elif result["kind"] == "value":
        true, pred = result["true"], result["predicted"]
        left, right = st.columns(2)
        plot(
            left,
            charts.predicted_vs_true(
                true, pred, tr("runs.scatter"), (tr("runs.true_value"), tr("runs.predicted_value"))
            ),
            key="runs.scatter",
        )
        plot(
            right,
            charts.histogram(
                np.subtract(pred, true), tr("runs.residuals"), tr("runs.residuals"), tr("ds.count"), bins=30
            ),
            key="runs.residuals",
        )


@st.cache_data(show_spinner=False, max_entries=16)
def _mistake_images(config_json: str, indices: tuple[int, ...]) -> list[np.ndarray]:
    """The run's own test images at ``indices``, scaled as the model saw them (once per run)."""
    x_test = training_arrays(RunConfig.from_dict(json.loads(config_json)))[2]
    return [x_test[i][..., 0] if x_test.shape[-1] == 1 else x_test[i] for i in indices]


def _classification(result: dict, config: RunConfig, run_id: str) -> None:
    every = class_names(config.dataset)
    known = config.dataset in datasets.REGISTRY  # (an evaluation cached before its dataset was deleted)
    names = [every[c] for c in (class_ids(config) if known else range(len(result["confusion"])))]
    if "accuracy" not in result["metrics"]:
        st.metric("accuracy", num(result["accuracy"], 4))
    info = datasets.REGISTRY.get(config.dataset)  # None: an uploaded dataset deleted since it was evaluated
    if info is None:
        plot(st, charts.confusion_heatmap(result["confusion"], names, tr("runs.confusion"),
                                          (tr("runs.true"), tr("runs.predicted"))), key="runs.confusion")  # fmt: skip
    else:
        inside_sections(run_id, config, result["confusion"], names, info.kind == "image", "runs.inside")
    report = result["report"]
    st.markdown(f"**{tr('runs.report')}**")
    st.dataframe(report_rows(report, names, lang()), hide_index=True)
    if info is None or info.kind != "image" or not result["mistakes"]:
        return
    key = json.dumps(config.to_dict(), sort_keys=True)  # the cache's key: the config's JSON form
    images = _mistake_images(key, tuple(m["index"] for m in result["mistakes"]))
    st.markdown(f"**{tr('runs.mistakes')}**")
    cols = st.columns(8)
    for i, (m, image) in enumerate(zip(result["mistakes"], images)):
        caption = tr(
            "runs.mistake",
            true=names[m["true"]],
            predicted=names[m["predicted"]],
            p=num(100 * m["probabilities"][m["predicted"]], 1),
        )
        cols[i % 8].image(np.clip(image, 0, 1), caption=caption, width="stretch", clamp=True)


def inside_sections(run_id: str, config: RunConfig, matrix: list, names: list[str], image_kind: bool, key: str) -> None:
    """Where it confuses (a clickable confusion matrix), what it looks at, and the projector."""
    from app_pages.parts.inside_tools import confusion_panel, projector_panel, test_image_panel, test_images

    try:
        cell = confusion_panel(run_id, config, matrix, names, image_kind, key=f"{key}.cells")
        if not image_kind:
            return
        with st.expander(tr("inside.looks_title"), expanded=True):
            test_image_panel(run_id, config, names, cell, key=f"{key}.look")
        st.markdown(f"**{tr('inside.proj_title')}**")
        # A toggle, not an expander: an expander's content is computed even when closed.
        if st.toggle(tr("inside.proj_show"), key=f"{key}.proj_on", help=tr("inside.proj_show_help")):
            projector_panel(run_id, names, f"{key}.proj", test_images(config))
    except Exception as exc:  # noqa: BLE001 - a model these views cannot read must not break the page
        st.error(tr("inside.failed", detail=clean_detail(f"{type(exc).__name__}: {exc}", 200)))


def best_run_inside(run_id: str, key: str) -> None:
    """The confusion matrix's cells (and what the model looks at) for a sweep's or the folds' best run."""
    from app_pages.parts.shared import manager

    store = manager().store
    path = store.best_model_path(run_id) if store.exists(run_id) else None
    config = store.config(run_id) if path else None
    if config is None or config.target != "classes" or config.kind != "fit":
        return
    if not st.toggle(tr("inside.best_title"), key=f"{key}.on", help=run_id):
        return
    with st.container(border=True):
        try:
            result = _evaluate(run_id, path.stat().st_mtime)
        except Exception as exc:  # noqa: BLE001 - as in the evaluation panel
            st.error(tr("runs.eval_failed", detail=clean_detail(f"{type(exc).__name__}: {exc}", 200)))
            return
        info = datasets.REGISTRY.get(config.dataset)
        if info is None:
            return
        every = class_names(config.dataset)
        names = [every[c] for c in class_ids(config)]
        inside_sections(run_id, config, result["confusion"], names, info.kind == "image", key)


def import_panel(store: RunStore) -> None:
    """Upload a ``.keras`` model for a dataset; refused files get a reason."""
    with st.expander(tr("runs.upload")):
        names = list(datasets.REGISTRY)
        labels = {n: dataset_label(n) for n in names}
        dataset = st.selectbox(tr("runs.upload_dataset"), names, format_func=labels.__getitem__, key="runs.up_ds")
        upload = st.file_uploader(tr("runs.upload"), type=["keras"], key="runs.upload")
        if upload is None:
            return
        # Each file is checked once: its verdict is kept, not recomputed on every rerun.
        done = st.session_state.get("runs.import_result")
        if not done or done[0] != (upload.file_id, dataset):
            try:
                done = ((upload.file_id, dataset), "ok", {"run": import_model(store, upload.getvalue(), dataset)})
            except ModelImportError as err:
                done = ((upload.file_id, dataset), err.code, err.values)
            except OSError as exc:  # the runs folder is unwritable or full
                done = ((upload.file_id, dataset), "disk", {"detail": type(exc).__name__})
            except Exception as exc:  # noqa: BLE001 - any other failure of the checks or of Keras: a message
                done = ((upload.file_id, dataset), "unreadable", {"detail": type(exc).__name__})
            st.session_state["runs.import_result"] = done
        _, code, values = done
        if code != "ok":
            st.error(tr(f"runs.upload_err.{code}", **{**values, "dataset": labels[dataset]}))
        elif store.exists(values["run"]):
            st.success(tr("runs.upload_ok", name=store.config(values["run"]).model_name, params="—"))


def weights_panel(store: RunStore, run_ids: list[str], labels: dict[str, str]) -> None:
    """Load a ``.weights.h5`` file into a run's architecture (as a new run)."""
    from app_pages.parts.identity import nickname
    from lib.train.weights import WeightsError, load_weights

    with_models = [r for r in run_ids if store.best_model_path(r) and store.config(r).kind == "fit"]
    if not with_models:
        return
    with st.expander(tr("runs.load_weights")):
        st.caption(tr("runs.weights_help"))
        run_id = st.selectbox(tr("runs.weights_into"), with_models, format_func=labels.__getitem__, key="runs.w_run")
        upload = st.file_uploader(tr("runs.load_weights"), type=["h5"], key="runs.w_upload")
        if upload is None:
            return
        done = st.session_state.get("runs.weights_result")  # one verdict per file and run, not per rerun
        if not done or done[0] != (upload.file_id, run_id):
            try:
                with st.spinner(tr("runs.weights_loading")):
                    done = (
                        (upload.file_id, run_id),
                        "ok",
                        {"run": load_weights(store, run_id, upload.getvalue(), nickname())},
                    )
            except WeightsError as err:
                done = ((upload.file_id, run_id), err.code, err.values)
            except OSError as exc:
                done = ((upload.file_id, run_id), "disk", {"detail": type(exc).__name__})
            except Exception as exc:  # noqa: BLE001 - any other failure: a message
                done = ((upload.file_id, run_id), "unreadable", {"detail": type(exc).__name__})
            st.session_state["runs.weights_result"] = done
        _, code, values = done
        if code == "ok":
            st.success(tr("runs.weights_ok", run=values["run"]))
        else:
            st.error(tr(f"runs.weights_err.{code}", **values))


def _delete_damaged(run_id: str) -> None:
    from app_pages.parts.shared import manager

    if not manager().is_active(run_id):
        manager().store.delete(run_id)


def damaged_panel(store: RunStore) -> None:
    """Run folders that cannot be read: named with the reason, each with a delete button."""
    damaged = store.damaged()
    if not damaged:
        return
    with st.expander(tr("runs.damaged", n=len(damaged)), expanded=True):
        for run_id, reason in damaged:
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(f"`{run_id}` · {tr(f'runs.damage.{reason}')}")
            right.button(tr("runs.delete_damaged"), key=f"runs.del_damaged.{run_id}", on_click=_delete_damaged,
                         args=(run_id,))  # fmt: skip


def workers_panel() -> None:
    """What the training workers are doing: backend, state, memory, run; and the queue."""
    from app_pages.parts.shared import manager

    view = manager().describe()
    with st.expander(tr("runs.workers", running=view["running"], queued=view["queued"])):
        if not view["workers"]:
            st.caption(tr("runs.workers_in_server"))
            return
        st.dataframe(worker_rows(view["workers"], lang()), hide_index=True)
        st.caption(tr("runs.workers_note", replaced=view.get("replaced", 0)))
        if view.get("plan"):
            st.caption(host_plan_text(view["plan"], lang()))
