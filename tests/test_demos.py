"""Numeric helpers of the demos, against hand-computed values and Keras."""

from __future__ import annotations

import numpy as np
import pytest

from lib.demos import conv
from lib.demos.functions import ACTIVATIONS, dropout, softmax


def test_lesson_convolution_by_hand():
    out = conv.convolve(conv.LESSON_INPUT, conv.LESSON_KERNEL)
    # The lesson's answer: the centre pixel 50 becomes 42, the pixel above it; every output
    # pixel is the one above it (the picture moves one pixel down).
    np.testing.assert_array_equal(out, [[40, 41, 45], [40, 42, 46], [46, 50, 55]])
    np.testing.assert_array_equal(out, conv.LESSON_INPUT[0:3, 1:4])
    centre = conv.cell(conv.LESSON_INPUT, conv.LESSON_KERNEL, *conv.LESSON_CELL)
    assert centre.total == 42 and centre.patch.tolist() == [[40, 42, 46], [46, 50, 55], [52, 56, 58]]
    assert conv.convolve(conv.LESSON_INPUT[:3, :3] * 0 + 1, conv.KERNELS["x_pattern"]).item() == 5


@pytest.mark.parametrize("stride,padding,size", [(1, "valid", 3), (1, "same", 5), (2, "valid", 2), (2, "same", 3)])
def test_output_sizes(stride, padding, size):
    assert conv.convolve(conv.LESSON_INPUT, conv.KERNELS["edge"], stride, padding).shape == (size, size)
    assert conv.output_size(5, 3, stride, padding) == size


@pytest.mark.parametrize("stride,padding", [(1, "valid"), (1, "same"), (2, "valid"), (2, "same")])
def test_convolution_matches_keras(stride, padding):
    import keras

    image = np.random.default_rng(0).random((9, 9)).astype("float32")
    kernel = conv.KERNELS["sobel_x"]
    layer = keras.layers.Conv2D(1, 3, strides=stride, padding=padding, use_bias=False)
    layer.build((None, 9, 9, 1))
    layer.set_weights([kernel[..., None, None]])
    expected = np.asarray(layer(image[None, ..., None]))[0, ..., 0]
    np.testing.assert_allclose(conv.convolve(image, kernel, stride, padding), expected, atol=1e-5)


def test_pooling_by_hand_and_against_keras():
    image = np.arange(16, dtype="float32").reshape(4, 4)
    np.testing.assert_array_equal(conv.pool(image, 2, 2, "max"), [[5, 7], [13, 15]])
    np.testing.assert_array_equal(conv.pool(image, 2, 2, "average"), [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(conv.pool(np.array([[1, 9], [2, 3]], "float32"), 2, 2, "median"), [[2.5]])
    import keras

    odd = np.random.default_rng(1).random((5, 5)).astype("float32")
    for mode, layer in (("max", keras.layers.MaxPooling2D), ("average", keras.layers.AveragePooling2D)):
        expected = np.asarray(layer(2, padding="same")(odd[None, ..., None]))[0, ..., 0]
        np.testing.assert_allclose(conv.pool(odd, 2, 2, mode, "same"), expected, atol=1e-6)


def test_softmax_sums_to_one_and_temperature_sharpens():
    logits = np.array([2.0, 1.0, 0.1])
    p = softmax(logits)
    np.testing.assert_allclose(p, [0.659, 0.242, 0.099], atol=1e-3)  # the lesson's example
    assert p.sum() == pytest.approx(1.0)
    assert softmax(logits, 0.5).max() > p.max() > softmax(logits, 2.0).max()


def test_activations_and_derivatives():
    x = np.linspace(-3, 3, 61)
    for name, (f, df) in ACTIVATIONS.items():
        numeric = (f(x + 1e-5) - f(x - 1e-5)) / 2e-5
        smooth = np.abs(x) > 0.05  # step/relu kinks at 0
        if name != "step":
            np.testing.assert_allclose(df(x)[smooth], numeric[smooth], atol=1e-3, err_msg=name)
    assert ACTIVATIONS["relu"][0](np.array([-1.0, 2.0])).tolist() == [0, 2]


def test_dropout_keeps_the_expected_value():
    a = np.ones(100_000)
    mask, out = dropout(a, 0.3, seed=0)
    assert abs(1 - mask.mean() - 0.3) < 0.01
    assert out.mean() == pytest.approx(1.0, abs=0.01) and set(np.unique(out)) == {0.0, 1 / 0.7}
