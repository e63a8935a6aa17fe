"""Architecture page helpers: presets, share links, Keras summary, export and import."""

from __future__ import annotations

import streamlit as st

from app_pages import arch_editor as editor
from app_pages.shared import dataset_label, lang, set_value, tr
from lib.data import datasets
from lib.i18n import pick
from lib.model.analysis import Analysis, Target
from lib.model.builder import build_model, summary_text
from lib.model.codegen import export_script, script_filename
from lib.model.presets import PRESETS
from lib.model.spec import ModelSpec, SpecError, from_json, from_link_token, to_link_token
from lib.model.train_config import TrainSettings


def load_preset(preset_id: str, quiet: bool = False) -> None:
    """Put a lesson network (and its recommended training settings) in the session."""
    preset = PRESETS[preset_id]
    if not quiet:
        set_value("data.name", preset.dataset)
    info = datasets.REGISTRY[st.session_state.get("data.name", preset.dataset)]
    _use_spec(preset.spec(info.input_shape), preset.target_kind)
    st.session_state["train.settings"] = preset.settings()
    if not quiet:
        st.session_state["arch.note"] = tr("arch.preset_loaded", name=pick(preset.title, lang()))


def ensure_spec() -> ModelSpec:
    """The session's model; the current dataset's first lesson network if there is none yet."""
    if "arch.spec" not in st.session_state:
        name = st.session_state.get("data.name", datasets.DEFAULT_DATASET)
        load_preset(next((p.id for p in PRESETS.values() if p.dataset == name), "digits_mlp"), quiet=True)
    return st.session_state["arch.spec"]


def _use_spec(spec: ModelSpec, target_kind: str | None = None) -> None:
    st.session_state["arch.spec"] = spec
    st.session_state["arch.mode"] = spec.mode
    st.session_state["arch.target_kind"] = target_kind
    editor.forget_widgets()


def target_for(info: datasets.DatasetInfo) -> Target:
    """The output the model must give on this dataset (an autoencoder gives its input)."""
    kind = st.session_state.get("arch.target_kind")
    if kind == "input" and info.kind == "image":
        return Target("input", info.num_classes)
    return Target("classes" if info.is_classification else "value", info.num_classes)


def load_link() -> None:
    """Open the model encoded in the ``model`` query parameter, once per link."""
    token = st.query_params.get("model")
    if not token or token == st.session_state.get("arch.link_token"):
        return
    st.session_state["arch.link_token"] = token
    try:
        _use_spec(from_link_token(token))
        st.session_state["arch.note"] = tr("arch.link_loaded")
    except SpecError as err:
        st.error(tr(f"spec.err.{err.code}", **err.values))


@st.cache_resource(show_spinner=False, max_entries=16)
def _summary(spec_json: str, _analysis: Analysis) -> str:
    return summary_text(build_model(from_json(spec_json), _analysis))


def keras_summary(spec_json: str, analysis: Analysis) -> str:
    """Keras's own ``summary()`` of the model, built once per distinct spec."""
    with st.spinner(tr("arch.building")):
        return _summary(spec_json, analysis)


def _upload() -> None:
    uploaded = st.session_state.get("arch.upload")
    if uploaded is None:
        return
    try:
        spec = from_json(uploaded.getvalue())
    except SpecError as err:
        st.session_state["arch.upload_error"] = tr(f"spec.err.{err.code}", **err.values)
        return
    _use_spec(spec)
    st.session_state["arch.note"] = tr("arch.uploaded", name=spec.name)


def export_panel(spec: ModelSpec, analysis: Analysis, dataset: str, target: Target) -> None:
    """Download/upload JSON, the share link, and the runnable script."""
    st.subheader(tr("arch.export"))
    st.download_button(
        tr("arch.download_json"), spec.to_json(), f"{spec.name}.json", "application/json", key="arch.download_json"
    )
    st.file_uploader(tr("arch.upload_json"), type=["json"], key="arch.upload", on_change=_upload)
    if error := st.session_state.pop("arch.upload_error", None):
        st.error(error)
    base = (st.context.url or "").split("?")[0]
    st.text_input(
        tr("arch.share"),
        f"{base}?lang={lang()}&model={to_link_token(spec)}",
        help=tr("arch.share_help"),
        key="arch.share_link",
    )
    if not analysis.ok:
        st.caption(tr("arch.fix_first"))
        return
    settings = st.session_state.get("train.settings") or TrainSettings()
    filename = script_filename(spec.name)
    script = export_script(spec, analysis, dataset, target, settings, filename=filename)
    st.download_button(tr("arch.download_script"), script, filename, "text/x-python", key="arch.script")
    st.caption(dataset_label(dataset))
