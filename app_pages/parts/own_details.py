"""Datasets page part: an uploaded dataset's origin, what was done to it, its download and deletion."""

from __future__ import annotations

import streamlit as st

from app_pages.parts import identity, keys
from app_pages.parts.own_data import ingests
from app_pages.parts.shared import dataset_label, lang, session_id, tr
from app_pages.parts.state import switch_value
from lib.classroom import may_manage
from lib.data import datasets, own_store
from lib.own.messages import mapping_rows, note_text


def details(info: datasets.DatasetInfo) -> None:
    """Where an uploaded dataset came from, what was done to it, its download and its deletion."""
    upload = (own_store.read_info(info.name) or {}).get("upload", {})
    st.caption(tr("own.from", file=upload.get("file", "?"), who=upload.get("uploader") or tr("own.someone")))
    for code, values in upload.get("notes", []):
        st.caption(note_text(code, values, lang()))
    if mapping := upload.get("mapping"):
        with st.expander(tr("own.mapping")):
            st.dataframe(mapping_rows(mapping, lang()), hide_index=True)
    left, right = st.columns(2)
    path = own_store.arrays_path(info.name)
    if path.exists():  # read from disk only when clicked: a page rerun must not hold the file (up to 600 MB)
        left.download_button(tr("own.download"), path.read_bytes, f"{info.name}.npz", key="own.download",
                             help=tr("own.download_help"), on_click="ignore")  # fmt: skip
    if may_manage(upload.get("uploader", ""), identity.nickname(), identity.is_teacher()):
        _delete(right, info)


def _delete(where, info: datasets.DatasetInfo) -> None:
    if not where.toggle(tr("own.delete"), key=f"own.delete.{info.name}"):
        return
    where.warning(tr("own.delete_confirm", name=dataset_label(info.name)))
    if where.button(tr("own.delete_now"), key="own.delete_now", type="primary"):
        st.session_state["own.deleted"] = dataset_label(info.name)  # (its name, while it still has one)
        datasets.delete_cache(info.name)
        ingests().clear(session_id())  # its upload report would name a deleted dataset
        switch_value(keys.DATA_NAME, datasets.DEFAULT_DATASET)
        st.rerun()


def deleted_note() -> None:
    """Say once that a dataset was deleted (after the page moved to another one)."""
    if name := st.session_state.pop("own.deleted", None):
        st.success(tr("own.deleted", name=name))
