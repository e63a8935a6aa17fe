"""Demos page: live explainers a teacher can project, and small experiments."""

import streamlit as st

from app_pages import demo_experiments as experiments
from app_pages import demo_explainers as explainers
from app_pages import demo_playground, demo_transfer
from app_pages.shared import tr

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
for tab, show in zip(st.tabs([tr(f"demo.tab.{name}") for name in DEMOS]), DEMOS.values()):
    with tab:
        show()
