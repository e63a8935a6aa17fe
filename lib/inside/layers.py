"""Every layer's activations for one input, and the learned filters of each convolution."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LayerOutput:
    """One layer's output for one input: ``values`` without the batch axis."""

    name: str
    class_name: str
    values: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        """The output shape of one sample (Keras's output shape without the batch)."""
        return tuple(int(d) for d in self.values.shape)

    @property
    def view(self) -> str:
        """How to show it: ``maps`` (height, width, channels), ``bars`` (a vector), ``matrix`` (steps × units)."""
        return {3: "maps", 1: "bars"}.get(self.values.ndim, "matrix")


class LayerProbe:
    """One ``keras.Model`` from the model's input to every layer's output, built once per model."""

    def __init__(self, model) -> None:
        import keras

        self.layers = [
            layer for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer) and _single_output(layer)
        ]  # fmt: skip
        self.names = [layer.name for layer in self.layers]
        if isinstance(model, keras.Sequential):  # its own layers on a new input (see gradients.submodel)
            source = model.inputs[0]
            tensor = inputs = keras.Input(tuple(source.shape[1:]), dtype=source.dtype)
            outputs = []
            for layer in self.layers:
                tensor = layer(tensor)
                outputs.append(tensor)
            self._probe = keras.Model(inputs, outputs)
        else:
            self._probe = keras.Model(model.inputs[0], [layer.output for layer in self.layers])

    def activations(self, x: np.ndarray) -> list[LayerOutput]:
        """Every layer's output for the first input of ``x``, in the model's order (one forward pass)."""
        outputs = self._probe(np.asarray(x[:1]), training=False)
        if not isinstance(outputs, list | tuple):
            outputs = [outputs]
        return [
            LayerOutput(layer.name, type(layer).__name__, np.asarray(out)[0])
            for layer, out in zip(self.layers, outputs)
        ]


def _single_output(layer) -> bool:
    try:
        return not isinstance(layer.output, list | tuple)
    except (AttributeError, ValueError):  # a layer used twice has no single output
        return False


@dataclass
class Filters:
    """A conv layer's kernels as pictures: ``images`` (filters, kh, kw) or (filters, kh, kw, 3) for RGB."""

    layer: str
    images: np.ndarray
    in_channels: int
    colour: bool


def learned_filters(model, layer: str) -> Filters:
    """The kernels of conv ``layer``: one picture per filter.

    A first layer on colour images shows each filter in RGB (scaled to [0, 1] together, 0.5 =
    weight 0); with one input channel, the raw weights; with more, their mean over the input
    channels (a summary: each filter really has one kernel per input channel).
    """
    kernel = np.asarray(model.get_layer(layer).get_weights()[0], dtype="float32")
    if kernel.ndim != 4:
        raise ValueError(f"{layer} has no 2-D kernel")
    channels = kernel.shape[2]
    per_filter = np.moveaxis(kernel, -1, 0)  # (filters, kh, kw, channels)
    if channels == 3 and model.get_layer(layer) is _first_layer(model):
        peak = float(np.abs(per_filter).max()) or 1.0
        return Filters(layer, 0.5 + 0.5 * per_filter / peak, channels, True)
    return Filters(layer, per_filter.mean(axis=-1), channels, False)


def _first_layer(model):
    import keras

    return next(layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer))
