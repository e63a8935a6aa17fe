"""Runs page part: a run's model as a TF SavedModel, ONNX or LiteRT file, each checked in its runtime."""

from __future__ import annotations

import streamlit as st

from app_pages.parts.shared import lang, live_view, tr
from lib.i18n import scientific
from lib.train.export_jobs import ExportJobs, ExportState
from lib.train.exports import CHECK_INPUTS, FORMATS, SNIPPETS, TOLERANCE, failure_text
from lib.train.runstore import RunStore


@st.cache_resource(show_spinner=False)
def export_jobs() -> ExportJobs:
    """The server's exports under way (survive reruns, page changes and closed tabs)."""
    return ExportJobs()


def export_panel(store: RunStore, run_ids: list[str], labels: dict[str, str]) -> None:
    """Pick a run; per format a button that makes and checks the file, then its download and snippet."""
    with_models = [r for r in run_ids if store.best_model_path(r) and store.config(r).kind == "fit"]
    if not with_models:
        return
    st.subheader(tr("runs.export.title"))
    st.caption(tr("runs.export.intro", n=CHECK_INPUTS, tol=scientific(TOLERANCE, lang(), 0)))
    run_id = st.selectbox(tr("runs.export.pick"), with_models, format_func=labels.__getitem__, key="runs.exp_run")
    jobs = export_jobs()
    live_view(lambda: _formats(store, run_id, jobs), jobs.busy, seconds=1.0)


def _formats(store: RunStore, run_id: str, jobs: ExportJobs) -> None:
    states = {fmt: jobs.state(store, run_id, fmt) for fmt in FORMATS}
    for (fmt, state), col in zip(states.items(), st.columns(len(FORMATS))):
        with col.container(border=True):
            st.markdown(f"**{tr(f'runs.export.fmt.{fmt}')}**")
            _one(store, run_id, fmt, state, jobs)
    shape = ", ".join(str(d) for d in store.config(run_id).spec.get("input_shape", [])) or "…"
    for fmt, state in states.items():  # how to run each checked file, full width (code lines are long)
        if state.file is not None:
            st.markdown(f"**{tr(f'runs.export.fmt.{fmt}')}** · {tr(f'runs.export.how.{fmt}')}")
            st.code(SNIPPETS[fmt].format(file=f"{run_id}.{FORMATS[fmt].suffix}", shape=shape), language="python")


def _one(store: RunStore, run_id: str, fmt: str, state: ExportState, jobs: ExportJobs) -> None:
    spec = FORMATS[fmt]
    if state.state == "none":
        st.button(tr("runs.export.make"), key=f"runs.exp_make.{fmt}", on_click=jobs.start, args=(store, run_id, fmt))
        return
    if state.state in ("queued", "running"):
        with st.status(tr(f"runs.export.{state.state}", runtime=spec.runtime), state="running"):
            st.caption(tr("runs.export.wait"))
        return
    result = state.result
    if result.ok and state.file is not None:
        st.success(
            tr("runs.export.ok", runtime=spec.runtime, n=result.inputs, diff=scientific(result.max_abs_diff, lang()))
        )
        st.download_button(
            tr("runs.export.download", suffix=spec.suffix), state.file.read_bytes, f"{run_id}.{spec.suffix}",
            spec.mime, key=f"runs.exp_dl.{fmt}",
        )  # fmt: skip
        return
    st.error(failure_text(result, lang()))
    st.button(tr("runs.export.retry"), key=f"runs.exp_retry.{fmt}", on_click=jobs.retry, args=(store, run_id, fmt))
