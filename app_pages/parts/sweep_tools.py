"""Experiments page parts: a sweep of the current setup, and class sweeps that students fill in together."""

from __future__ import annotations

import streamlit as st

from app_pages.parts.arch_tools import use_config
from app_pages.parts.identity import is_teacher, nickname
from app_pages.parts.presses import press
from app_pages.parts.shared import config_messages, lang, live_view, manager, num, plot, session_id, tr
from app_pages.parts.train_tools import show_run
from lib import charts
from lib.experiments import class_sweeps, sweeps
from lib.train.config_check import ConfigError, config_problems
from lib.train.run_config import RunConfig

MODES = ("grid", "random")


def _labels(prefix: str, names) -> dict:
    return {n: tr(f"{prefix}.{n}") for n in names}


def _values_widget(name: str, mode: str) -> list:
    """The values (grid) or the range / choices (random) of one parameter, from its declaration."""
    param = sweeps.PARAMS[name]
    texts = {v: sweeps.value_text(name, v, lang()) for v in param.options}
    label = tr(f"sweep.param.{name}")
    if mode == "random" and param.kind != "choice":
        low, high = st.select_slider(label, param.options, value=(param.grid[0], param.grid[-1]),
                                     format_func=texts.__getitem__, key=f"sweep.range.{name}")  # fmt: skip
        return [low, high]
    return st.multiselect(label, param.options, default=list(param.grid), format_func=texts.__getitem__,
                          key=f"sweep.values.{name}", placeholder=tr("app.choose"))  # fmt: skip


def plan_form(base: RunConfig) -> sweeps.SweepPlan:
    """Parameters to vary, their values, grid or random, and the budget (widgets from ``sweeps.PARAMS``)."""
    left, right = st.columns([2, 1], gap="large")
    names = list(sweeps.PARAMS)
    param_labels = _labels("sweep.param", names)
    with left:
        chosen = st.multiselect(tr("sweep.params"), names, default=["learning_rate", "batch_size"],
                                format_func=param_labels.__getitem__, key="sweep.params",
                                placeholder=tr("app.choose"), help=tr("sweep.params_help"))  # fmt: skip
    with right:
        modes = _labels("sweep.mode", MODES)
        mode = st.radio(tr("sweep.mode"), MODES, format_func=modes.__getitem__, horizontal=True, key="sweep.mode",
                        help=tr("sweep.mode_help"))  # fmt: skip
        budget = st.number_input(tr(f"sweep.budget.{mode}"), 0, sweeps.MAX_CELLS * 2, 0 if mode == "grid" else 8,
                                 key=f"sweep.budget.{mode}", help=tr(f"sweep.budget_help.{mode}"))  # fmt: skip
    cols = st.columns(max(1, min(3, len(chosen))))
    values = {}
    for i, name in enumerate(chosen):
        with cols[i % len(cols)]:
            values[name] = _values_widget(name, mode)
    return sweeps.SweepPlan(values, mode, int(budget), seed=base.fit.seed)


def plan_messages(plan: sweeps.SweepPlan, base: RunConfig) -> list[dict] | None:
    """Explain what is wrong with ``plan`` (translated); its cells when it can run."""
    problems = sweeps.plan_problems(plan, base)
    for problem in problems:
        st.error(sweeps.problem_text(problem, lang()))
    if problems:
        return None
    cells = sweeps.cells(plan)
    refused = config_problems(sweeps.cell_config(base, cells[0]))
    for text in config_messages(refused):
        st.error(text)
    if refused:
        return None
    st.caption(tr("sweep.cells", n=len(cells)))
    return cells


def run_sweep(base: RunConfig, cells: list[dict]) -> None:
    """Submit every cell (in the script body); the ones trained before come from the cache."""

    def submit(config: RunConfig):
        return manager().submit(config, owner=session_id(), exclusive=False, nickname=nickname())

    try:
        outcomes = sweeps.submit_cells(submit, base, cells)
    except ConfigError as err:
        for text in config_messages(err.problems):
            st.error(text)
        return
    st.session_state["sweep.current"] = {"base": base, "cells": cells}
    cached = sum(s.outcome == "cached" for s in outcomes)
    st.session_state["sweep.note"] = tr("sweep.submitted", n=len(cells), cached=cached)


def open_for_class(base: RunConfig, cells: list[dict]) -> None:
    """A teacher's button: the same cells as a class sweep, filled in by the students."""
    title = base.model_name  # the list shows the cell count in each reader's language
    sid = class_sweeps.open_sweep(manager().store.root, base, cells, teacher=nickname(), title=title)
    st.session_state["sweep.class.pick"] = sid
    st.session_state["sweep.note"] = tr("sweep.class.opened", title=title)


def _use_best(config: RunConfig) -> None:
    use_config(config)
    st.session_state["sweep.best_note"] = True


def _busy(run_ids: list[str]) -> bool:
    return any(manager().is_active(r) for r in run_ids)


