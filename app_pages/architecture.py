"""Architecture page: build a Sequential or Functional model layer by layer, see it live."""

import streamlit as st

from app_pages.parts import arch_editor as editor
from app_pages.parts import keys
from app_pages.parts.arch_tools import ensure_spec, export_panel, keras_summary, link_messages, load_preset, target_for
from app_pages.parts.shared import dataset_label, dataset_name, lang, num, tr
from app_pages.parts.state import bind
from lib.data import datasets
from lib.i18n import pick
from lib.model.analysis import analyse, bytes_text, message
from lib.model.graph import to_dot
from lib.model.layers import FAMILIES, LAYER_TYPES
from lib.model.presets import PRESETS, fitting
from lib.model.spec import ModelSpec

st.title(tr("arch.title"))
dataset_name()  # an uploaded dataset deleted since falls back to the default
link_messages()
top = st.columns([2, 3, 1], vertical_alignment="bottom")
dataset_labels = {n: dataset_label(n) for n in datasets.REGISTRY}
name = top[0].selectbox(
    tr("ds.pick"),
    list(datasets.REGISTRY),
    format_func=dataset_labels.__getitem__,
    **bind(keys.DATA_NAME, datasets.DEFAULT_DATASET, list(datasets.REGISTRY)),
)
info = datasets.REGISTRY[name]
titles = {p.id: pick(p.title, lang()) for p in PRESETS.values()}
if "arch.preset" not in st.session_state:  # start on a lesson network for this dataset
    st.session_state["arch.preset"] = next(iter(fitting(info)), "digits_mlp")
preset_id = top[1].selectbox(tr("arch.preset"), list(PRESETS), format_func=titles.__getitem__, key="arch.preset")
top[2].button(tr("arch.load_preset"), on_click=load_preset, args=(preset_id,), key="arch.load", type="primary")
st.caption(tr("arch.preset_dataset", dataset=dataset_label(PRESETS[preset_id].dataset)))
spec: ModelSpec = ensure_spec()
spec.input_shape = info.input_shape
target = target_for(info)
link_messages()  # a preset just loaded
st.markdown(
    tr(
        "arch.io",
        shape=str(info.input_shape),
        dataset=dataset_label(name),
        target=tr(f"arch.target.{target.kind}", n=info.num_classes),
    )
)

edit, view = st.columns([3, 2], gap="large")
with edit:
    mode_labels = {m: tr(f"arch.mode.{m}") for m in ("sequential", "functional")}
    spec.mode = (
        st.segmented_control(tr("arch.mode"), list(mode_labels), format_func=mode_labels.__getitem__, key="arch.mode")
        or spec.mode
    )
    st.subheader(tr("arch.layers"))
    if not spec.nodes:
        st.info(tr("arch.empty"))
    slots = {spec.nodes[i].id: editor.node_editor(spec, i) for i in range(len(spec.nodes))}
    analysis = analyse(spec, target, st.session_state.get("arch.batch", 32))  # with this run's edits
    for problem in analysis.problems:
        if problem.node_id in slots and problem.severity == "error":
            slots[problem.node_id].error(message(problem, lang()))
    add = st.columns([3, 2], vertical_alignment="bottom")
    family = {layer.name: tr(f"arch.family.{layer.family}") for layer in LAYER_TYPES}
    add_labels = {name: f"{name} · {label}" for name, label in family.items()}
    ordered = sorted(family, key=lambda n: (FAMILIES.index(next(x.family for x in LAYER_TYPES if x.name == n)), n))
    choice = add[0].selectbox(tr("arch.add_type"), ordered, format_func=add_labels.__getitem__, key="arch.add_type")
    add[1].button(tr("arch.add"), on_click=editor.add_layer, args=(choice,), key="arch.add")

with view:
    for problem in analysis.problems:
        if problem.node_id is None or problem.severity == "hint":
            (st.warning if problem.severity == "hint" else st.error)(message(problem, lang()))
    if analysis.ok:
        st.success(tr("arch.valid", params=num(analysis.total_params)))
    # Each figure as wide as it needs, wrapping to the next line: in fixed columns a
    # projector's narrow view cut "109,4 KB" to "109,…" (#25).
    figures = st.container(horizontal=True, gap="medium")
    for label, value in (
        (tr("arch.total"), num(analysis.total_params)),
        (tr("arch.trainable"), num(analysis.trainable_params)),
        (tr("arch.memory"), bytes_text(analysis.train_bytes, lang())),
        (tr("arch.weights"), bytes_text(analysis.weight_bytes, lang())),
    ):
        figures.metric(label, value, width="content")
    st.number_input(tr("arch.batch"), 1, 4096, 32, key="arch.batch")
    st.graphviz_chart(to_dot(spec, analysis))

st.dataframe(
    [
        {
            tr("arch.table.layer"): r.id,
            tr("arch.table.type"): r.class_name,
            tr("arch.table.output"): str(r.output_shape or "—"),
            tr("arch.table.params"): num(r.params),
        }
        for r in analysis.rows
    ],
    hide_index=True,
)
if analysis.ok:
    with st.expander(tr("arch.summary")):
        st.code(keras_summary(spec.to_json(), analysis), language=None)
export_panel(spec, analysis, name, target)
