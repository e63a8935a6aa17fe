"""Draw page part: when no trained model fits the chosen dataset, train its lesson network right here."""

from __future__ import annotations

import streamlit as st

from app_pages.parts.identity import nickname
from app_pages.parts.presses import press
from app_pages.parts.shared import dataset_label, live_view, manager, session_id, tr
from app_pages.parts.train_tools import show_run
from lib.data import datasets
from lib.train.run_config import RunConfig
from lib.train.training import lesson_config

KEY = "draw.ready_run"


def _train(config: RunConfig) -> None:
    submitted = manager().submit(config, owner=session_id(), nickname=nickname())
    st.session_state[KEY] = submitted.run_id


def offer_lesson_network(dataset: str, have_runs: bool) -> None:
    """A button that trains ``dataset``'s lesson network, then its live progress until it is done.

    Shown when no drawable run uses ``dataset`` (the page then has nothing, or only models of
    other datasets, to draw for).
    """
    info = datasets.REGISTRY[dataset]
    config = lesson_config(dataset)
    if info.draw_recipe is None or config is None or not info.is_cached():
        return
    if run_id := st.session_state.get(KEY):
        live_view(lambda: show_run(run_id, with_controls=False), lambda: manager().is_active(run_id), 1.0)
        return
    text = "draw.offer_other" if have_runs else "draw.offer"
    st.info(tr(text, dataset=dataset_label(dataset), model=config.model_name))
    if press(st, tr("draw.offer_button", dataset=dataset_label(dataset)), "draw.ready", type="primary"):
        _train(config)
        st.rerun()
