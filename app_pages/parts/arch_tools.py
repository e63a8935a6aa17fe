"""Architecture page helpers: presets, share links, Keras summary, export and import."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app_pages.parts import arch_editor as editor
from app_pages.parts import keys
from app_pages.parts.shared import dataset_label, dataset_name, lang, public_address, tr
from app_pages.parts.state import set_value
from app_pages.parts.widgets import forget
from lib.data import datasets
from lib.i18n import pick
from lib.model.analysis import Analysis, Target
from lib.model.builder import build_model, summary_text
from lib.model.codegen import export_script, script_filename
from lib.model.presets import PRESETS, fitting, for_dataset
from lib.model.spec import ModelSpec, SpecError, from_json, from_link_token
from lib.model.train_config import TrainSettings
from lib.train.run_config import RunConfig
from lib.train.setup_link import PARAM, setup_token
from lib.train.training import make_config


def load_preset(preset_id: str, quiet: bool = False) -> None:
    """Put a lesson network (and its recommended training settings) in the session.

    The dataset switches to the one the network was made for, and the note says so.
    """
    preset = PRESETS[preset_id]
    before = dataset_name()
    current = datasets.REGISTRY.get(before)
    if current is not None and current.is_own and (fitted := for_dataset(preset, current)) is not None:
        _use_spec(fitted.spec, fitted.target_kind)  # the user's own data stays: the network is fitted to it
        st.session_state[keys.TRAIN_SETTINGS] = fitted.settings
        forget("train.w.")
        if not quiet:
            note = tr("arch.preset_loaded", name=pick(preset.title, lang()))
            st.session_state[keys.ARCH_NOTE] = note + " " + tr("arch.preset_adapted", dataset=dataset_label(before))
        return
    stand_in = None if quiet else datasets.offline_stand_in(preset.dataset)
    if not quiet:
        set_value(keys.DATA_NAME, stand_in or preset.dataset)
    info = datasets.REGISTRY[st.session_state.get(keys.DATA_NAME, preset.dataset)]
    _use_spec(preset.spec(info.input_shape), preset.target_kind)
    st.session_state[keys.TRAIN_SETTINGS] = preset.settings()
    forget("train.w.")
    if not quiet:
        note = tr("arch.preset_loaded", name=pick(preset.title, lang()))
        after = stand_in or preset.dataset
        if before != after:
            note += " " + tr("arch.dataset_switched", before=dataset_label(before), after=dataset_label(after))
        if stand_in:  # its own dataset is not in the Keras cache, and there is no network here
            note += " " + tr("arch.stand_in", dataset=dataset_label(preset.dataset), other=dataset_label(stand_in))
        st.session_state[keys.ARCH_NOTE] = note


def current_config(spec: ModelSpec, dataset: str, target: Target) -> RunConfig:
    """The run config this session's setup would train (what a share link carries)."""
    settings = st.session_state.get(keys.TRAIN_SETTINGS) or TrainSettings()
    samples = st.session_state.get(keys.DATA_TRAIN_SAMPLES) or 0
    return make_config(
        spec, dataset, samples, target.kind, settings, st.session_state.get(keys.TRAIN_BACKEND) or "auto"
    )


def share_link(config: RunConfig, heading: bool = True) -> None:
    """The link that reopens this whole setup (rebuilt on every edit), with a copy button."""
    page = st.session_state.get(keys.APP_PAGE, "")
    base = public_address() + (f"/{page}" if page and page != "home" else "/")  # the public address, not localhost
    if heading:
        st.markdown(f"**{tr('arch.share')}**", help=tr("arch.share_help"))
    else:
        st.caption(tr("arch.share_help"))
    st.code(f"{base}?lang={lang()}&{PARAM}={setup_token(config)}", language=None, wrap_lines=True)


def apply_model_link() -> None:
    """Restore the model in an older ``model`` link once, then drop it (``setup`` links: app_pages/parts/address.py)."""
    if token := st.query_params.get("model"):
        del st.query_params["model"]
        try:
            _use_spec(from_link_token(token))
            st.session_state[keys.ARCH_NOTE] = tr("arch.link_loaded")
        except SpecError as err:
            st.session_state["arch.link_error"] = tr(f"spec.err.{err.code}", **err.values)
        except Exception as exc:  # noqa: BLE001 - see above
            st.session_state["arch.link_error"] = tr("spec.err.unreadable", detail=type(exc).__name__)


