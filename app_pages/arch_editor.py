"""Streamlit widgets for editing a ModelSpec, generated from the layer registry."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages.shared import lang, tr
from lib.i18n import pick
from lib.layers import REGISTRY, Param, normalise_config
from lib.spec import INPUT_ID, ModelSpec, Node

SPEC_KEY = "arch.spec"
WIDGET_PREFIX = "arch.p."


def forget_widgets() -> None:
    """Drop every layer widget's state so widgets start again from the spec."""
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


def _parse_tuple(text: str) -> Any:
    try:
        return tuple(int(part) for part in text.replace("(", "").replace(")", "").split(",") if part.strip())
    except ValueError:
        return text  # analysis explains a value that is not a tuple


def param_widget(container, node: Node, param: Param, value: Any) -> Any:
    """One registry parameter as a widget; returns the value the user set."""
    key = f"{WIDGET_PREFIX}{node.id}.{param.name}"
    label, help_text = param.name, pick(param.help, lang())
    if param.kind == "int_tuple":
        if key not in st.session_state:
            st.session_state[key] = ", ".join(map(str, value))
        return _parse_tuple(container.text_input(label, key=key, help=help_text))
    if key not in st.session_state:
        st.session_state[key] = value
    if param.kind == "choice":
        return container.selectbox(label, param.choices, key=key, help=help_text)
    if param.kind == "bool":
        return container.checkbox(label, key=key, help=help_text)
    if param.kind in ("int", "optional_int"):
        return container.number_input(label, step=1, key=key, help=help_text, format="%d")
    step = 0.05 if param.high is not None and param.high <= 1 else 0.1
    return container.number_input(label, step=step, key=key, help=help_text, format="%g")


def _move(index: int, delta: int) -> None:
    spec: ModelSpec = st.session_state[SPEC_KEY]
    target = index + delta
    if 0 <= target < len(spec.nodes):
        spec.nodes[index], spec.nodes[target] = spec.nodes[target], spec.nodes[index]


def _remove(index: int) -> None:
    spec: ModelSpec = st.session_state[SPEC_KEY]
    removed = spec.nodes.pop(index)
    for node in spec.nodes:  # keep functional graphs connected where it is obvious
        node.inputs = [removed.inputs[0] if s == removed.id and removed.inputs else s for s in node.inputs]


def add_layer(class_name: str) -> None:
    """Append a layer with its defaults (fed by the last layer in Functional mode)."""
    spec: ModelSpec = st.session_state[SPEC_KEY]
    inputs = [spec.nodes[-1].id if spec.nodes else INPUT_ID]
    if REGISTRY[class_name].merge and len(spec.nodes) >= 2:
        inputs = [spec.nodes[-2].id, spec.nodes[-1].id]
    spec.nodes.append(Node(spec.new_id(class_name), class_name, {}, inputs))


def node_editor(spec: ModelSpec, index: int):
    """A bordered box for one layer: title, help, move/remove, its parameters, its inputs.

    Returns an empty slot in the box for this layer's problems, filled once the whole
    spec (with this run's edits) has been analysed.
    """
    node = spec.nodes[index]
    layer = REGISTRY[node.class_name]
    box = st.container(border=True)
    head = box.columns([6, 1, 1, 1], vertical_alignment="center")
    head[0].markdown(f"**{index + 1}. {node.class_name}** · `{node.id}`  \n:gray[{pick(layer.help, lang())}]")
    head[1].button("↑", key=f"arch.up.{node.id}", help=tr("arch.up"), on_click=_move, args=(index, -1))
    head[2].button("↓", key=f"arch.down.{node.id}", help=tr("arch.down"), on_click=_move, args=(index, 1))
    head[3].button("✕", key=f"arch.rm.{node.id}", help=tr("arch.remove"), on_click=_remove, args=(index,))
    config = normalise_config(layer, node.config)
    if layer.params:
        cols = box.columns(min(4, len(layer.params)))
        node.config = {p.name: param_widget(cols[i % len(cols)], node, p, config[p.name])
                       for i, p in enumerate(layer.params)}  # fmt: skip
    if spec.mode == "functional":
        options = [INPUT_ID, *(n.id for n in spec.nodes if n.id != node.id)]
        key = f"{WIDGET_PREFIX}{node.id}.__inputs"
        if key not in st.session_state:
            st.session_state[key] = [s for s in node.inputs if s in options]
        node.inputs = box.multiselect(tr("arch.inputs"), options, key=key)
    return box.container()
