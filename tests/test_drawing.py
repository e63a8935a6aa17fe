"""Drawing preprocessing: the model must see what the dataset looks like."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lib import datasets
from lib.drawing import PictureError, prepare_drawing, read_picture
from lib.predict import Predictor
from lib.recipes import centre_of_mass

MNIST = datasets.REGISTRY["mnist"]


def _canvas(stroke) -> np.ndarray:
    """A 280×280 RGBA canvas: black background, white strokes where ``stroke`` is True."""
    rgba = np.zeros((280, 280, 4), dtype="uint8")
    rgba[..., 3] = 255
    rgba[stroke] = (255, 255, 255, 255)
    return rgba


def test_an_off_centre_digit_ends_up_centred_in_a_20_pixel_box():
    stroke = np.zeros((280, 280), bool)
    stroke[10:110, 200:240] = True  # a bar in the top-right corner
    prepared = prepare_drawing(_canvas(stroke), MNIST)
    view = prepared.view
    assert prepared.x.shape == (1, 28, 28, 1) and prepared.x.dtype == np.float32
    rows, _ = np.nonzero(view > 0.1)
    assert rows.max() - rows.min() + 1 == 20  # the longer side fills the 20×20 box, as in MNIST
    r, c = centre_of_mass(view)
    assert abs(r - 13.5) <= 0.75 and abs(c - 13.5) <= 0.75
    assert view.max() == pytest.approx(1.0, abs=0.02) and view.min() >= 0.0


def test_aspect_ratio_is_kept():
    stroke = np.zeros((280, 280), bool)
    stroke[100:140, 20:260] = True  # wide and flat: 6 times wider than tall
    view = prepare_drawing(_canvas(stroke), MNIST).view
    rows, cols = np.nonzero(view > 0.3)
    width, height = cols.max() - cols.min() + 1, rows.max() - rows.min() + 1
    assert width == 20 and 2 <= height <= 5


def test_dark_ink_on_white_paper_is_inverted_and_an_empty_canvas_is_none():
    paper = np.full((100, 100, 3), 255, dtype="uint8")
    paper[30:70, 45:55] = 0
    view = prepare_drawing(paper, MNIST).view
    assert view[0, 0] == 0.0 and view.max() > 0.9  # ink is bright, background dark, like MNIST
    assert prepare_drawing(_canvas(np.zeros((280, 280), bool)), MNIST) is None


def test_digits_fill_their_8x8_image():
    stroke = np.zeros((280, 280), bool)
    stroke[40:240, 120:160] = True
    view = prepare_drawing(_canvas(stroke), datasets.REGISTRY["digits"]).view
    assert view.shape == (8, 8)
    rows, _ = np.nonzero(view > 0.1)
    assert rows.min() == 0 and rows.max() == 7


def test_uploads_are_checked():
    with pytest.raises(PictureError) as err:
        read_picture(b"%PDF-1.4 not an image")
    assert err.value.code == "not_an_image"
    with pytest.raises(PictureError) as err:
        read_picture(b"0" * (6 * 1024 * 1024))
    assert err.value.code == "too_big"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    assert read_picture(buffer.getvalue()).shape == (30, 40, 3)


def test_predictor_gives_probabilities_and_feature_maps():
    import keras

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )  # logits, no softmax
    predictor = Predictor(model)
    x = np.random.default_rng(0).random((1, 28, 28, 1), dtype="float32")
    p = predictor.probabilities(x)
    assert p.shape == (10,) and p.sum() == pytest.approx(1.0) and (p >= 0).all()
    assert predictor.feature_maps(x).shape == (26, 26, 4) and predictor.conv_name == "conv"
