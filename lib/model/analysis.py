"""Check a ModelSpec before anything is built, in pure Python.

Shapes, parameter counts, memory, and every problem explained: which layer, what is
wrong, what to change.

Nothing here imports TensorFlow, so the Architecture page updates instantly after each
edit; ``tests/test_architecture.py`` checks these figures against Keras's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lib.i18n import number, t
from lib.model.layers import REGISTRY, Shape, ShapeError, normalise_config
from lib.model.spec import INPUT_ID, ModelSpec

MAX_PARAMS = 30_000_000
MAX_TRAIN_BYTES = 4 * 1024**3
# Values in one layer's output for one sample. Far above any model that fits in memory
# (MAX_TRAIN_BYTES), it stops shapes that grow without bound (180 UpSampling2D layers)
# before their sizes turn into numbers too large to print.
MAX_LAYER_VALUES = 10**9
BYTES_PER_VALUE = 4  # float32
RANK_NEEDS = {3: "needs_image", 2: "needs_sequence", 1: "needs_tokens"}


@dataclass(frozen=True)
class Target:
    """What the model's output must be: class scores, one value, or the input again."""

    kind: str  # "classes" | "value" | "input"
    num_classes: int = 0

    def expected(self, input_shape: Shape) -> Shape:
        """The output shape this target needs."""
        if self.kind == "classes":
            return (self.num_classes,)
        return (1,) if self.kind == "value" else tuple(input_shape)


@dataclass
class Problem:
    """Something wrong (``severity="error"``) or worth knowing (``"hint"``) at a layer."""

    code: str
    node_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    severity: str = "error"


@dataclass
class LayerRow:
    """One row of the shape table."""

    id: str
    class_name: str
    output_shape: Shape | None
    params: int
    trainable: int


@dataclass
class Analysis:
    """Everything the page shows about a spec."""

    rows: list[LayerRow]
    problems: list[Problem]
    total_params: int
    trainable_params: int
    activation_values: int
    batch_size: int
    order: list[int]
    output_id: str | None

    @property
    def ok(self) -> bool:
        """True when there is no error (hints allowed): the model can be built."""
        return not any(p.severity == "error" for p in self.problems)

    @property
    def weight_bytes(self) -> int:
        """Memory of the weights alone."""
        return self.total_params * BYTES_PER_VALUE

    @property
    def train_bytes(self) -> int:
        """Training memory estimate.

        Weights, gradients and two optimizer slots, plus the activations of one batch
        kept for backpropagation (forward values and their gradients).
        """
        return 4 * self.weight_bytes + 2 * self.batch_size * self.activation_values * BYTES_PER_VALUE


def analyse(spec: ModelSpec, target: Target, batch_size: int = 32) -> Analysis:
    """Check ``spec`` and compute its table; never raises for any spec."""
    problems: list[Problem] = []
    if not spec.nodes:
        return Analysis([], [Problem("no_layers")], 0, 0, 0, batch_size, [], None)
    for node in spec.nodes:
        problems += _param_problems(node.id, node.class_name, node.config)
    inputs = {n.id: spec.inputs_of(i) for i, n in enumerate(spec.nodes)}
    problems += _wiring_problems(spec, inputs)
    order = _topological_order(spec, inputs)
    if order is None:
        problems.append(Problem("cycle", None, {"nodes": ", ".join(n.id for n in spec.nodes)}))
        order = []
    bad_params = {p.node_id for p in problems}
    shapes: dict[str, Shape | None] = {INPUT_ID: tuple(spec.input_shape)}
    rows, acts = {}, 0
    for index in order:
        node = spec.nodes[index]
        shape, weights = None, (0, 0)
        if node.id not in bad_params and all(shapes.get(i) is not None for i in inputs[node.id]):
            shape, weights, problem = _propagate(spec, node, inputs[node.id], shapes)
            if problem:
                problems.append(problem)
        shapes[node.id] = shape
        acts += math.prod(shape) if shape else 0
        rows[node.id] = LayerRow(node.id, node.class_name, shape, sum(weights), weights[0])
    table = [rows[n.id] for n in spec.nodes if n.id in rows]
    total, trainable = sum(r.params for r in table), sum(r.trainable for r in table)
    sinks = [n.id for n in spec.nodes if not any(n.id in v for v in inputs.values())]
    output_id = sinks[-1] if sinks else None
    if len(sinks) > 1:
        problems.append(Problem("several_outputs", None, {"nodes": ", ".join(sinks)}))
    elif output_id and shapes.get(output_id):
        problems += _output_problems(spec, output_id, shapes[output_id], target)
    result = Analysis(table, problems, total, trainable, acts, batch_size, order, output_id)
    if total > MAX_PARAMS or result.train_bytes > MAX_TRAIN_BYTES:
        problems.append(Problem("too_big", None, {"params": total, "memory": result.train_bytes}))
    return result


