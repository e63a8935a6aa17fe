"""Experiments page: a baseline first, sweeps (alone or with the class), cross-validation, imbalanced classes."""

import streamlit as st

from app_pages.parts import address
from app_pages.parts.arch_tools import current_config, ensure_spec, target_for
from app_pages.parts.experiment_tools import baseline_panel, folds_panel, imbalance_panel
from app_pages.parts.shared import config_messages, dataset_label, dataset_name, num, tr
from app_pages.parts.state import bind
from app_pages.parts.sweep_tools import class_panel, sweep_panel
from lib.data import datasets
from lib.train.config_check import config_problems

KINDS = ("baseline", "sweep", "class", "folds", "imbalance")

st.title(tr("exp.title"))
spec = ensure_spec()
name = dataset_name()
info = datasets.REGISTRY[name]
base = current_config(spec, name, target_for(info))
samples = base.train_samples or info.train_size
st.markdown(tr("exp.setup_line", model=spec.name, dataset=dataset_label(name), samples=num(samples)))
kinds = {k: tr(f"exp.kind.{k}") for k in KINDS}
address.page_choice("exp", "exp.kind", list(KINDS))  # a reload reopens the experiment
kind = st.radio(
    tr("exp.kind"), KINDS, format_func=kinds.__getitem__, horizontal=True, **bind("exp.kind", "baseline", list(KINDS))
)  # lesson 5: a baseline first
address.show_choice("exp", kind, "baseline")
if kind == "class":  # a class sweep trains the teacher's setup, not this session's
    class_panel()
    st.stop()
if refused := config_problems(base):
    st.error(tr("exp.fix_setup"))
    for text in config_messages(refused):
        st.error(text)
    st.stop()
if kind == "baseline":
    baseline_panel(base)
elif kind == "sweep":
    sweep_panel(base)
elif kind == "folds":
    folds_panel(base)
else:
    imbalance_panel(base, name)
