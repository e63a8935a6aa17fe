"""What the model looks at: input gradients (saliency, SmoothGrad) and Grad-CAM, on any backend.

The maths is written with ``keras.ops``; only the gradient itself is the backend's own:
``tf.GradientTape`` on TensorFlow, ``jax.grad`` through ``model.stateless_call`` on JAX (jitted
once per model part), ``torch.autograd`` on PyTorch. The class score is the last layer's
logit when that layer is a Dense with softmax or sigmoid (the score before squashing, as
Grad-CAM's paper takes it; a saturated softmax would give near-zero gradients), else the
model's output for the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("gradcam", "saliency", "smoothgrad")
SMOOTHGRAD_SAMPLES = 16
SMOOTHGRAD_NOISE = 0.15  # noise spread as a share of the input's value range (the paper's 10-20 %)


class UnsupportedBackendError(RuntimeError):
    """The process runs a Keras backend this module takes no gradient on."""


@dataclass
class Heatmap:
    """Importance of each input pixel for one class: ``values`` (H, W) in [0, 1], 1 = most."""

    values: np.ndarray
    method: str
    class_index: int
    layer: str | None = None
    averaged: bool = False  # Grad-CAM: one weight per feature map (the paper's), else one per position


def backend_name() -> str:
    """The Keras backend of this process (fixed by ``KERAS_BACKEND`` before the first import)."""
    import keras

    return keras.config.backend()


def _is_conv_map(layer) -> bool:
    import keras

    shape = getattr(layer, "output", None)
    return isinstance(layer, keras.layers.Conv2D | keras.layers.SeparableConv2D | keras.layers.DepthwiseConv2D) and (
        shape is not None and len(shape.shape) == 4
    )


def conv_layer_names(model) -> list[str]:
    """Names of the model's 2-D convolution layers, first to last (Grad-CAM can use any)."""
    return [layer.name for layer in model.layers if _is_conv_map(layer)]


def _score_layer(model):
    """The last layer when its logits can be computed by hand (Dense with softmax/sigmoid), else None."""
    import keras

    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if isinstance(last, keras.layers.Dense) and activation in ("softmax", "sigmoid"):
        return last
    return None


def submodel(model, start: str | None = None, stop: str | None = None, before_last: bool = False):
    """A ``keras.Model`` over part of ``model``, from its input or ``start``'s output.

    It ends at the output, at ``stop``'s output, or at the last layer's input when ``before_last``.

    A Sequential model is cut by calling its own layers (shared weights) on a new input: a
    loaded Sequential's layers answer ``.output`` from another graph than its inputs, and a
    model from an intermediate tensor to its end is then "not connected". A Functional model is
    cut on its own graph.
    """
    import keras

    if isinstance(model, keras.Sequential):
        layers = list(model.layers)
        names = [layer.name for layer in layers]
        begin = names.index(start) + 1 if start else 0
        end = names.index(stop) + 1 if stop else len(layers) - (1 if before_last else 0)
        source = model.inputs[0] if start is None else model.get_layer(start).output
        inputs = keras.Input(tuple(source.shape[1:]), dtype=source.dtype)
        tensor = inputs
        for layer in layers[begin:end]:
            tensor = layer(tensor)
        return keras.Model(inputs, tensor)
    source = model.inputs[0] if start is None else model.get_layer(start).output
    if stop is not None:
        target = model.get_layer(stop).output
    else:
        target = model.layers[-1].input if before_last else model.outputs[0]
    return keras.Model(source, target)


