"""Drawing preprocessing: the model must see what the dataset looks like."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lib.data import datasets
from lib.infer.drawing import PictureError, prepare_drawing, read_picture
from lib.infer.predict import Predictor
from lib.infer.recipes import centre_of_mass

MNIST = datasets.REGISTRY["mnist"]


def _canvas(stroke) -> np.ndarray:
    """A 280×280 RGBA canvas: black background, white strokes where ``stroke`` is True.

    Like the real canvas, a stroke's edge is anti-aliased (a one-pixel grey rim): without
    it, rectangles on the 10-pixel grid would be exact 10x enlargements of a 28x28 image,
    which lib.infer.drawing.undo_enlargement rightly shrinks back instead of redrawing.
    """
    from scipy import ndimage

    rgba = np.zeros((280, 280, 4), dtype="uint8")
    rgba[..., 3] = 255
    rgba[ndimage.binary_dilation(stroke)] = (128, 128, 128, 255)
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


# --- recipes against their definitions ------------------------------------------------------

FASHION = datasets.REGISTRY["fashion_mnist"]
DIGITS = datasets.REGISTRY["digits"]


def _seven() -> np.ndarray:
    """A "7" on the canvas: its ink is heavy at the top, so mass and box centres differ."""
    stroke = np.zeros((280, 280), bool)
    stroke[40:70, 60:220] = True  # the bar
    stroke[70:240, 190:220] = True  # the stem
    return _canvas(stroke)


def _box_centre(view: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(view > 0)
    return (rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2


def test_mnist_centres_by_mass_and_fashion_by_box():
    mnist, fashion = prepare_drawing(_seven(), MNIST).view, prepare_drawing(_seven(), FASHION).view
    r, c = centre_of_mass(mnist)
    assert abs(r - 13.5) <= 0.5 and abs(c - 13.5) <= 0.5
    assert abs(_box_centre(mnist)[0] - 13.5) >= 1.5  # so the box is not centred: mass is what counts
    r, c = _box_centre(fashion)
    assert abs(r - 13.5) <= 0.5 and abs(c - 13.5) <= 0.5
    assert abs(centre_of_mass(fashion)[0] - 13.5) >= 1.5
    rows = np.nonzero(fashion.any(axis=1))[0]
    assert rows.max() - rows.min() + 1 == 28  # the longest edge fills 28, not MNIST's 20


def test_fashion_puts_the_odd_margin_pixel_before_the_item():
    stroke = np.zeros((280, 280), bool)
    stroke[0:280, 100:170] = True  # 70 wide, 280 tall: 7 columns of 28, margin 21 (odd)
    view = prepare_drawing(_canvas(stroke), FASHION).view
    cols = np.nonzero(view.any(axis=0))[0]
    assert (cols[0], cols[-1]) == (11, 17)  # 11 columns before, 10 after, as Fashion-MNIST's converter did


def test_digits_go_through_nists_normalisation_then_4x4_counts():
    stroke = np.zeros((280, 280), bool)
    stroke[20:260, 90:190] = True  # a solid bar, 240 tall, 100 wide
    prepared = prepare_drawing(_canvas(stroke), DIGITS)
    counts = prepared.view * 16
    assert np.allclose(counts, np.round(counts))  # whole counts, as in the UCI data
    # NIST zooms the box to 20×32 (columns 6..25): 640 ink pixels, over 560, so the strokes are
    # thinned twice: columns 8..23 and rows 2..29 are left, blocks 2..5 wide, half blocks at the ends.
    assert (counts[0] == [0, 0, 8, 8, 8, 8, 0, 0]).all() and (counts[-1] == counts[0]).all()
    assert (counts[1:-1] == [0, 0, 16, 16, 16, 16, 0, 0]).all()
    codes = [s.code for s in prepared.steps]
    assert codes[-4:] == ["nist_box", "stroke_thinner", "upright", "blocks"]
    assert prepared.steps[-3].values["pixels"] > 560 and prepared.steps[-3].values["steps"] == 2


def test_nists_stroke_rule_thickens_thin_and_thins_thick_drawings():
    from lib.infer.recipes import stroke_steps

    assert [stroke_steps(n) for n in (50, 107, 108, 255, 256, 412, 413, 560, 561)] == [2, 2, 1, 1, 0, 0, -1, -1, -2]
    seven = np.zeros((280, 280), bool)
    seven[40:52, 60:220] = True  # the bar of a "7", 12 px thick
    for r in range(52, 240):  # its stem, slanting down to the left
        seven[r, int(214 - (r - 52) * 0.5) - 6 : int(214 - (r - 52) * 0.5) + 6] = True
    from scipy import ndimage

    thick = ndimage.binary_dilation(seven, iterations=12)  # the same "7" with a 36 px brush
    thin_view, thick_view = (prepare_drawing(_canvas(s), DIGITS).view * 16 for s in (seven, thick))
    assert abs(thin_view.sum() - thick_view.sum()) < 0.25 * thick_view.sum()  # about the same weight
    assert 256 * 0.8 <= thin_view.sum() <= 412 * 1.1 and 256 * 0.8 <= thick_view.sum() <= 412 * 1.1


def test_digits_are_stood_upright_and_a_plain_stroke_stays_narrow():
    slanted = np.zeros((280, 280), bool)
    for r in range(40, 240):  # a "1" leaning right: its top 40 px right of its foot
        c = int(120 + (240 - r) * 0.2)
        slanted[r, c - 9 : c + 9] = True
    prepared = prepare_drawing(_canvas(slanted), DIGITS)
    assert prepared.steps[-2].code == "unslanted" and prepared.steps[-2].values["degrees"] > 5
    view = prepared.view
    cols = [float((np.arange(8) * row).sum() / row.sum()) for row in view if row.sum()]
    assert max(cols) - min(cols) <= 1.0  # upright: every row's ink centred on the same column
    assert (view[:, :2] == 0).all() and (view[:, 6:] == 0).all()  # still a narrow stroke, not a 20-wide block


def test_every_image_dataset_declares_a_known_recipe():
    from lib.infer.recipes import RECIPES

    for info in datasets.REGISTRY.values():
        assert (info.draw_recipe is not None) == (info.kind == "image"), info.name
        assert info.draw_recipe is None or info.draw_recipe in RECIPES


# --- finding the object in photos -------------------------------------------------------------


def _photo(dark_on_light: bool = True, blank: bool = False, seed: int = 0) -> np.ndarray:
    """A 300×400 photo: a lighting gradient, noise, JPEG, and a bar off-centre (unless blank)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.indices((300, 400), dtype="float32")
    paper = 0.9 - 0.2 * cols / 400 if dark_on_light else 0.1 + 0.15 * rows / 300
    ink = np.zeros((300, 400), "float32")
    if not blank:
        ink[60:200, 250:290] = 1.0
    pixels = paper * (1 - 0.9 * ink) if dark_on_light else paper + 0.8 * ink
    pixels = pixels + rng.normal(0, 0.025, pixels.shape)
    buffer = io.BytesIO()
    Image.fromarray((np.clip(pixels, 0, 1) * 255).astype("uint8")).save(buffer, format="JPEG", quality=80)
    return read_picture(buffer.getvalue())


