"""The model as a Graphviz DOT graph (rendered by ``st.graphviz_chart`` in the browser)."""

from __future__ import annotations

from lib.model.analysis import Analysis
from lib.model.spec import INPUT_ID, ModelSpec


def _fmt(shape) -> str:
    return "?" if shape is None else "(" + ", ".join(map(str, shape)) + ")"


def to_dot(spec: ModelSpec, analysis: Analysis) -> str:
    """Nodes show id, layer class and output shape; layers with an error are red."""
    bad = {p.node_id for p in analysis.problems if p.severity == "error"}
    rows = {r.id: r for r in analysis.rows}
    lines = [
        "digraph model {",
        '  rankdir=TB; bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, fillcolor="#eef3fb"];',
        f'  "{INPUT_ID}" [label="Input\\n{_fmt(spec.input_shape)}", fillcolor="#dfe9d8"];',
    ]
    for index, node in enumerate(spec.nodes):
        row = rows.get(node.id)
        color = "#f8d0d0" if node.id in bad else "#eef3fb"
        label = f"{node.id}\\n{node.class_name}\\n{_fmt(row.output_shape if row else None)}"
        lines.append(f'  "{node.id}" [label="{label}", fillcolor="{color}"];')
        for source in spec.inputs_of(index):
            lines.append(f'  "{source}" -> "{node.id}";')
    lines.append("}")
    return "\n".join(lines)