def use_parts(parts: dict) -> None:
    """Make the restored parts of a setup (``lib.train.setup_link.restore_parts``) this session's."""
    if "dataset" in parts:
        set_value(keys.DATA_NAME, parts["dataset"])
        set_value(keys.DATA_TRAIN_SAMPLES, parts.get("train_samples", 0))
    if "backend" in parts:
        set_value(keys.TRAIN_BACKEND, parts["backend"])
    if "model" in parts:
        spec, target = parts["model"]
        _use_spec(spec, "input" if target == "input" else None)
    if "settings" in parts:
        settings = TrainSettings.from_dict(parts["settings"])  # a link's part: checked JSON
        set_value(keys.DATA_VAL_FRACTION, settings.fit.validation_split)
        st.session_state[keys.TRAIN_SETTINGS] = settings
        forget("train.w.")


def use_config(config: RunConfig) -> None:
    """Make a run config this session's whole setup: dataset, subset, model, settings, backend."""
    set_value(keys.DATA_NAME, config.dataset)
    set_value(keys.DATA_TRAIN_SAMPLES, config.train_samples)
    set_value(keys.DATA_VAL_FRACTION, config.fit.validation_split)
    set_value(keys.TRAIN_BACKEND, config.backend)
    _use_spec(config.model_spec(), "input" if config.target == "input" else None)
    st.session_state[keys.TRAIN_SETTINGS] = config.settings
    forget("train.w.")


def link_messages() -> None:
    """What opening a link did (shown once, on whichever page the link opened)."""
    if error := st.session_state.pop("arch.link_error", None):
        st.error(error)
    if note := st.session_state.pop(keys.ARCH_NOTE, None):
        st.success(note)


AUTO = "arch.auto"  # (dataset, spec JSON) of a lesson network the app chose, not the user


def ensure_spec() -> ModelSpec:
    """The session's model; the current dataset's first lesson network if there is none yet.

    A network the app chose by itself (the session's first, e.g. for the address) follows
    the dataset until the user edits or loads one: an uploaded dataset of 3 classes gets a
    network with 3 outputs, not the digits network picked before the upload.
    """
    name = dataset_name()
    auto = st.session_state.get(AUTO)
    if auto and auto[0] != name and keys.ARCH_SPEC in st.session_state:
        if st.session_state[keys.ARCH_SPEC].to_json() == auto[1]:  # untouched since the app chose it
            del st.session_state[keys.ARCH_SPEC]
        st.session_state.pop(AUTO)
    if keys.ARCH_SPEC not in st.session_state:
        info = datasets.REGISTRY.get(name)
        load_preset(next(iter(fitting(info) if info else []), "digits_mlp"), quiet=True)
        st.session_state[AUTO] = (name, st.session_state[keys.ARCH_SPEC].to_json())
    return st.session_state[keys.ARCH_SPEC]


def _use_spec(spec: ModelSpec, target_kind: str | None = None) -> None:
    st.session_state.pop(AUTO, None)  # chosen now: it no longer follows the dataset (ensure_spec)
    st.session_state[keys.ARCH_SPEC] = spec
    st.session_state["arch.mode"] = spec.mode
    st.session_state[keys.ARCH_TARGET_KIND] = target_kind
    editor.forget_widgets()


def target_for(info: datasets.DatasetInfo) -> Target:
    """The output the model must give on this dataset (an autoencoder gives its input)."""
    kind = st.session_state.get(keys.ARCH_TARGET_KIND)
    if kind == "input" and info.kind == "image":
        return Target("input", info.num_classes)
    return Target("classes" if info.is_classification else "value", info.num_classes)


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
    except Exception as exc:  # noqa: BLE001 - an uploaded file: any failure is a message
        st.session_state["arch.upload_error"] = tr("spec.err.unreadable", detail=type(exc).__name__)
        return
    _use_spec(spec)
    st.session_state[keys.ARCH_NOTE] = tr("arch.uploaded", name=spec.name)


def export_panel(spec: ModelSpec, analysis: Analysis, dataset: str, target: Target) -> None:
    """Download/upload JSON, the share link, and the runnable script."""
    st.subheader(tr("arch.export"))
    # Files made when clicked (callables), not stored on every rerun: an inline file is replaced by
    # the next rerun, and its button's check of the old address then fails (404s with 30 students).
    st.download_button(
        tr("arch.download_json"), spec.to_json, f"{spec.name}.json", "application/json", key="arch.download_json"
    )
    st.file_uploader(tr("arch.upload_json"), type=["json"], key="arch.upload", on_change=_upload)
    if error := st.session_state.pop("arch.upload_error", None):
        st.error(error)
    share_link(current_config(spec, dataset, target))
    if not analysis.ok:
        st.caption(tr("arch.fix_first"))
        return
    settings = st.session_state.get(keys.TRAIN_SETTINGS) or TrainSettings()
    filename = script_filename(spec.name)
    from app_pages.parts.identity import nickname

    script = partial(export_script, spec, analysis, dataset, target, settings, filename=filename,
                     exported_by=nickname())  # fmt: skip
    st.download_button(tr("arch.download_script"), script, filename, "text/x-python", key="arch.script")
    st.caption(dataset_label(dataset))