def results(base: RunConfig, cells: list[dict], key: str, who: list[str] | None = None) -> None:
    """The sweep's table, parallel-coordinates chart and best cell, live while cells train."""
    rows = sweeps.result_rows(manager().store, base, cells, manager().status)
    best = sweeps.best_index(rows)
    st.progress((done := sweeps.finished(rows)) / len(rows), tr("sweep.progress", done=done, n=len(rows)))
    st.dataframe(sweeps.table_rows(rows, lang(), best, who), hide_index=True, key=f"{key}.table")
    if columns := sweeps.chart_columns(rows, lang()):
        plot(st, charts.parallel_coordinates(columns, tr("sweep.chart")), key=f"{key}.chart")
    if best is None:
        return
    values = sweeps.cell_text(cells[best], lang())
    st.success(tr("sweep.best", cell=best + 1, values=values, metric=rows[best]["metric"],
                  value=num(rows[best]["value"], 4)))  # fmt: skip
    st.button(tr("sweep.use_best"), key=f"{key}.use_best", on_click=_use_best,
              args=(sweeps.cell_config(base, cells[best]),), help=tr("sweep.use_best_help"))  # fmt: skip
    if st.session_state.pop("sweep.best_note", False):
        st.info(tr("sweep.best_loaded"))
    if rows[best].get("run"):
        from app_pages.parts.run_tools import best_run_inside

        best_run_inside(rows[best]["run"], key=f"{key}.inside")


def sweep_panel(base: RunConfig) -> None:
    """Vary the current setup: the form, the buttons, and the live results of this session's sweep."""
    st.caption(tr("sweep.intro"))
    plan = plan_form(base)
    cells = plan_messages(plan, base)
    buttons = st.container(horizontal=True)
    if press(buttons, tr("sweep.run"), "sweep.run", type="primary", disabled=cells is None):
        run_sweep(base, cells)
    if is_teacher() and press(buttons, tr("sweep.class.open"), "sweep.class.open", disabled=cells is None):
        open_for_class(base, cells)
    if note := st.session_state.pop("sweep.note", None):
        st.info(note)
    current = st.session_state.get("sweep.current")
    if current:
        st.subheader(tr("sweep.results"))
        ids = [r["run"] for r in sweeps.result_rows(manager().store, current["base"], current["cells"])]
        live_view(lambda: results(current["base"], current["cells"], "sweep.mine"), lambda: _busy(ids), 2.0)


def _state_of(run_id: str) -> str | None:
    return manager().status(run_id).state if manager().store.exists(run_id) else None


def _take_next(sid: str) -> None:
    """Take the next untried cell and train it as this student's run (in the script body)."""

    def submit(config: RunConfig):
        return manager().submit(config, owner=session_id(), nickname=nickname())

    outcome, index, run_id = class_sweeps.train_next(manager().store.root, sid, nickname(), _state_of, submit)
    if outcome == "took":
        st.session_state["sweep.class.mine"] = (sid, index, run_id)
        st.session_state["sweep.note"] = tr("sweep.class.took", cell=index + 1)
    else:
        st.session_state["sweep.note"] = tr(f"sweep.class.{outcome}")


def class_panel() -> None:
    """The class sweeps: pick one, train its next untried cell, watch the grid fill in."""
    root = manager().store.root
    found = class_sweeps.list_sweeps(root)
    if not found:
        st.info(tr("sweep.class.none_open" if not is_teacher() else "sweep.class.none_teacher"))
        return
    titles = {s["id"]: class_sweeps.sweep_label(s, lang()) for s in found}
    if st.session_state.get("sweep.class.pick") not in titles:
        st.session_state.pop("sweep.class.pick", None)
    sid = st.selectbox(tr("sweep.class.pick"), list(titles), format_func=titles.__getitem__, key="sweep.class.pick")
    sweep = class_sweeps.load(root, sid)
    if sweep is None:  # deleted or damaged since the list was read
        st.session_state.pop("sweep.class.pick", None)
        st.rerun()
    buttons = st.container(horizontal=True)
    if press(buttons, tr("sweep.class.next"), "sweep.class.next", type="primary", disabled=not sweep.get("open")):
        _take_next(sid)
    if is_teacher() and sweep.get("open") and press(buttons, tr("sweep.class.close"), "sweep.class.close"):
        class_sweeps.close_sweep(root, sid)
        st.rerun()
    if note := st.session_state.pop("sweep.note", None):
        st.info(note)
    mine = st.session_state.get("sweep.class.mine")
    cells = [c["values"] for c in sweep["cells"]]
    ids = [class_sweeps.cell_run(sweep, i) for i in range(len(cells))]

    def view() -> None:
        fresh = class_sweeps.load(root, sid) or sweep
        results(class_sweeps.base_config(fresh), cells, "sweep.class", who=[c["taken_by"] for c in fresh["cells"]])
        if mine and mine[0] == sid:
            st.markdown(f"**{tr('sweep.class.your_cell', cell=mine[1] + 1)}**")
            show_run(mine[2], with_controls=False, place="sweep_cell")

    # A class sweep fills in from other students' runs too: poll while it is open.
    live_view(view, lambda: bool(sweep.get("open")) and (_busy(ids) or any(_state_of(r) is None for r in ids)), 3.0)
