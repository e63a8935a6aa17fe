"""Training page parts: the settings form and the live view of a run."""

from __future__ import annotations

import streamlit as st

from app_pages.parts import keys
from app_pages.parts.identity import nickname
from app_pages.parts.shared import lang, manager, presenting, session_id, styled, tr
from app_pages.parts.state import bind, fraction_slider
from app_pages.parts.widgets import param_widget
from lib import charts
from lib.i18n import pick, t
from lib.model.compile_registry import FIT_PARAMS, LOSSES, METRICS, OPTIMIZERS, fit_bounds
from lib.model.train_config import CompileSettings, FitSettings, TrainSettings
from lib.train.config_check import BACKEND_CHOICES
from lib.train.run_views import NOTE_KINDS, progress, progress_text, status_line

W = "train.w."  # widget key prefix (forgotten when a preset brings new settings)


def settings_form(current: TrainSettings, task: str) -> TrainSettings:
    """Compile and fit widgets, each starting from ``current``; returns the new settings."""
    c, f = current.compile, current.fit
    left, right = st.columns(2, gap="large")
    left.subheader(tr("train.compile"))
    names = list(OPTIMIZERS)
    optimizer = left.selectbox(
        tr("train.optimizer"),
        names,
        index=names.index(c.optimizer),
        key=W + "optimizer",
        help=pick(OPTIMIZERS[c.optimizer].help, lang()),
    )
    cols = left.columns(2)  # two per row: a label like learning_rate fits a projector's column
    params = {}
    for i, param in enumerate(OPTIMIZERS[optimizer].params):
        value = c.optimizer_params.get(
            param.name, OPTIMIZERS[optimizer].default_lr if param.name == "learning_rate" else param.default
        )
        params[param.name] = param_widget(cols[i % 2], f"{W}{optimizer}.{param.name}", param, value)
    losses = list(LOSSES)
    loss_labels = {n: f"{n} · {tr(f'ds.task.{loss.task}')}" for n, loss in LOSSES.items()}
    loss = left.selectbox(
        tr("train.loss"),
        losses,
        index=losses.index(c.loss),
        key=W + "loss",
        format_func=loss_labels.__getitem__,
        help=pick(LOSSES[c.loss].help, lang()),
    )
    options = [m for m, d in METRICS.items() if d["task"] == task]
    metrics = left.multiselect(
        tr("train.metrics"),
        options,
        [m for m in c.metrics if m in options],
        key=W + "metrics",
        placeholder=tr("app.choose"),
    )
    right.subheader(tr("train.fit"))
    a, b = right.columns(2)
    fit = FitSettings(
        epochs=int(a.number_input(tr("train.epochs"), *fit_bounds("epochs", f.epochs), key=W + "epochs")),
        batch_size=int(
            b.number_input(tr("train.batch_size"), *fit_bounds("batch_size", f.batch_size), key=W + "batch")
        ),
        validation_split=float(
            fraction_slider(
                right, tr("ds.val_fraction"), keys.DATA_VAL_FRACTION, f.validation_split, tr("ds.val_fraction_help")
            )
        ),
        shuffle=a.checkbox(tr("train.shuffle"), f.shuffle, key=W + "shuffle"),
        seed=int(b.number_input(tr("train.seed"), *fit_bounds("seed", f.seed), key=W + "seed")),
        early_stopping=right.checkbox(
            tr("train.early_stopping"), f.early_stopping, key=W + "early", help=tr("train.early_stopping_help")
        ),
        patience=int(right.number_input(tr("train.patience"), *fit_bounds("patience", f.patience), key=W + "patience")),
        reduce_lr=right.checkbox(tr("train.reduce_lr"), f.reduce_lr, key=W + "reduce_lr"),
        **_split_widgets(right, f),
        class_weight=_class_weight_widget(right, f, task),
    )
    return TrainSettings(CompileSettings(optimizer, params, loss, metrics), fit)


