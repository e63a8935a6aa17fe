"""How robust is a model? Its inputs changed step by step along one axis at a time.

Three axes, each applied to exactly what the model receives (its input arrays, after the
Draw page's recipe), so the curves show the network's own weakness and the Keras
augmentation layers that act on the same arrays can teach it:

- ``width``: every stroke thinner or thicker (a grey erosion or dilation), in pixels of a
  28×28 picture (one is about 10 pixels of the 280-pixel canvas);
- ``shift``: moved right (or left, negative) by a share of the picture's width;
- ``turn``: turned by a number of degrees (counter-clockwise, positive).

For one picture the curve is the model's confidence in the answer it gave the unchanged
picture; for a batch of test images, the share it still gets right. One click then trains
the same network with augmentation layers from the layer registry inserted after its Input
(:func:`with_augmentation`; what they uncover filled with black, as the datasets' backgrounds
and as the curves' own changes), an ordinary run of the job manager, and the curves of both
runs are compared on the same inputs. Measured with the lesson settings (200 test images,
turned by 30°): the Fashion MLP 21 % → 54 % right, the convnet 31 % → 62 %, at a point or two
on the unchanged images.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lib.model.layers import REGISTRY
from lib.model.spec import INPUT_ID, ModelSpec, Node, from_dict

if TYPE_CHECKING:
    from lib.train.run_config import RunConfig

FINE_SIDE = 112  # strokes are thickened on a grid about this many pixels across (4× a 28×28 picture)
CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


@dataclass(frozen=True)
class Axis:
    """One way of changing the inputs, its steps (0: unchanged) and the augmentation layer that teaches it.

    ``layer`` is a registry layer ``(class_name, config)``; None when Keras has none.
    """

    name: str
    steps: tuple[float, ...]
    layer: tuple[str, dict] | None


AXES: tuple[Axis, ...] = (
    Axis("width", (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0), None),
    Axis("shift", (-0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2), ("RandomTranslation", {
        "height_factor": 0.1, "width_factor": 0.1, "fill_mode": "constant"})),
    Axis("turn", (-30.0, -22.5, -15.0, -7.5, 0.0, 7.5, 15.0, 22.5, 30.0), ("RandomRotation", {
        "factor": round(20 / 360, 4), "fill_mode": "constant"})),
)  # fmt: skip
BY_NAME = {axis.name: axis for axis in AXES}


def _fine(images: np.ndarray) -> tuple[int, float]:
    """Fine pixels per model pixel, and fine steps per pixel of a 28×28 picture, for these images."""
    side = max(images.shape[1:3])
    k = max(1, round(FINE_SIDE / side))
    return k, side / 28 * k


def _widths(images: np.ndarray, widths: tuple[float, ...]) -> list[np.ndarray]:
    """``images`` with every stroke ``w`` pixels of a 28×28 picture thicker (thinner when negative), for each ``w``.

    Worked on a grid about ``FINE_SIDE`` pixels across, where each step moves every edge by
    one fine pixel (a grey dilation or erosion by a 4-neighbour cross); each width continues
    from the one before it, so a sweep costs as much as its widest step.
    """
    from scipy import ndimage

    n, h, w, c = images.shape
    k, per_pixel = _fine(images)
    wanted = {width: round(abs(width) * per_pixel) for width in widths}
    start = images.repeat(k, axis=1).repeat(k, axis=2)
    footprint = CROSS[None, :, :, None]
    done: dict[tuple[int, int], np.ndarray] = {}
    for sign in (1, -1):
        fine, steps = start, 0
        for target in sorted({v for width, v in wanted.items() if np.sign(width) == sign}):
            while steps < target:
                if sign > 0:
                    fine = ndimage.grey_dilation(fine, footprint=footprint)
                else:
                    fine = ndimage.grey_erosion(fine, footprint=footprint, mode="constant", cval=0.0)
                steps += 1
            done[(sign, target)] = fine.reshape(n, h, k, w, k, c).mean(axis=(2, 4))
    return [images if wanted[width] == 0 else done[(int(np.sign(width)), wanted[width])] for width in widths]


def _shift(images: np.ndarray, share: float) -> np.ndarray:
    from scipy import ndimage

    return ndimage.shift(images, (0, 0, share * images.shape[2], 0), order=1, mode="constant", cval=0.0)


def _turn(images: np.ndarray, degrees: float) -> np.ndarray:
    from scipy import ndimage

    return ndimage.rotate(images, degrees, axes=(2, 1), reshape=False, order=1, mode="constant", cval=0.0)


def sweep(images: np.ndarray, axis: str, steps: tuple[float, ...] | None = None) -> list[np.ndarray]:
    """``images`` (N, H, W, C, values in [0, 1]) changed by each step of ``axis`` (default: all its steps).

    A step of 0 gives them back as they are.
    """
    images = np.asarray(images, dtype="float32")
    steps = BY_NAME[axis].steps if steps is None else steps
    if axis == "width":
        changed = _widths(images, steps)
    else:
        move = _shift if axis == "shift" else _turn
        changed = [images if step == 0 else move(images, step) for step in steps]
    return [c if c is images else np.clip(c, 0.0, 1.0).astype("float32") for c in changed]


def transform(images: np.ndarray, axis: str, step: float) -> np.ndarray:
    """``images`` changed by one ``step`` along ``axis`` (see :func:`sweep`)."""
    return sweep(images, axis, (step,))[0]


def showcase(image: np.ndarray, count: int = 5) -> dict[str, list[tuple[float, np.ndarray]]]:
    """A few steps of every axis for one picture (both ends, halfway, unchanged): ``axis -> [(step, image)]``."""
    out = {}
    for axis in AXES:
        middle = axis.steps.index(0.0)
        picks = sorted({0, middle // 2, middle, (middle + len(axis.steps) - 1) // 2, len(axis.steps) - 1})[:count]
        steps = tuple(axis.steps[i] for i in picks)
        out[axis.name] = list(zip(steps, (b[0] for b in sweep(image[None], axis.name, steps)), strict=True))
    return out


@dataclass
class Curves:
    """The measurements along every axis: ``values[axis][i]`` at ``BY_NAME[axis].steps[i]`` (0..1).

    ``kind`` is ``confidence`` (one picture: the probability of ``answer``) or ``accuracy``
    (a batch: the share of ``labels`` predicted).
    """

    kind: str
    values: dict[str, list[float]]
    answer: int | None = None

    def weakest(self) -> tuple[str, float, float]:
        """``(axis, step, value)`` of the lowest point of any curve."""
        axis, index = min(
            ((a, i) for a, values in self.values.items() for i in range(len(values))),
            key=lambda pair: self.values[pair[0]][pair[1]],
        )
        return axis, BY_NAME[axis].steps[index], self.values[axis][index]

    def unchanged(self) -> float:
        """The value for the inputs as they are (every curve's step 0)."""
        axis = AXES[0]
        return self.values[axis.name][axis.steps.index(0.0)]


def measure(
    predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, labels: np.ndarray | None = None
) -> Curves:
    """Curves of ``predict`` (inputs → class probabilities) along every axis.

    With ``labels``: the accuracy on the batch ``images``. Without: ``images`` is one picture
    (a batch of 1) and each point is the probability of the class it was given unchanged.
    """
    answer = None if labels is not None else int(np.asarray(predict(images))[0].argmax())
    changed = [batch for axis in AXES for batch in sweep(images, axis.name)]
    probabilities = np.asarray(predict(np.concatenate(changed)), dtype="float64")
    probabilities = probabilities.reshape(len(changed), len(images), -1)
    values: dict[str, list[float]] = {}
    i = 0
    for axis in AXES:
        batches = probabilities[i : i + len(axis.steps)]
        i += len(axis.steps)
        if labels is None:
            values[axis.name] = [float(b[0][answer]) for b in batches]
        else:
            values[axis.name] = [float((b.argmax(axis=-1) == labels).mean()) for b in batches]
    return Curves("confidence" if labels is None else "accuracy", values, answer)


# --- the same network, trained with augmentation ------------------------------------------------


def augmentation_layers() -> list[tuple[str, dict]]:
    """The registry's augmentation layers that teach the axes (Keras has none for stroke width)."""
    layers = [axis.layer for axis in AXES if axis.layer is not None]
    for class_name, config in layers:
        layer = REGISTRY[class_name]
        assert layer.augmentation and not any(layer.param(k).check(v) for k, v in config.items()), class_name
    return layers


def has_augmentation(spec: dict) -> bool:
    """True when a spec (as stored in a run's config) already has augmentation layers."""
    return any(REGISTRY[layer["class_name"]].augmentation for layer in spec.get("layers", []))


def _insert_after_input(spec: ModelSpec, layers: list[tuple[str, dict]]) -> ModelSpec:
    """``spec`` with ``layers`` right after its Input (Functional: what read the Input reads the last of them)."""
    new: list[Node] = []
    for name, config in layers:
        node = Node(spec.new_id(name), name, dict(config), [new[-1].id if new else INPUT_ID])
        spec.nodes.insert(len(new), node)  # in the spec at once, so the next id differs
        new.append(node)
    if spec.mode == "functional":
        for node in spec.nodes[len(new) :]:
            node.inputs = [new[-1].id if source == INPUT_ID else source for source in node.inputs]
    else:
        for node in new:
            node.inputs = []
    return spec


def with_augmentation(config: RunConfig) -> RunConfig:
    """The run config of the same network, data and settings, with :func:`augmentation_layers` after its Input.

    A new run of its own (not a continuation, and its owner is decided when it is submitted).
    """
    spec = _insert_after_input(from_dict(json.loads(json.dumps(config.spec))), augmentation_layers())
    return config.replace(continues=None, owner=None, spec=spec.to_dict())


def test_batch(config: RunConfig, count: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, stratified sample of ``count`` of the run's test images (as the model saw them) and their labels."""
    from lib.data.datasets import subset_indices
    from lib.train.training import test_labels, training_arrays

    x, labels = training_arrays(config)[2], test_labels(config)
    keep = np.sort(subset_indices(labels, min(count, len(labels)), seed))
    return x[keep].astype("float32"), labels[keep]


def augmented_run(store, config: RunConfig, nickname: str) -> str | None:
    """The id of ``nickname``'s augmented run of ``config`` in ``store``, None when there is none yet.

    Theirs as the job manager makes a personal run: their own copy, else the shared run when
    nobody else owns it (another student's run of the same settings is theirs, not this one's).
    """
    from lib.train.jobs import own_copy
    from lib.train.runstore import config_hash

    augmented = with_augmentation(config)
    if nickname and store.exists(own := config_hash(own_copy(augmented, nickname))):
        return own
    shared = config_hash(augmented)
    if store.exists(shared) and store.owner(shared).get("owner") in ("", nickname):
        return shared
    return None
