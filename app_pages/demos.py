"""Demos page: live explainers a teacher can project, and small experiments."""

import streamlit as st

from app_pages import address, demo_playground, demo_transfer
from app_pages import demo_experiments as experiments
from app_pages import demo_explainers as explainers
from app_pages.shared import lang, tr

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
tabs = st.tabs(labels, default=labels[list(DEMOS).index(opened)], key=f"demo.tabs.{lang()}", on_change="rerun")
st.session_state[OPEN] = next((name for name, tab in zip(DEMOS, tabs) if tab.open), opened)
address.show_choice("demo", st.session_state[OPEN], "playground")
for tab, show in zip(tabs, DEMOS.values()):
    with tab:
        show()