def _registry_radio(where, name: str, value: str, key: str) -> str:
    """A fit setting with a few choices (the fit registry's), as a horizontal radio."""
    ways = {w: tr(f"train.{name}.{w}") for w in FIT_PARAMS[name].choices}
    return where.radio(tr(f"train.{name}"), list(ways), index=list(ways).index(value), horizontal=True,
                       format_func=ways.__getitem__, key=W + key, help=pick(FIT_PARAMS[name].help, lang()))  # fmt: skip


def _split_widgets(where, f: FitSettings) -> dict:
    """How validation and test data are taken (the lessons do both ways), from the fit registry."""
    validation = _registry_radio(where, "validation", f.validation, "validation")
    percent = where.slider(tr("train.test_fraction"), 0, 50, round(f.test_fraction * 100), step=5, format="%d%%",
                           key=W + "test", help=pick(FIT_PARAMS["test_fraction"].help, lang()))  # fmt: skip
    return {"validation": validation, "test_fraction": percent / 100}


def _class_weight_widget(where, f: FitSettings, task: str) -> str:
    """Class weights (for imbalanced classes); a regression has none."""
    return (
        _registry_radio(where, "class_weight", f.class_weight, "class_weight") if task == "classification" else "none"
    )


def backend_choice() -> str:
    """The Keras backend picker (auto, TensorFlow, JAX); kept across pages like the dataset."""
    return (
        st.segmented_control(
            tr("train.backend"),
            BACKEND_CHOICES,  # from lib.train.config_check: the choices a config may hold
            format_func=lambda b: tr(f"train.backend.{b}"),
            help=tr("train.backend_help"),
            **{k: v for k, v in bind(keys.TRAIN_BACKEND, "auto").items() if k != "value"},
            default=st.session_state.get(keys.TRAIN_BACKEND) or "auto",
        )
        or "auto"
    )


def _curve_labels(language: str) -> dict[str, str]:
    return {k: t(f"train.curve.{k}", language) for k in ("train", "val", "batch", "epoch")}


@st.cache_resource(show_spinner=False, max_entries=256)
def _curves(run_id: str, version: tuple, language: str, projector: bool) -> tuple[int, list[tuple[str, object]]]:
    """The run's epochs so far and its styled curve charts, one per metric (shared by every viewer).

    Built again only when the run's ``version`` (:meth:`RunStore.curves_version`) changed: a
    live view polls every few seconds, and building a Plotly figure costs about 20 ms of the
    server's one interpreter, for every student watching. The figures are only read after this.
    """
    store = manager().store
    history, batches = store.history(run_id), store.batches(run_id)
    names = [m for m in history.get("metrics", {}) if not m.startswith("val_") and m != "learning_rate"]
    figures = [(m, styled(charts.training_curves(history, batches, m, m, _curve_labels(language)), projector))
               for m in names or ["loss"]]  # fmt: skip
    return len(history.get("epoch", [])), figures


def show_run(run_id: str, with_controls: bool = True, place: str = "run", with_curves: bool = True) -> None:
    """Status, progress, message and live curves of one run (read from the job and disk).

    The curves keep one element key per ``place`` and run, so that each poll of a live view
    updates the charts the browser has instead of drawing new ones (a new key every poll
    rebuilt every chart each second, and they flashed as empty boxes when the run ended).
    A page that shows the same run twice gives the second ``place`` a name of its own.
    """
    jobs = manager()
    status = jobs.status(run_id)
    st.markdown(status_line(run_id, status, lang()))
    live = jobs.live(run_id)
    if reason := jobs.wait_reason(run_id):  # why it waits, and its place in the queue
        (st.warning if reason[0] == "memory" else st.info)(tr(f"train.wait.{reason[0]}", **reason[1]))
    if (done := progress(live)) is not None:
        st.progress(done, progress_text(live, lang()))
    if status.message:
        box = st.error if status.state == "failed" else st.info
        box(tr(f"train.msg.{status.message}", detail=status.detail))
    if not with_curves:
        return
    epochs, figures = _curves(run_id, jobs.store.curves_version(run_id), lang(), presenting())
    if status.state == "failed" and not epochs:
        return  # (a failed run's message says why; an empty chart would say nothing)
    cols = st.columns(max(1, min(2, len(figures))))
    for i, (metric, fig) in enumerate(figures):
        cols[i % len(cols)].plotly_chart(fig, key=f"{place}.curve.{run_id}.{metric}")
    if with_controls:
        _controls(run_id, status.state)


