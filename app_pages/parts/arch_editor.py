"""Streamlit widgets for editing a ModelSpec, generated from the layer registry."""

from __future__ import annotations

import streamlit as st

from app_pages.parts import keys
from app_pages.parts.shared import lang, tr
from app_pages.parts.widgets import forget, param_widget
from lib.i18n import pick
from lib.model.layers import REGISTRY, normalise_config
from lib.model.spec import INPUT_ID, ModelSpec, Node

WIDGET_PREFIX = "arch.p."


def forget_widgets() -> None:
    """Drop every layer widget's state so widgets start again from the spec."""
    forget(WIDGET_PREFIX)


def _move(index: int, delta: int) -> None:
    spec: ModelSpec = st.session_state[keys.ARCH_SPEC]
    target = index + delta
    if 0 <= target < len(spec.nodes):
        spec.nodes[index], spec.nodes[target] = spec.nodes[target], spec.nodes[index]


def _remove(index: int) -> None:
    spec: ModelSpec = st.session_state[keys.ARCH_SPEC]
    removed = spec.nodes.pop(index)
    for node in spec.nodes:  # keep functional graphs connected where it is obvious
        node.inputs = [removed.inputs[0] if s == removed.id and removed.inputs else s for s in node.inputs]


def add_layer(class_name: str) -> None:
    """Append a layer with its defaults (fed by the last layer in Functional mode)."""
    spec: ModelSpec = st.session_state[keys.ARCH_SPEC]
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
    head = box.columns([2, 1], vertical_alignment="center")
    head[0].markdown(f"**{index + 1}. {node.class_name}** · `{node.id}`  \n:gray[{pick(layer.help, lang())}]")
    # Three borderless buttons in a row of their own width: in a column each, a projector's
    # 1024 pixels left each narrower than its padding, and the arrows were cut off (#25).
    moves = head[1].container(horizontal=True, horizontal_alignment="right", gap="small")
    for label, action, hint, args in (
        ("↑", "up", "arch.up", (index, -1)),
        ("↓", "down", "arch.down", (index, 1)),
        ("✕", "rm", "arch.remove", (index,)),
    ):
        click = _remove if action == "rm" else _move
        moves.button(label, key=f"arch.{action}.{node.id}", help=tr(hint), on_click=click, args=args, type="tertiary")
    config = normalise_config(layer, node.config)
    if layer.params:
        cols = box.columns(min(4, len(layer.params)))
        node.config = {
            p.name: param_widget(cols[i % len(cols)], f"{WIDGET_PREFIX}{node.id}.{p.name}", p, config[p.name])
            for i, p in enumerate(layer.params)
        }
    if spec.mode == "functional":
        options = [INPUT_ID, *(n.id for n in spec.nodes if n.id != node.id)]
        chosen = [s for s in node.inputs if s in options]
        node.inputs = box.multiselect(
            tr("arch.inputs"), options, chosen, key=f"{WIDGET_PREFIX}{node.id}.__inputs", placeholder=tr("app.choose")
        )
    return box.container()
