"""Runs page parts for a class: deleting with confirmation, the trash, the teacher's class table."""

from __future__ import annotations

import time

import streamlit as st

from app_pages.parts.identity import is_teacher, nickname
from app_pages.parts.shared import dataset_label, live_view, manager, num, tr
from lib.classroom import may_manage, may_restore, trash_runs
from lib.train.run_views import best_validation, progress
from lib.train.runstore import RunStore

CONFIRM_KEY = "runs.confirm_delete"


def _trash(run_ids: list[str]) -> None:
    jobs = manager()
    # The rule is checked again here, with the nickname of this very click (not the page's).
    trashed, refused = trash_runs(jobs.store, run_ids, nickname(), is_teacher(), jobs.is_active)
    st.session_state.pop(CONFIRM_KEY, None)
    st.session_state.pop("runs.chosen", None)
    st.session_state["runs.trash_result"] = (len(trashed), len(refused))


def delete_controls(store: RunStore, chosen: list[str]) -> None:
    """Move the chosen runs this person may manage to the trash, after a confirmation."""
    mine = [r for r in chosen if may_manage(store.owner(r).get("owner", ""), nickname(), is_teacher())]
    if len(mine) < len(chosen):
        st.caption(tr("runs.not_yours", n=len(chosen) - len(mine)))
    if st.button(tr("runs.delete", n=len(mine)), key="runs.delete", disabled=not mine):
        st.session_state[CONFIRM_KEY] = mine
    if asked := st.session_state.get(CONFIRM_KEY):
        st.warning(tr("runs.confirm", n=len(asked), runs=", ".join(asked)))
        yes, no = st.columns([1, 4])
        yes.button(tr("runs.confirm_yes"), key="runs.confirm_yes", type="primary", on_click=_trash, args=(asked,))
        no.button(tr("runs.cancel"), key="runs.confirm_no", on_click=st.session_state.pop, args=(CONFIRM_KEY,))


def trash_result() -> None:
    """What the last delete did (shown once)."""
    if done := st.session_state.pop("runs.trash_result", None):
        trashed, refused = done
        if trashed:
            st.success(tr("runs.trashed", n=trashed))
        if refused:
            st.warning(tr("runs.refused", n=refused))


def _restore(entry: str) -> None:
    st.session_state["runs.restored"] = manager().store.restore(entry)


def trash_panel(store: RunStore) -> None:
    """Runs deleted in the last day that this person may bring back."""
    entries = [e for e in store.trashed() if may_restore(e, nickname(), is_teacher())]
    if (restored := st.session_state.pop("runs.restored", None)) is not None:
        (st.success if restored else st.error)(tr("runs.restored" if restored else "runs.restore_failed"))
    if not entries:
        return
    with st.expander(tr("runs.trash", n=len(entries))):
        st.caption(tr("runs.trash_note"))
        for e in entries:
            left, right = st.columns([4, 1], vertical_alignment="center")
            when = time.strftime("%H:%M", time.localtime(e["when"]))
            left.markdown(tr("runs.trash_row", run=e["run"], model=e["model"], owner=e["owner"] or "—", when=when))
            right.button(tr("runs.restore"), key=f"runs.restore.{e['entry']}", on_click=_restore, args=(e["entry"],))


def _class_rows(store: RunStore, run_ids: list[str]) -> list[dict]:
    jobs = manager()
    rows = []
    for run_id in run_ids:
        config, status = store.config(run_id), jobs.status(run_id)
        metric, value = best_validation(store.history(run_id))
        rows.append({
            tr("runs.col.owner"): store.owner(run_id).get("owner") or "—",
            tr("runs.col.model"): config.model_name,
            tr("runs.col.dataset"): dataset_label(config.dataset),
            tr("runs.col.epochs"): f"{status.epochs_done}/{status.epochs_target}",
            tr("runs.col.best"): f"{metric} {num(value, 4)}" if value is not None else "—",
            tr("runs.col.state"): tr(f"train.state.{status.state}"),
            tr("runs.col.progress"): progress(jobs.live(run_id)) or (1.0 if status.state == "done" else 0.0),
        })  # fmt: skip
    return rows


def class_table(store: RunStore, run_ids: list[str]) -> None:
    """The teacher's view: every student's runs with live progress, refreshed while any trains."""
    st.subheader(tr("runs.class"))

    def _render() -> None:
        column = tr("runs.col.progress")
        bar = st.column_config.ProgressColumn(column, min_value=0.0, max_value=1.0, format="percent")
        st.dataframe(_class_rows(store, run_ids), hide_index=True, column_config={column: bar})

    live_view(_render, lambda: any(manager().is_active(r) for r in run_ids), 2.0)