def _stop(run_id: str) -> None:
    # Another session may have asked for the same settings: it keeps its run.
    stopped = manager().stop(run_id, session_id())
    st.session_state["train.stop_shared"] = not stopped and manager().is_active(run_id)
    if not stopped and not manager().is_active(run_id):  # it ended between the page's last draw and the press
        _note("info", tr("train.stop_late", state=tr(f"train.state.{manager().status(run_id).state}")))


def _controls(run_id: str, state: str) -> None:
    jobs = manager()
    show_note()
    if jobs.is_active(run_id):
        st.button(tr("train.stop"), key="train.stop", on_click=_stop, args=(run_id,))
        if st.session_state.get("train.stop_shared"):
            st.info(tr("train.stop_shared", n=jobs.watchers(run_id)))
    elif state in ("stopped", "done", "interrupted", "failed") and jobs.store.best_model_path(run_id):
        st.session_state.pop("train.stop_shared", None)
        a, b = st.columns([1, 3], vertical_alignment="bottom")
        more = a.number_input(tr("train.more_epochs"), 1, 200, 2, key="train.more")
        b.button(tr("train.resume"), key="train.resume", on_click=_resume, args=(run_id, int(more)))


def _more_epochs(shown: int) -> int:
    """The "more epochs" field's value at the press: a value typed just before is in the session already."""
    value = st.session_state.get("train.more", shown)
    return int(value) if isinstance(value, (int, float)) else shown


def show_submitted(submitted) -> None:
    """Make ``submitted`` (a :class:`lib.train.jobs.Submitted`) this page's current run, with a note."""
    st.session_state.pop("train.note", None)
    if submitted.outcome in ("queued", "active", "cached", "busy"):
        st.session_state[keys.TRAIN_RUN_ID] = submitted.run_id
        st.session_state[keys.TRAIN_CACHED] = submitted.outcome == "cached"
    owner = manager().store.owner(submitted.run_id).get("owner") if submitted.outcome == "not_owner" else ""
    if submitted.outcome in NOTE_KINDS:
        text = tr(f"train.{submitted.outcome}", run=submitted.run_id, owner=owner or "—")
        _note(NOTE_KINDS[submitted.outcome], text)
    elif submitted.outcome == "failed":  # the store refused the run (an unwritable or full runs folder)
        status = manager().status(submitted.run_id)
        st.session_state[keys.TRAIN_RUN_ID], st.session_state[keys.TRAIN_CACHED] = submitted.run_id, False
        _note("error", tr(f"train.msg.{status.message or 'disk'}", detail=status.detail or "—"))


def _resume(run_id: str, more_epochs: int) -> None:
    # The callback's args were fixed when the button was drawn; the field may have changed since.
    submitted = manager().resume(run_id, _more_epochs(more_epochs), owner=session_id(), nickname=nickname(),
                                 personal=True)  # fmt: skip
    show_submitted(submitted)
    if submitted.outcome in ("queued", "active"):
        _note("info", tr("train.continued", run=submitted.run_id))


def _note(kind: str, text: str) -> None:
    # Kept with the run it is about, not popped: the view that shows it may be rerun at once
    # (a button inside the polled view reruns the page when a job starts).
    st.session_state["train.note"] = (kind, text, st.session_state.get(keys.TRAIN_RUN_ID))


def show_note() -> None:
    """The last button's note, while the page shows the run it is about."""
    note = st.session_state.get("train.note")
    if note and note[2] == st.session_state.get(keys.TRAIN_RUN_ID):
        getattr(st, note[0])(note[1])
