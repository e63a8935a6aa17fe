"""Training page: compile and fit the Architecture page's model as a background job."""

import streamlit as st

from app_pages.parts import keys
from app_pages.parts.arch_tools import ensure_spec, link_messages, share_link
from app_pages.parts.identity import nickname
from app_pages.parts.presses import press
from app_pages.parts.shared import (
    config_messages,
    dataset_label,
    dataset_name,
    lang,
    live_view,
    manager,
    num,
    session_id,
    tr,
)
from app_pages.parts.small_data import small_data_panel
from app_pages.parts.train_tools import backend_choice, settings_form, show_run, show_submitted
from lib.data import datasets
from lib.model.analysis import Target, analyse, message
from lib.model.labels import encoding, pairing_problems
from lib.model.layers import REGISTRY, normalise_config
from lib.model.train_config import TrainSettings
from lib.train.config_check import ConfigError, config_problems
from lib.train.executors import resolve_backend
from lib.train.training import make_config

st.title(tr("train.title"))
link_messages()
spec = ensure_spec()
name = dataset_name()
info = datasets.REGISTRY[name]
kind = st.session_state.get(keys.ARCH_TARGET_KIND)
target = Target(
    "input" if kind == "input" and info.kind == "image" else "classes" if info.is_classification else "value",
    info.num_classes,
)
analysis = analyse(spec, target)
samples = st.session_state.get(keys.DATA_TRAIN_SAMPLES) or info.train_size
val = st.session_state.get(keys.DATA_VAL_FRACTION, 0.2)
st.markdown(
    tr(
        "train.model_line",
        name=spec.name,
        params=num(analysis.total_params),
        dataset=dataset_label(name),
        samples=num(samples),
        val=num(int(samples * val)),
    )
)
if not analysis.ok:
    st.error(tr("train.fix_model"))
    for problem in analysis.problems:
        st.error(message(problem, lang()))
    st.stop()

start_from = small_data_panel(spec, info, samples)  # few pictures per class: augmentation, transfer
settings = settings_form(st.session_state.get(keys.TRAIN_SETTINGS) or TrainSettings(), info.task)
st.session_state[keys.TRAIN_SETTINGS] = settings
backend = backend_choice()
how = encoding(settings.compile.loss, target)
st.caption(tr(f"train.encoding.{how}", last=info.num_classes - 1, n=info.num_classes))
last = spec.nodes[analysis.order[-1]] if analysis.order else None
activation = normalise_config(REGISTRY[last.class_name], last.config).get("activation") if last else None
problems = pairing_problems(settings.compile.loss, target, analysis.rows[-1].output_shape[-1], activation)
for problem in problems:
    (st.warning if problem.severity == "hint" else st.error)(tr(f"train.err.{problem.code}", **problem.values))
config = make_config(spec, name, st.session_state.get(keys.DATA_TRAIN_SAMPLES) or 0, target.kind, settings, backend)
if start_from:
    config = config.replace(init_from=start_from)
if backend == "auto":
    st.caption(tr("train.backend_auto_is", backend=tr(f"train.backend.{resolve_backend(config)}")))
# The model's own problems are explained in detail above; the rest (settings out of range,
# an input that does not fit the dataset) are explained here, before any job starts.
refused = [p for p in config_problems(config) if p.code not in ("invalid_model", "loss_output")]
for text in config_messages(refused):
    st.error(text)
blocked = any(p.severity == "error" for p in problems) or bool(refused)


# Read before the buttons: each session-state read is a point where a newer request stops
# this run, and one between taking the press and submitting would lose it (presses.py).
owner, owner_name = session_id(), nickname()


def _start(force: bool) -> None:
    # Submitted here, in the script body, with the settings read in this same run: a
    # button callback would see the config of an earlier (possibly interrupted) run.
    try:
        submitted = manager().submit(config, force=force, owner=owner, nickname=owner_name, personal=True)
    except ConfigError as err:
        for text in config_messages(err.problems):
            st.error(text)
        return
    show_submitted(submitted)  # busy: one run at a time per person, and the one they have is shown


buttons = st.columns([1, 1, 4])
# press(): a click is kept until a run that is not interrupted reaches this line (see app_pages/parts/presses.py).
if press(buttons[0], tr("train.start"), "train.start", type="primary", disabled=blocked):
    _start(force=False)
if st.session_state.get(keys.TRAIN_CACHED):
    if press(buttons[1], tr("train.again"), "train.again"):
        _start(force=True)
    else:
        st.success(tr("train.cached"))


def _current_run() -> None:
    """The current run, re-drawn from the job manager and the run store; never blocks."""
    run_id = st.session_state.get(keys.TRAIN_RUN_ID)
    if run_id and (manager().store.exists(run_id) or manager().status(run_id).message == "disk"):
        show_run(run_id)


with st.expander(tr("arch.share")):
    share_link(config, heading=False)
live_view(_current_run, lambda: manager().is_active(st.session_state.get(keys.TRAIN_RUN_ID, "")), 1.0)
