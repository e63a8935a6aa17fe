"""Demos page: live explainers a teacher can project, and small experiments."""

import streamlit as st

from app_pages.parts import address, demo_playground, demo_transfer
from app_pages.parts import demo_experiments as experiments
from app_pages.parts import demo_explainers as explainers
from app_pages.parts.shared import lang, tr

st.title(tr("demo.title"))
DEMOS = {
    "playground": demo_playground.playground,
    "conv": explainers.convolution,
    "pool": explainers.pooling,
    "act": explainers.activations,
    "dropout": explainers.dropout_demo,
    "augment": experiments.augmentation,
    "autoencoder": experiments.autoencoder,
    "transfer": demo_transfer.transfer,
    "gan": experiments.gan,
}
OPEN = "demo.open"  # the open tab's name (its label changes with the language)
address.page_choice("demo", OPEN, list(DEMOS))  # a reload reopens the same tab
labels = [tr(f"demo.tab.{name}") for name in DEMOS]
opened = st.session_state.get(OPEN, "playground")
TABS = f"demo.tabs.{lang()}"  # (the labels change with the language)
if TABS not in st.session_state:
    st.session_state[TABS] = labels[list(DEMOS).index(opened)]
# No ``default``: it is part of the widget's identity, so a default following the open tab
# made every switch a new widget, and a click made while the page reran was lost.
tabs = st.tabs(labels, key=TABS, on_change="rerun")
st.session_state[OPEN] = next((name for name, tab in zip(DEMOS, tabs) if tab.open), opened)
address.show_choice("demo", st.session_state[OPEN], "playground")
for name, tab, show in zip(DEMOS, tabs, DEMOS.values()):
    if name == st.session_state[OPEN]:  # only the open demo runs: each is a second of CPU on a small host
        with tab:
            show()