def _param_problems(node_id: str, class_name: str, config: dict) -> list[Problem]:
    layer = REGISTRY[class_name]
    merged = normalise_config(layer, config)
    out = []
    for param in layer.params:
        reason = param.check(tuple(merged[param.name]) if param.kind == "int_tuple" else merged[param.name])
        if reason:
            out.append(
                Problem(
                    "bad_param",
                    node_id,
                    {
                        "layer": class_name,
                        "param": param.name,
                        "value": merged[param.name],
                        "reason": reason,
                        "low": param.low,
                        "high": param.high,
                        "choices": ", ".join(map(str, param.choices)),
                    },
                )
            )
    return out


def _wiring_problems(spec: ModelSpec, inputs: dict[str, list[str]]) -> list[Problem]:
    known = {INPUT_ID} | {n.id for n in spec.nodes}
    out = []
    for node in spec.nodes:
        sources = inputs[node.id]
        for source in sources:
            if source not in known:
                out.append(Problem("unknown_input", node.id, {"layer": node.id, "input": source}))
        if REGISTRY[node.class_name].merge and len(sources) < 2:
            out.append(Problem("merge_inputs", node.id, {"layer": node.id, "count": len(sources)}))
        elif not REGISTRY[node.class_name].merge and len(sources) != 1:
            out.append(Problem("single_input", node.id, {"layer": node.id, "count": len(sources)}))
    return out


def wiring(spec: ModelSpec) -> tuple[list[int], str | None]:
    """The order to call a sound spec's layers in, and its output layer's id (what building needs).

    A run's spec was analysed when the run was submitted; the worker builds it with only this.
    """
    inputs = {n.id: spec.inputs_of(i) for i, n in enumerate(spec.nodes)}
    sinks = [n.id for n in spec.nodes if not any(n.id in v for v in inputs.values())]
    return _topological_order(spec, inputs) or [], sinks[-1] if sinks else None


def _topological_order(spec: ModelSpec, inputs: dict[str, list[str]]) -> list[int] | None:
    index = {n.id: i for i, n in enumerate(spec.nodes)}
    done: set[str] = {INPUT_ID}
    order: list[int] = []
    pending = [n.id for n in spec.nodes]
    while pending:
        ready = [i for i in pending if all(s in done or s not in index for s in inputs[i])]
        if not ready:
            return None
        for node_id in ready:
            done.add(node_id)
            order.append(index[node_id])
        pending = [i for i in pending if i not in done]
    return order


def _propagate(spec: ModelSpec, node, sources: list[str], shapes: dict) -> tuple:
    layer = REGISTRY[node.class_name]
    config = normalise_config(layer, node.config)
    in_shapes = [tuple(shapes[s]) for s in sources]
    values = {"layer": node.id, "shape": _fmt(in_shapes[0]), "cause": _cause(spec, sources[0])}
    if layer.integer_input and sources != [INPUT_ID]:
        return None, (0, 0), Problem("embedding_first", node.id, values)
    if layer.ranks and len(in_shapes[0]) not in layer.ranks:
        return (
            None,
            (0, 0),
            Problem(
                RANK_NEEDS[layer.ranks[0]],
                node.id,
                {**values, "fix": _rank_fix(spec, layer.ranks[0], sources[0], in_shapes[0])},
            ),
        )
    try:
        out = tuple(int(d) for d in layer.output(config, in_shapes))
    except ShapeError as err:
        return None, (0, 0), Problem(err.code, node.id, {**values, **{k: _fmt(v) for k, v in err.values.items()}})
    if any(d <= 0 for d in out):
        return None, (0, 0), Problem("empty_output", node.id, {**values, "out": _fmt(out)})
    if math.prod(out) > MAX_LAYER_VALUES:
        return None, (0, 0), Problem("layer_too_big", node.id, {**values, "limit": MAX_LAYER_VALUES})
    return out, layer.weights(config, in_shapes), None