class _Part:
    """A sub-model called as a function of its input, differentiable on this backend."""

    def __init__(self, submodel) -> None:
        self.model = submodel
        self.backend = backend_name()
        self._jitted = None

    def __call__(self, x):
        return self.model(x, training=False)

    def gradient(self, score, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The gradient of sum(score(part(x)) * weights) by x, for a batch ``x`` (``score``: keras.ops only)."""
        if self.backend == "tensorflow":
            import tensorflow as tf

            value = tf.convert_to_tensor(x)
            with tf.GradientTape() as tape:
                tape.watch(value)
                total = tf.reduce_sum(score(self(value)) * weights)
            return np.asarray(tape.gradient(total, value))
        if self.backend == "jax":
            return np.asarray(self._jax_gradient(score)(self._variables(), x, weights))
        if self.backend == "torch":
            import torch

            value = torch.tensor(x, requires_grad=True)
            (score(self(value)) * torch.tensor(weights)).sum().backward()
            return value.grad.detach().cpu().numpy()
        raise UnsupportedBackendError(self.backend)

    def _variables(self) -> tuple[list, list]:
        return (
            [v.value for v in self.model.trainable_variables],
            [v.value for v in self.model.non_trainable_variables],
        )

    def _jax_gradient(self, score):
        if self._jitted is None:
            import jax

            model = self.model

            def total(variables, x, weights):
                outputs, _ = model.stateless_call(variables[0], variables[1], x, training=False)
                return (score(outputs) * weights).sum()

            # One compilation per part: the class enters as ``weights``, not as a constant.
            self._jitted = jax.jit(jax.grad(total, argnums=1))
        return self._jitted


class Explainer:
    """Heatmaps for one model: Grad-CAM on a conv layer, saliency and SmoothGrad on the input.

    Builds each sub-model once (the input to the last layer's input; each conv layer's
    output and the rest of the network after it) and keeps them.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.conv_layers = conv_layer_names(model)
        self._last = _score_layer(model)
        self._before_last = self._last is not None
        self._input = model.inputs[0]
        self._body = _Part(submodel(model, before_last=self._before_last))
        self._cam_parts: dict[str, tuple[object, _Part]] = {}
        dtype = str(getattr(self._input, "dtype", "float32"))
        self.differentiable = "float" in dtype

    @property
    def methods(self) -> list[str]:
        """The heatmap methods this model allows (none for token-id inputs)."""
        if not self.differentiable:
            return []
        return list(METHODS) if self.conv_layers else [m for m in METHODS if m != "gradcam"]

    def _scores(self, outputs):
        """Per-class scores (batch, classes) from the end of the body, with keras.ops."""
        from keras import ops

        if self._last is not None:
            outputs = ops.matmul(outputs, ops.convert_to_tensor(self._last.kernel))
            if self._last.use_bias:
                outputs = outputs + ops.convert_to_tensor(self._last.bias)
        if outputs.shape[-1] == 1:  # one sigmoid unit: class 1 is the logit, class 0 its opposite
            outputs = ops.concatenate([-outputs, outputs], axis=-1)
        return outputs

    def _weights(self, class_index: int, batch: int) -> np.ndarray:
        classes = int(self._scores_count())
        weights = np.zeros((batch, classes), dtype="float32")
        weights[:, class_index] = 1.0
        return weights

    def _scores_count(self) -> int:
        units = self.model.outputs[0].shape[-1]
        return 2 if units == 1 else int(units)

    def input_gradient(self, x: np.ndarray, class_index: int) -> np.ndarray:
        """The gradient of the class score with respect to the input, for a batch ``x`` (same shape as ``x``)."""
        x = np.asarray(x, dtype="float32")
        return self._body.gradient(self._scores, x, self._weights(class_index, len(x)))

    def saliency(self, x: np.ndarray, class_index: int) -> Heatmap:
        """|gradient| of the class score, the largest over colour channels, scaled to [0, 1]."""
        gradient = self.input_gradient(x[:1], class_index)[0]
        return Heatmap(_unit(_pixel_map(np.abs(gradient))), "saliency", class_index)

    def smoothgrad(
        self, x: np.ndarray, class_index: int, samples: int = SMOOTHGRAD_SAMPLES, noise: float = SMOOTHGRAD_NOISE,
        seed: int = 0,
    ) -> Heatmap:  # fmt: skip
        """Saliency averaged over ``samples`` noisy copies of the input (Smilkov et al., 2017): less speckle."""
        x = np.asarray(x[:1], dtype="float32")
        spread = float(x.max() - x.min()) or 1.0
        rng = np.random.default_rng(seed)
        noisy = x + rng.normal(0.0, noise * spread, size=(samples, *x.shape[1:])).astype("float32")
        gradients = np.abs(self.input_gradient(noisy, class_index)).mean(axis=0)
        return Heatmap(_unit(_pixel_map(gradients)), "smoothgrad", class_index)

    def _cam_part(self, layer: str) -> tuple[object, _Part]:
        if layer not in self._cam_parts:
            features = submodel(self.model, stop=layer)
            rest = _Part(submodel(self.model, start=layer, before_last=self._before_last))
            self._cam_parts[layer] = (features, rest)
        return self._cam_parts[layer]

    def flattens_after(self, layer: str) -> bool:
        """Whether a Flatten or Reshape follows ``layer``: the head then reads each position apart."""
        import keras

        names = [item.name for item in self.model.layers]
        after = self.model.layers[names.index(layer) + 1 :]
        return any(isinstance(item, keras.layers.Flatten | keras.layers.Reshape) for item in after)

    def gradcam(
        self, x: np.ndarray, class_index: int, layer: str | None = None, average: bool | None = None
    ) -> Heatmap:
        """Grad-CAM (Selvaraju et al., 2017) on ``layer`` (the last conv layer by default).

        Each feature map is weighted by the gradient of the class score; the weighted sum,
        kept where positive, is resized to the input and scaled to [0, 1]. ``average=True`` is
        the paper's weighting, one weight per map (the gradient's mean over positions);
        ``False`` keeps the gradient at each position (HiResCAM, Draelos & Carin, 2020). For a
        head that pools globally the two are the same map; for one that flattens (the lesson
        convnets), averaging mixes positions whose weights have opposite signs and can point
        away from what decided the class, so ``None`` (the default) averages only when no
        Flatten follows the layer.
        """
        from keras import ops

        if not self.conv_layers:
            raise ValueError("no convolution layer")
        layer = layer or self.conv_layers[-1]
        if average is None:
            average = not self.flattens_after(layer)
        features, rest = self._cam_part(layer)
        maps = np.asarray(features(np.asarray(x[:1], dtype="float32"), training=False))
        gradient = rest.gradient(self._scores, maps, self._weights(class_index, 1))
        weights = ops.mean(gradient, axis=(1, 2), keepdims=True) if average else gradient
        cam = ops.relu(ops.sum(weights * maps, axis=-1, keepdims=True))
        height, width = self.model.inputs[0].shape[1:3]
        cam = ops.image.resize(cam, (height, width), interpolation="bilinear")
        return Heatmap(_unit(np.asarray(cam)[0, ..., 0]), "gradcam", class_index, layer, bool(average))

    def heatmap(self, x: np.ndarray, class_index: int, method: str, layer: str | None = None) -> Heatmap:
        """One of :data:`METHODS` for the first input of ``x``."""
        if method == "gradcam":
            return self.gradcam(x, class_index, layer)
        if method == "smoothgrad":
            return self.smoothgrad(x, class_index)
        return self.saliency(x, class_index)


def _pixel_map(values: np.ndarray) -> np.ndarray:
    """(H, W[, C]) to (H, W): the largest over channels (an image's colours)."""
    return values.max(axis=-1) if values.ndim == 3 else values


def _unit(values: np.ndarray) -> np.ndarray:
    values = np.nan_to_num(np.asarray(values, dtype="float64"))
    peak = values.max()
    return (values / peak if peak > 0 else np.zeros_like(values)).astype("float32")
