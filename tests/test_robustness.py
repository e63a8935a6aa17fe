"""How robust is a model: the changes along each axis, the curves, the augmented run's config."""

from __future__ import annotations

import numpy as np
import pytest

from lib.infer import robustness
from lib.infer.robustness import AXES, BY_NAME, measure, sweep, transform
from lib.model.presets import PRESETS
from lib.model.spec import INPUT_ID, from_dict
from lib.train.training import make_config


def _bar(side: int = 28, width: int = 4) -> np.ndarray:
    """A batch of one: a vertical bar ``width`` pixels wide in the middle of a black square."""
    image = np.zeros((1, side, side, 1), "float32")
    left = (side - width) // 2
    image[0, side // 7 : -(side // 7), left : left + width] = 1.0
    return image


def _columns(image: np.ndarray) -> float:
    """The ink's centre column."""
    ink = image[0, ..., 0]
    return float((ink.sum(axis=0) * np.arange(ink.shape[1])).sum() / ink.sum())


def test_step_zero_is_the_input_itself_and_every_axis_has_it():
    image = _bar()
    for axis in AXES:
        assert 0.0 in axis.steps and list(axis.steps) == sorted(axis.steps)
        assert transform(image, axis.name, 0.0) is not None
        assert np.array_equal(transform(image, axis.name, 0.0), image)


def test_strokes_grow_and_shrink_by_the_asked_width_at_any_size():
    for side in (28, 8):
        image = _bar(side, width=4 if side == 28 else 2)
        ink = [float(b.sum()) for b in sweep(image, "width")]
        assert ink == sorted(ink)  # thicker along the axis, thinner below 0
        one = transform(image, "width", 1.0)[0, side // 2, :, 0]
        # one pixel of a 28×28 picture more on each side of a vertical bar: its profile widens by 2 × side/28
        assert one.sum() - image[0, side // 2, :, 0].sum() == pytest.approx(2 * side / 28, abs=0.15)
        assert transform(image, "width", -1.0).sum() < image.sum()


def test_a_shift_moves_the_ink_by_its_share_of_the_width_and_a_turn_turns_it():
    image = _bar()
    moved = transform(image, "shift", 0.1)
    assert _columns(moved) - _columns(image) == pytest.approx(2.8, abs=0.05)
    flat = transform(image, "turn", 90.0)[0, ..., 0]
    rows, cols = np.nonzero(flat > 0.5)
    assert np.ptp(cols) > 3 * np.ptp(rows)  # the upright bar now lies flat


def _right_half(x: np.ndarray) -> np.ndarray:
    """A fake model: class 1 when most ink is right of the middle, else 0 (as probabilities)."""
    ink = x[..., 0]
    right = ink[:, :, ink.shape[2] // 2 :].sum(axis=(1, 2)) / np.maximum(ink.sum(axis=(1, 2)), 1e-6)
    return np.stack([1 - right, right], axis=1)


def test_curves_are_confidence_for_one_picture_and_accuracy_for_a_batch():
    image = np.zeros((1, 28, 28, 1), "float32")
    image[0, 8:20, 15:19] = 1.0  # right of the middle: class 1
    one = measure(_right_half, image)
    assert one.kind == "confidence" and one.answer == 1 and one.unchanged() == pytest.approx(1.0)
    shift = one.values["shift"]
    assert shift[0] < 0.5 <= shift[-1]  # moved left it is no longer "right"; moved right it stays
    axis, step, value = one.weakest()
    assert value == min(min(v) for v in one.values.values()) and step in BY_NAME[axis].steps
    batch = np.concatenate([image, image[:, :, ::-1]])  # one right, one mirrored to the left
    curves = measure(_right_half, batch, labels=np.array([1, 0]))
    assert curves.kind == "accuracy" and curves.unchanged() == 1.0
    assert all(len(curves.values[a.name]) == len(a.steps) for a in AXES)


def test_the_augmented_run_is_the_same_network_with_registry_layers_after_its_input():
    from lib.model.layers import REGISTRY
    from lib.train.config_check import check_config
    from lib.train.run_config import Continues

    preset = PRESETS["digits_mlp"]
    config = make_config(preset.spec((8, 8, 1)), "digits", 0, "classes", preset.settings())
    config = config.replace(continues=Continues("x", 2), owner="ana")
    augmented = robustness.with_augmentation(config)
    layers = augmented.spec["layers"]
    added = [layer["class_name"] for layer in layers[:2]]
    assert added == ["RandomTranslation", "RandomRotation"] and all(REGISTRY[n].augmentation for n in added)
    assert [layer["class_name"] for layer in layers[2:]] == [n["class_name"] for n in config.spec["layers"]]
    data = augmented.to_dict()
    assert "continues" not in data and "owner" not in data  # a new run; its owner is decided on submit
    assert augmented.settings == config.settings and augmented.dataset == config.dataset
    check_config(augmented)  # through every registry's checks, as any run
    assert robustness.has_augmentation(augmented.spec) and not robustness.has_augmentation(config.spec)


def test_a_functional_network_reads_its_input_through_the_new_layers():
    from lib.model.analysis import analyse

    preset = PRESETS["two_branch_cnn"]
    config = make_config(preset.spec((28, 28, 1)), "fashion_mnist", 0, "classes", preset.settings())
    spec = robustness.with_augmentation(config).model_spec()
    first, second = spec.nodes[0], spec.nodes[1]
    assert first.inputs == [INPUT_ID] and second.inputs == [first.id]
    readers = [n for n in spec.nodes[2:] if second.id in n.inputs]
    assert {n.id for n in readers} == {"conv_a", "conv_b"}  # both branches, and nothing reads the Input directly
    assert not any(INPUT_ID in n.inputs for n in spec.nodes[2:])
    assert analyse(spec, preset.target(10)).ok


def test_the_augmented_run_is_the_students_own(tmp_path):
    from lib.train.jobs import own_copy
    from lib.train.runstore import RunStore, config_hash

    store = RunStore(tmp_path)
    preset = PRESETS["digits_mlp"]
    config = make_config(preset.spec((8, 8, 1)), "digits", 0, "classes", preset.settings())
    assert robustness.augmented_run(store, config, "ana") is None
    shared = robustness.with_augmentation(config)
    store.create(shared, "bia")
    assert robustness.augmented_run(store, config, "bia") == config_hash(shared)
    assert robustness.augmented_run(store, config, "ana") is None  # Bia's run: Ana trains her own
    store.create(own_copy(shared, "ana"), "ana")
    assert robustness.augmented_run(store, config, "ana") == config_hash(own_copy(shared, "ana"))


def test_a_showcase_has_both_ends_halfway_and_the_picture_unchanged_for_every_axis():
    image = _bar()[0]
    shown = robustness.showcase(image)
    assert list(shown) == [a.name for a in AXES]
    for axis in AXES:
        steps = [step for step, _ in shown[axis.name]]
        assert steps[0] == axis.steps[0] and steps[-1] == axis.steps[-1] and 0.0 in steps and len(steps) == 5
        unchanged = next(picture for step, picture in shown[axis.name] if step == 0.0)
        assert np.array_equal(unchanged, image)
        assert all(picture.shape == image.shape for _, picture in shown[axis.name])


def test_a_later_parameter_at_its_default_leaves_older_specs_and_their_names_as_they_were():
    from lib.model.spec import sequential

    old = sequential((8, 8, 1), ("RandomRotation", {"factor": 0.1}), ("Flatten", {}))
    same = sequential((8, 8, 1), ("RandomRotation", {"factor": 0.1, "fill_mode": "reflect"}), ("Flatten", {}))
    black = sequential((8, 8, 1), ("RandomRotation", {"factor": 0.1, "fill_mode": "constant"}), ("Flatten", {}))
    assert old.to_dict()["layers"][0]["config"] == {"factor": 0.1}  # as specs were written before fill_mode
    assert old.content_hash() == same.content_hash() != black.content_hash()
    assert from_dict(black.to_dict()).nodes[0].config["fill_mode"] == "constant"
