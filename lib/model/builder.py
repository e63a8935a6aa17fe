"""Build a real Keras model from a ModelSpec (only after lib.model.analysis found no error)."""

from __future__ import annotations

import io

from lib.model.analysis import Analysis, wiring
from lib.model.layers import REGISTRY, normalise_config
from lib.model.spec import INPUT_ID, ModelSpec


def input_dtype(spec: ModelSpec) -> str:
    """``int32`` when the model starts with an Embedding (token ids), else ``float32``."""
    first = [n for i, n in enumerate(spec.nodes) if INPUT_ID in spec.inputs_of(i)]
    return "int32" if any(REGISTRY[n.class_name].integer_input for n in first) else "float32"


def keras_config(class_name: str, config: dict) -> dict:
    """The constructor arguments for Keras (defaults filled, lists as tuples)."""
    merged = normalise_config(REGISTRY[class_name], config)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()}


def build_model(spec: ModelSpec, analysis: Analysis | None = None):
    """Return the ``keras.Model`` for ``spec``: ``keras.Sequential`` or Functional.

    ``analysis`` (when the caller has it) gives the layers' order; without it the order is
    read from the spec's wiring alone (a run's worker: the spec was analysed at submit).
    """
    import keras

    inputs = keras.Input(shape=tuple(spec.input_shape), dtype=input_dtype(spec), name=INPUT_ID)
    layers = {
        n.id: getattr(keras.layers, n.class_name)(name=n.id, **keras_config(n.class_name, n.config)) for n in spec.nodes
    }
    if spec.mode == "sequential":
        return keras.Sequential([inputs, *(layers[n.id] for n in spec.nodes)], name=spec.name)
    order, output_id = (analysis.order, analysis.output_id) if analysis is not None else wiring(spec)
    tensors = {INPUT_ID: inputs}
    for index in order:
        node = spec.nodes[index]
        sources = [tensors[s] for s in spec.inputs_of(index)]
        tensors[node.id] = layers[node.id](sources if REGISTRY[node.class_name].merge else sources[0])
    return keras.Model(inputs, tensors[output_id], name=spec.name)


def summary_text(model) -> str:
    """Keras's own ``model.summary()`` as plain text."""
    out = io.StringIO()
    model.summary(print_fn=lambda line, **kwargs: out.write(line + "\n"))
    return out.getvalue()