@pytest.mark.parametrize("dark_on_light", [True, False], ids=["dark-on-light", "light-on-dark"])
def test_a_photo_object_is_found_in_both_polarities(dark_on_light):
    from lib.infer.drawing import find_object, to_gray

    found = find_object(to_gray(_photo(dark_on_light)))
    assert found.inverted == dark_on_light
    rows, cols = np.nonzero(found.ink)
    # the bar, within a few pixels (noise and JPEG), and nothing else: no paper counted as ink
    assert abs(rows.min() - 60) <= 4 and abs(rows.max() - 199) <= 4
    assert abs(cols.min() - 250) <= 4 and abs(cols.max() - 289) <= 4
    assert found.ink[80:180, 255:285].mean() > 0.8


@pytest.mark.parametrize("seed", range(40))
def test_the_grown_region_on_the_box_alone_is_the_whole_pictures(seed):
    """The photo region computed on the box and a margin equals the whole picture's computation.

    Random sparse and dense masks, half of them framed (a hole to fill), some against the
    picture's corner (where the margin is cut), with growths from 3 to 15 pixels.
    """
    from scipy import ndimage

    from lib.infer.drawing import _box, grown_region

    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(20, 90, 2))
    mask = np.zeros((h, w), bool)
    top, left = int(rng.integers(0, h - 8)), int(rng.integers(0, w - 8))
    bottom, right = int(rng.integers(top + 5, h + 1)), int(rng.integers(left + 5, w + 1))
    if seed % 4 == 0:  # the object against the picture's top-left corner
        top, left = 0, 0
    mask[top:bottom, left:right] = rng.random((bottom - top, right - left)) < (0.03, 0.1, 0.3)[seed % 3]
    mask[(top + bottom) // 2, (left + right) // 2] = True  # never empty
    if seed % 2:  # a frame: a hole to fill inside it, larger than some growths
        mask[top:bottom, left] = mask[top:bottom, right - 1] = True
        mask[top, left:right] = mask[bottom - 1, left:right] = True
    box, grow = _box(mask), 2 * int(rng.integers(1, 8)) + 1
    whole = ndimage.binary_fill_holes(ndimage.maximum_filter(mask.view(np.uint8), size=grow) > 0)
    inside = np.zeros_like(whole)
    inside[box] = True
    assert np.array_equal(grown_region(mask, box, grow), whole & inside)


def test_blank_paper_finds_nothing():
    from lib.infer.drawing import find_object, to_gray

    for seed in range(3):
        assert find_object(to_gray(_photo(blank=True, seed=seed))) is None


# --- decoding uploads ---------------------------------------------------------------------------


def _encoded(image: Image.Image, fmt: str, **save) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def test_odd_formats_decode_to_the_right_values():
    gray16 = Image.fromarray(np.full((20, 20), 32768, dtype="uint16"))  # mid-gray in 16 bits
    assert read_picture(_encoded(gray16, "PNG")) == pytest.approx(0.5, abs=0.01)  # not clipped to white
    frames = [Image.new("L", (20, 20), 0), Image.new("L", (20, 20), 255)]
    gif = _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert read_picture(gif).max() == 0.0  # the first frame
    cmyk = _encoded(Image.new("CMYK", (20, 20), (0, 0, 0, 255)), "JPEG")
    assert read_picture(cmyk).max() < 0.1  # full black ink stays black
    rgba = np.zeros((20, 20, 4), dtype="uint8")
    rgba[5:15, 8:12] = (0, 0, 0, 255)  # a dark stroke on a transparent background
    picture = read_picture(_encoded(Image.fromarray(rgba), "PNG"))
    assert picture[0, 0].tolist() == [1.0, 1.0, 1.0] and picture[10, 10].tolist() == [0.0, 0.0, 0.0]


def test_tiny_and_huge_pictures_are_refused_before_decoding():
    with pytest.raises(PictureError) as err:
        read_picture(_encoded(Image.new("L", (1, 1)), "PNG"))
    assert err.value.code == "too_small"
    from tests.test_draw_page import _huge_png_header

    with pytest.raises(PictureError) as err:
        read_picture(_huge_png_header())
    assert err.value.code == "too_big"


def test_colour_datasets_get_the_centre_square_in_colour():
    picture = np.zeros((300, 400, 3), dtype="uint8")
    picture[..., 0] = 200  # red everywhere ...
    picture[:, :30] = (0, 0, 255)  # ... but blue strips at the far left and right, cut off by the crop
    picture[:, -30:] = (0, 0, 255)
    prepared = prepare_drawing(picture, datasets.REGISTRY["cifar10"])
    assert prepared.x.shape == (1, 32, 32, 3)
    assert np.allclose(prepared.view[..., 0], 200 / 255) and prepared.view[..., 2].max() == 0.0
    assert [s.code for s in prepared.steps] == ["shorter_edge", "cropped"]


def test_training_examples_of_a_class_and_none_without_the_data(datasets_dir, monkeypatch):
    from lib.data import keras_cache
    from lib.infer.predict import class_examples

    examples = class_examples("digits", 3)
    assert examples.shape == (9, 8, 8, 1) and examples.max() <= 1.0
    digits = datasets.load("digits")
    first_threes = digits.x_train[digits.y_train == 3][:9] / 16
    assert np.array_equal(examples[..., 0], first_threes.astype("float32"))

    def no_probe(*args, **kwargs):
        raise AssertionError("the Draw page must not probe the network on a stroke")

    monkeypatch.setattr(keras_cache, "can_reach", no_probe)
    assert class_examples("mnist", 3) is None  # not in this (empty) Keras cache, and no probe asked


def test_the_examples_sheet_is_made_once_per_set_of_images_and_never_shown_for_others():
    from lib.charts import training_examples, training_examples_once

    threes = datasets.scale_images(datasets.load("digits").x_train[:9], datasets.REGISTRY["digits"])
    first = training_examples_once(threes, "", height=260)
    assert training_examples_once(threes.copy(), "", height=260) is first  # the same images: the same figure
    assert first.to_dict() == training_examples(threes, "", height=260).to_dict()
    other = threes.copy()
    other[4, 3, 3] += 0.25  # one pixel of one image differs: a sheet of its own
    changed = training_examples_once(other, "", height=260)
    assert changed is not first and changed.to_dict() == training_examples(other, "", height=260).to_dict()
    assert training_examples_once(threes, "", height=300) is not first  # another size too


def test_a_phone_sized_photo_is_shrunk_before_the_work():
    # What shrinking saves per rerun is measured by ./scripts/bench.sh draw; here: that it happens.
    photo = np.full((3000, 4000), 220, dtype="uint8")
    photo[800:2200, 1500:2500] = 30  # a dark object on light paper
    data = _encoded(Image.fromarray(photo), "JPEG", quality=85)
    picture = read_picture(data)
    prepared = prepare_drawing(picture, FASHION)
    assert max(picture.shape[:2]) <= 1024 and prepared is not None
    rows, cols = np.nonzero(prepared.view > 0.5)
    assert rows.max() - rows.min() + 1 == 28 and cols.max() - cols.min() + 1 == 20  # 1400×1000: 28×20


def test_an_exact_enlargement_is_shrunk_back_and_a_smooth_one_is_not():
    from PIL import Image
    from sklearn.datasets import load_digits

    from lib.infer.drawing import undo_enlargement

    digit = load_digits().images[7] / 16.0
    small = Image.fromarray(np.round(digit * 255).astype("uint8"))
    big = np.asarray(small.resize((80, 80), Image.Resampling.NEAREST)) / 255
    shrunk, factor = undo_enlargement(big.astype("float32"), 8)
    assert factor == 10 and np.abs(shrunk - np.asarray(small) / 255).max() < 1e-6
    smooth = small.resize((80, 80), Image.Resampling.BILINEAR)
    assert undo_enlargement(np.asarray(smooth, dtype="float32") / 255, 8) is None
    assert undo_enlargement(big.astype("float32")[:79, :79], 8) is None  # not a whole multiple
    view = prepare_drawing((np.stack([big] * 3, -1) * 255).astype("uint8"), DIGITS).view
    assert np.abs(view - np.round(digit * 16) / 16).max() < 1e-6  # the digit's own 0..16 values


def test_a_small_object_in_a_corner_of_a_big_photo_is_trimmed_at_its_own_scale():
    """A garment 84 px tall in a corner of a 400×300 JPEG (issue #31): smoothing sized to the
    whole photo blurred it into a bigger, fainter one, and the trim left a faint margin.
    """
    rng = np.random.default_rng(0)
    paper = np.full((300, 400), 0.88, "float32") - 0.1 * np.linspace(0, 1, 400)[None, :]
    ink = np.zeros((300, 400), "float32")
    ink[20:104, 300:360] = 1.0  # 84 tall, 60 wide: 28 × 20 once the longest edge is 28
    ink[50:74, 320:340] = 0.0  # with a hole
    pixels = paper * (1 - 0.9 * ink) + rng.normal(0, 0.025, paper.shape)
    data = _encoded(Image.fromarray((np.clip(pixels, 0, 1) * 255).astype("uint8")), "JPEG", quality=80)
    view = prepare_drawing(read_picture(data), FASHION).view
    rows, cols = np.nonzero(view > 0.5)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (0, 27, 4, 23)
    assert view[11:17, 11:15].mean() < 0.1  # the hole stays a hole
