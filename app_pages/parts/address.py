"""The address keeps the setup: every edit is written into the URL, and a reload restores it.

As TensorFlow Playground does: the page is the URL's path (``/training``), the setup
(dataset, training subset, model, compile and fit settings, backend) one ``setup``
parameter, the open demo tab ``demo`` and the experiment ``exp``. F5, a dropped
connection, a bookmark or the projector's browser opens a new session on the same
address, which restores all of it; a part that cannot be restored (a dataset deleted
since, a damaged model) is dropped alone and the page says which.
"""

from __future__ import annotations

import streamlit as st

from app_pages.parts import keys
from app_pages.parts.arch_tools import current_config, target_for, use_parts
from app_pages.parts.shared import dataset_label, tr
from lib.data import datasets
from lib.train.setup_link import PARAM, restore_parts, setup_token

SEEN = "app.addr.setup"  # the setup token this session last restored or wrote
STARTED = "app.addr.started"  # this session's first run is over: its address was restored
DROPPED = "app.addr.dropped"  # catalog names of the parts an address could not restore


def restore_from_address() -> None:
    """Restore the address's setup on a session's first run (a reload, a bookmark, a link).

    Only then: a session's own address changes only by what it writes, and a rerun may
    still carry the address from before the last write (the browser sends its query string
    with each rerun), which must not undo the edit just made.
    """
    if st.session_state.get(STARTED):
        return
    st.session_state[STARTED] = True
    token = st.query_params.get(PARAM)
    if not token or token == st.session_state.get(SEEN):
        return
    st.session_state[SEEN] = token
    parts, dropped = restore_parts(token)
    use_parts(parts)
    if dropped:
        st.session_state.setdefault(DROPPED, []).extend(dropped)
    if "model" in parts:
        name = dataset_label(parts.get("dataset") or datasets.DEFAULT_DATASET)
        st.session_state[keys.ARCH_NOTE] = tr("arch.setup_loaded", name=parts["model"][0].name, dataset=name)


def page_choice(param: str, key: str, options: list[str]) -> None:
    """Before a page's choice widget: a session's first visit takes its value from the address."""
    if key in st.session_state or not (given := st.query_params.get(param)):
        return
    if given in options:
        st.session_state[key] = given
    else:
        st.warning(tr("addr.dropped", parts=tr(f"addr.part.{param}")))


def show_choice(param: str, value: str, default: str) -> None:
    """Write a page's choice (the open demo, the experiment) into the address."""
    if value == default:
        st.query_params.pop(param, None)
    elif st.query_params.get(param) != value:
        st.query_params[param] = value


def keep_setup() -> None:
    """After every run: the session's setup into the address (once the session has one)."""
    if keys.ARCH_SPEC not in st.session_state:
        if keys.DATA_NAME not in st.session_state:
            return  # nothing chosen yet: a clean address
        from app_pages.parts.arch_tools import ensure_spec

        ensure_spec()  # a dataset chosen before any model: the address keeps it with its lesson network
    name = st.session_state.get(keys.DATA_NAME, datasets.DEFAULT_DATASET)
    info = datasets.REGISTRY.get(name) or datasets.REGISTRY[datasets.DEFAULT_DATASET]
    token = setup_token(current_config(st.session_state[keys.ARCH_SPEC], info.name, target_for(info)))
    if st.query_params.get(PARAM) != token:
        st.query_params[PARAM] = token
    st.session_state[SEEN] = token


def dropped_message() -> None:
    """What an address could not restore, said once on whichever page it opened."""
    if dropped := st.session_state.pop(DROPPED, None):
        names = ", ".join(tr(f"addr.part.{part}") if f"addr.part.{part}" in _parts() else part for part in dropped)
        st.warning(tr("addr.dropped", parts=names))


def _parts() -> set[str]:
    return {f"addr.part.{p}" for p in ("setup", "dataset", "model", "settings", "backend", "train_samples", "demo",
                                       "exp", "class")}  # fmt: skip