def _cause(spec: ModelSpec, source: str) -> str:
    if source == INPUT_ID:
        return "Input"
    return next(n.class_name for n in spec.nodes if n.id == source)


def _rank_fix(spec: ModelSpec, need: int, source: str, got: Shape) -> str:
    before = _ancestors_classes(spec, source)
    if need == 3 and "Flatten" in before:
        return "move_flatten"
    if need == 3:
        return "reshape_image"
    if need == 2 and len(got) == 1 and len(spec.input_shape) == 1:
        return "add_embedding"
    return "reshape_sequence" if need == 2 else "tokens_only"


def _ancestors_classes(spec: ModelSpec, node_id: str) -> set[str]:
    by_id = {n.id: (i, n) for i, n in enumerate(spec.nodes)}
    seen, stack, classes = set(), [node_id], set()
    while stack:
        current = stack.pop()
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        index, node = by_id[current]
        classes.add(node.class_name)
        stack += spec.inputs_of(index)
    return classes


def _output_problems(spec: ModelSpec, output_id: str, shape: Shape, target: Target) -> list[Problem]:
    expected = target.expected(spec.input_shape)
    last = next(n for n in spec.nodes if n.id == output_id)
    values = {
        "layer": output_id,
        "shape": _fmt(shape),
        "expected": _fmt(expected),
        "got": shape[-1],
        "classes": target.num_classes,
    }
    if target.kind == "input":
        return [] if shape == expected else [Problem("output_not_input", output_id, values)]
    if len(shape) > 1:
        return [Problem("output_not_flat", output_id, values)]
    binary = target.kind == "classes" and target.num_classes == 2 and shape == (1,)
    if shape != expected and not binary:
        return [Problem("output_units" if target.kind == "classes" else "output_value", output_id, values)]
    activation = normalise_config(REGISTRY[last.class_name], last.config).get("activation")
    if target.kind == "classes" and not binary and activation not in (None, "softmax"):
        return [Problem("output_activation", output_id, {**values, "activation": activation}, "hint")]
    return []


def _fmt(value: Any) -> Any:
    if isinstance(value, tuple):
        return "(" + ", ".join(map(str, value)) + ("," if len(value) == 1 else "") + ")"
    return value


# --- messages --------------------------------------------------------------------------------


def message(problem: Problem, lang: str) -> str:
    """The problem in ``lang``: what is wrong, why, and what to change."""
    values = dict(problem.values)
    if problem.code == "bad_param":
        rule = values["reason"]
        if isinstance(values["value"], float):
            values["value"] = _num(values["value"], lang)
        if rule == "range":
            key = (
                "arch.rule.range_open"
                if values["high"] is not None and values["param"] == "rate"
                else "arch.rule.range"
            )
            values["rule"] = t(key, lang, low=_num(values["low"], lang), high=_num(values["high"], lang))
        else:
            values["rule"] = t(f"arch.rule.{rule}", lang, choices=values["choices"])
    if problem.code in RANK_NEEDS.values():
        values["fix"] = t(f"arch.fix.{values['fix']}", lang)
    if problem.code == "layer_too_big":
        values["limit"] = number(values["limit"], lang)
    if problem.code == "too_big":
        values.update(
            params=number(values["params"], lang),
            memory=bytes_text(values["memory"], lang),
            limit_params=number(MAX_PARAMS, lang),
            limit_memory=bytes_text(MAX_TRAIN_BYTES, lang),
        )
    return t(f"arch.err.{problem.code}", lang, **values)


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "∞"
    if float(value).is_integer():
        return number(value, lang)
    decimals = len(f"{value:.6g}".split(".")[-1]) if "e" not in f"{value:.6g}" else 6
    return number(value, lang, min(decimals, 6))


def bytes_text(count: float, lang: str) -> str:
    """A byte count as KB/MB/GB/TB, with the language's decimal separator."""
    count = min(count, 1024**6)  # anything larger reads as "≥ 1,048,576 TB", never overflows
    for unit, size in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= size:
            return f"{number(count / size, lang, 1)} {unit}"
    return f"{number(count, lang)} B"
