"""Turn a drawing or an uploaded picture into exactly what a trained model saw in training.

Two stages. :func:`find_object` separates the object from its background the way a
photo needs it: the background is estimated from the picture's border (a plane fitted to
the border pixels near their most common value, so a lighting gradient is followed) with
its noise spread; only pixels clearly away from it count as the object, in either
polarity (dark ink on paper or light strokes on a black canvas). The result is an *ink
map*: the object bright on black, as in MNIST-style datasets. Then the dataset's recipe
(:mod:`lib.infer.recipes`, named in the dataset registry) trims, resizes and centres it as
that dataset's images were made.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from lib.data.datasets import DatasetInfo
from lib.errors import CodedError
from lib.infer.recipes import RECIPES, Step

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_PIXELS = 25_000_000
MIN_UPLOAD_SIDE = 8  # the smallest dataset image (digits) is 8×8
MAX_WORKING_SIDE = 1024  # larger pictures are shrunk first: 36× a 28-pixel image is plenty
NOISE_SIGMAS = 5.0  # a pixel is the object when it is this many noise spreads from the background
MIN_CONTRAST = 0.02  # ... and at least this far (5/255) even on a noiseless background
GRAY_LUMA = np.array([0.299, 0.587, 0.114], dtype="float32")  # ITU-R 601, as PIL's "L" mode


class PictureError(CodedError):
    """An uploaded file is not a usable picture; ``code`` names the explanation."""


# --- decoding uploads ----------------------------------------------------------------------


def _shrink(frame: Image.Image) -> Image.Image:
    """Shrink a picture larger than ``MAX_WORKING_SIDE`` by a whole factor (area averaging).

    A 12-megapixel phone photo otherwise costs seconds on every rerun of the page.
    """
    factor = -(-max(frame.size) // MAX_WORKING_SIDE)
    if factor <= 1:
        return frame
    try:
        return frame.reduce(factor)
    except ValueError:  # a mode ``reduce`` does not handle (some 16-bit ones): keep the size
        return frame


def first_frame_as_float(img: Image.Image) -> np.ndarray:
    """The first frame as float RGB or RGBA in [0, 1], whatever the mode (CMYK, 16-bit, palette)."""
    if img.format == "JPEG":  # decode at a reduced scale straight away (DCT scaling)
        factor = max(1, max(img.size) // MAX_WORKING_SIDE)
        img.draft(img.mode, (img.width // factor, img.height // factor))
    frame = _shrink(next(iter(ImageSequence.Iterator(img))))  # animated GIF/PNG: the first frame
    if frame.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit gray: convert("L") would clip at 255
        values = np.asarray(frame, dtype="float32")
        peak = 65535.0 if values.max() > 255 or frame.mode.startswith("I;16") else 255.0
        return np.repeat((values / peak).clip(0, 1)[..., None], 3, axis=-1)
    if frame.mode == "F":
        values = np.asarray(frame, dtype="float32")
        return np.repeat((values / max(1.0, float(values.max())))[..., None], 3, axis=-1)
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
    return np.asarray(frame.convert("RGBA" if has_alpha else "RGB"), dtype="float32") / 255.0


def read_picture(data: bytes, min_side: int = MIN_UPLOAD_SIDE, max_bytes: int = MAX_UPLOAD_BYTES) -> np.ndarray:
    """Decode an uploaded picture into float RGB in [0, 1], refusing what is not sane.

    Size is checked from the header before any pixel is decoded (a small file can claim
    10,000×10,000 pixels). Animated pictures give their first frame; CMYK, palette and
    16-bit pictures are converted; a transparent background is replaced by a colour that
    contrasts with what is drawn on it. (Also how an uploaded dataset's pictures are read.)

    Raises:
        PictureError: ``too_big``, ``too_small`` or ``not_an_image``.

    """
    if len(data) > max_bytes:
        raise PictureError("too_big")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_UPLOAD_PIXELS:
                    raise PictureError("too_big")
                if min(img.width, img.height) < min_side:
                    raise PictureError("too_small")
                pixels = first_frame_as_float(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PictureError("too_big") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        if isinstance(exc, PictureError):
            raise
        raise PictureError("not_an_image") from exc
    return flatten_alpha(pixels)


def flatten_alpha(pixels: np.ndarray) -> np.ndarray:
    """RGB from RGB(A): transparent areas become white behind dark content, black behind light."""
    if pixels.shape[-1] != 4:
        return pixels[..., :3]
    rgb, alpha = pixels[..., :3], pixels[..., 3:]
    if alpha.min() >= 1.0:
        return rgb
    visible = float((rgb @ GRAY_LUMA * alpha[..., 0]).sum() / max(float(alpha.sum()), 1e-6))
    backdrop = 1.0 if visible < 0.5 else 0.0
    return rgb * alpha + backdrop * (1.0 - alpha)


def as_float_rgb(image: np.ndarray) -> np.ndarray:
    """Any canvas or picture array (uint8 or float, gray, RGB or RGBA) as float RGB in [0, 1]."""
    pixels = np.asarray(image, dtype="float32")
    if np.asarray(image).dtype == np.uint8 or pixels.max() > 1.0:
        pixels = pixels / 255.0
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.shape[-1] in (1, 2):  # gray (with alpha)
        gray = np.repeat(pixels[..., :1], 3, axis=-1)
        pixels = np.concatenate([gray, pixels[..., 1:]], axis=-1)
    return flatten_alpha(pixels)


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """Luminance of float RGB, as PIL's ``L`` conversion weighs the channels."""
    return rgb @ GRAY_LUMA


# --- finding the object ----------------------------------------------------------------------


@dataclass
class Background:
    """The background estimated from the border: a plane (per-pixel level) and its noise."""

    level: np.ndarray
    noise: float


def _border(gray: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and value of every pixel within ``width`` of the edge."""
    mask = np.zeros(gray.shape, bool)
    mask[:width], mask[-width:], mask[:, :width], mask[:, -width:] = True, True, True, True
    rows, cols = np.nonzero(mask)
    return rows, cols, gray[rows, cols]


def _plane(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Least-squares coefficients of ``a + b·row/h + c·col/w`` through the given pixels."""
    design = np.column_stack([np.ones(len(values)), rows / shape[0], cols / shape[1]])
    return np.linalg.lstsq(design, values, rcond=None)[0]


def estimate_background(gray: np.ndarray) -> Background:
    """Fit the background from the border: its most common level, followed across the picture.

    The border may cross the object (a garment reaching the edges of its 28×28 image), so
    the fit starts from the border's most common value rather than its median, keeps the
    pixels near it, fits a plane to them (a lighting gradient across a photo), and takes
    the noise as the robust spread (1.4826 × median absolute deviation) around that plane.
    A plane that tilts by less than the noise is replaced by the flat median, so a clean
    digital picture keeps its exact background level (0 for a dataset image).
    """
    h, w = gray.shape
    rows, cols, values = _border(gray, max(1, min(h, w) // 40))
    counts = np.bincount(np.clip((values * 64).astype(int), 0, 63), minlength=64)  # 64 bins over [0, 1]
    peak = (counts.argmax() + 0.5) / 64
    inliers = np.abs(values - peak) <= 0.1
    levels, times = np.unique(values[inliers], return_counts=True)
    if 2 * times.max() > inliers.sum():  # most of them one exact value: a digital picture's flat background
        return Background(np.full(gray.shape, levels[times.argmax()], dtype="float32"), 0.0)
    for _ in range(3):  # refit on the pixels the plane explains (drops object pixels near the peak)
        coef = _plane(rows[inliers], cols[inliers], values[inliers], (h, w))
        residual = values - (coef[0] + coef[1] * rows / h + coef[2] * cols / w)
        spread = 1.4826 * float(np.median(np.abs(residual[inliers])))
        inliers = np.abs(residual) <= max(3 * spread, 2 / 255)
    if abs(coef[1]) + abs(coef[2]) <= max(2 * spread, 1 / 255):
        flat = float(np.median(values[inliers]))
        noise = 1.4826 * float(np.median(np.abs(values[inliers] - flat)))
        return Background(np.full(gray.shape, flat, dtype="float32"), noise)
    rr, cc = np.indices(gray.shape, dtype="float32")
    return Background((coef[0] + coef[1] * rr / h + coef[2] * cc / w).astype("float32"), spread)


@dataclass
class Found:
    """The object as an ink map (bright on black, background exactly 0), and how it was found."""

    ink: np.ndarray
    inverted: bool
    background: float
    noise: float
    steps: list[Step] = field(default_factory=list)


def _drop_specks(mask: np.ndarray, min_area: int) -> np.ndarray:
    """``mask`` without its connected parts smaller than ``min_area`` pixels (noise specks)."""
    from scipy import ndimage

    labels, count = ndimage.label(mask)
    if count == 0:
        return mask
    areas = np.bincount(labels.reshape(-1), minlength=count + 1)
    keep = areas >= min_area
    keep[0] = False
    return keep[labels]


def _smoothed_noise(residual: np.ndarray, smooth: int) -> float:
    """The noise spread of the border once smoothed over ``smooth``×``smooth`` pixels.

    Measured, not assumed (JPEG noise is not independent from pixel to pixel), on strips
    along the four edges only, so a large photo costs little.
    """
    from scipy import ndimage

    width = max(1, min(residual.shape) // 40)
    depth = min(width + smooth, *residual.shape)
    strips = (residual[:depth], residual[-depth:][::-1], residual[:, :depth].T, residual[:, -depth:][:, ::-1].T)
    values = np.concatenate([ndimage.uniform_filter(strip, smooth)[:width].ravel() for strip in strips])
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def _detect(
    residual: np.ndarray, background: Background, smooth: int, within: tuple[slice, slice] | None = None
) -> tuple[np.ndarray, bool] | None:
    """The object's pixels and polarity, judged on the residual smoothed over ``smooth``×``smooth``.

    Pixels further than ``NOISE_SIGMAS`` noise spreads (and ``MIN_CONTRAST``) from the
    background count (on a noiseless background: any other value); whichever side of the
    background holds more of them is the ink. ``within`` limits the search to a part of the
    picture. None when nothing stands out.
    """
    from scipy import ndimage

    clean = background.noise == 0
    part = residual if within is None else residual[within]
    detect, noise = part, background.noise
    if smooth > 1:
        detect, noise = ndimage.uniform_filter(part, smooth), _smoothed_noise(residual, smooth)
    threshold = max(NOISE_SIGMAS * noise, 0.5 / 255 if clean else MIN_CONTRAST)
    bright, dark = detect > threshold, detect < -threshold
    inverted = float(-part[dark].sum()) > float(part[bright].sum())
    found = dark if inverted else bright
    if not clean:  # a speck smaller than the smoothing window is noise, not a stroke
        found = _drop_specks(found, max(2, smooth * smooth))
    if not found.any():
        return None
    if within is None:
        return found, inverted
    mask = np.zeros(residual.shape, bool)
    mask[within] = found
    return mask, inverted


def _box(mask: np.ndarray, margin: int = 0) -> tuple[slice, slice]:
    """The bounding box of ``mask``'s pixels, ``margin`` pixels wider on every side."""
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return (
        slice(max(0, rows[0] - margin), rows[-1] + 1 + margin),
        slice(max(0, cols[0] - margin), cols[-1] + 1 + margin),
    )


def grown_region(mask: np.ndarray, box: tuple[slice, slice], grow: int) -> np.ndarray:
    """``mask`` grown by a ``grow``-wide square, its holes filled, kept within ``box`` (its bounding box).

    Computed on the box and a margin of ``grow`` pixels only, not the whole picture (a
    photo's object fills a part of it; 6 ms of a 500-pixel photo's 26): the same pixels.
    The mask is empty outside the box, so the margin's outer ring stays empty when grown and
    joins the picture's outside for the hole filling, as it does in the whole picture
    (tests/test_drawing.py compares both on random masks).
    """
    from scipy import ndimage

    outer = tuple(slice(max(0, s.start - grow), min(n, s.stop + grow)) for s, n in zip(box, mask.shape))
    filled = ndimage.binary_fill_holes(ndimage.maximum_filter(mask[outer].view(np.uint8), size=grow) > 0)
    region = np.zeros(mask.shape, bool)
    inner = tuple(slice(s.start - o.start, s.stop - o.start) for s, o in zip(box, outer))
    region[box] = filled[inner]  # ... but never beyond the box: noise would widen the trim
    return region


def find_object(gray: np.ndarray) -> Found | None:
    """Separate the object from the background; None when nothing stands out.

    The object is detected (see :func:`_detect`) on a lightly smoothed picture when it is
    noisy (averaging k×k pixels divides the noise by k, so faint edges still count): first
    smoothed over half a pixel of a 28×28 image the size of the picture, then, once the
    object's size is known, over half a pixel of it (a small object in a large photo would
    otherwise be blurred into a bigger, fainter one). Both dark-on-light and light-on-dark
    work. In a photo the object region is then grown by about a pixel of the object and its
    holes filled, so faint parts inside a garment keep their value while the rest becomes
    exactly 0, and its ink is stretched so its strongest part is full ink, as in the
    datasets; a clean picture (a drawing, a digital image) keeps its exact values.
    """
    from scipy import ndimage

    background = estimate_background(gray)
    residual = gray - background.level
    clean = background.noise == 0
    smooth = 1 if clean else max(1, round(min(gray.shape) / 56))  # half a pixel of a 28×28 image
    found = _detect(residual, background, smooth)
    if found is None:
        return None
    mask, inverted = found
    box = _box(mask)
    extent = max(box[0].stop - box[0].start, box[1].stop - box[1].start)
    if smooth > 1 and (own := max(1, round(extent / 56))) < smooth:  # the object's own half pixel
        again = _detect(residual, background, own, _box(mask, smooth))
        if again is not None:
            (mask, inverted), smooth = again, own
            box = _box(mask)
            extent = max(box[0].stop - box[0].start, box[1].stop - box[1].start)
    region = mask  # on a noiseless background every pixel of the object differs from it already
    if not clean:  # a photo: faint parts near and inside the object are part of it
        grow = 2 * max(1, round(extent / 28)) + 1  # about one pixel of the object at 28×28
        region = grown_region(mask, box, grow)
    if inverted:  # dark on light: 0 at the paper's level, 1 at black
        ink = -residual / np.maximum(background.level, 0.05)
    else:
        ink = residual / np.maximum(1.0 - background.level, 0.05)
    ink = np.where(region, np.clip(ink, 0.0, 1.0), 0.0).astype("float32")
    level = float(np.median(background.level[::8, ::8]))
    if clean and level < 1 / 255:
        steps = [Step("black_background")]
    else:
        steps = [Step("background", {"level": round(255 * level), "noise": round(255 * background.noise, 1)})]
    if inverted:
        steps.append(Step("inverted"))
    if not (clean and level < 1 / 255):
        peak = float(ndimage.uniform_filter(ink, smooth).max()) if smooth > 1 else float(ink.max())
        ink = np.clip(ink / max(peak, 1e-3), 0.0, 1.0)
        steps.append(Step("stretched"))
    return Found(ink, inverted, level, background.noise, steps)


# --- the model's input ----------------------------------------------------------------------


@dataclass
class Prepared:
    """The model's input (``x``, shape ``(1, *input_shape)``), the image it shows, the steps taken."""

    x: np.ndarray
    view: np.ndarray
    steps: list[Step] = field(default_factory=list)


def is_dataset_image(gray: np.ndarray, found: Found, side: int) -> bool:
    """True when the picture already is an image of the dataset's kind at the model's size.

    That is: exactly ``side`` pixels across, and light on a dark background. Such a picture
    already went through the dataset's recipe (an image saved from the dataset, an exact
    upload); running it again would re-centre it on its pixel grid, which the original,
    made at a finer resolution, was not (digits: the 8×8 counts no longer show where the
    32×32 bitmap sat), and removing its background would change it: some Fashion-MNIST
    images keep a faint, uneven background from their product photo (test images 4512 and
    5661 among them), and many touch the border. At the model's size the picture is taken
    as it is, whatever its background.
    """
    return gray.shape == (side, side) and not found.inverted


def undo_enlargement(gray: np.ndarray, side: int, tolerance: float = 1.5 / 255) -> tuple[np.ndarray, int] | None:
    """``(image at side×side, factor)`` when ``gray`` is a pixel-for-pixel enlargement, else None.

    A picture exactly ``k`` times the model's size whose every k×k block holds one value
    is an image at the model's resolution, enlarged (saved bigger from the Datasets page,
    a screenshot zoomed without smoothing). Shrinking it back by block averages returns
    that image exactly; redoing the recipe on the enlargement cannot, because the dataset
    made its small images from a finer original (digits: where the 32×32 bitmap sat inside
    each 4×4 block is lost in the 8×8 counts).
    """
    height, width = gray.shape
    if height != width or height % side or height == side:
        return None
    k = height // side
    blocks = gray.reshape(side, k, side, k)
    if float((blocks.max(axis=(1, 3)) - blocks.min(axis=(1, 3))).max()) > tolerance:
        return None
    return blocks.mean(axis=(1, 3)).astype("float32"), k


def prepare_drawing(image: np.ndarray, info: DatasetInfo) -> Prepared | None:
    """Apply the dataset's recipe (``info.draw_recipe``) to a canvas image or picture.

    Returns None when no object is found (an empty canvas, a blank photo).
    """
    recipe = RECIPES[info.draw_recipe]
    rgb = as_float_rgb(image)
    side = info.input_shape[0]
    if not recipe.gray:
        view, steps = recipe.apply(rgb, info.input_shape)
    else:
        gray, shrunk = to_gray(rgb), []
        if (undone := undo_enlargement(gray, side)) is not None:
            gray, shrunk = undone[0], [Step("unenlarged", {"factor": undone[1], "side": side})]
        found = find_object(gray)
        if found is None:
            return None
        if is_dataset_image(gray, found, side):
            view, recipe_steps, found.steps = gray, [Step("as_is", {"side": side})], []
        else:
            view, recipe_steps = recipe.apply(found.ink, info.input_shape)
        view = np.round(view * recipe.levels) / recipe.levels
        steps = shrunk + found.steps + recipe_steps
    view = np.clip(view, 0.0, 1.0).astype("float32")
    x = view.reshape(1, *info.input_shape)
    return Prepared(x, view, steps)


def read_and_prepare(data: bytes, info: DatasetInfo) -> tuple[np.ndarray, Prepared | None]:
    """The Draw page's reading path: a picture file's bytes to the model's input.

    Both ways a picture arrives are files: an upload, and the PNG the canvas sends after
    each stroke. Returns the decoded picture (float RGB, shown beside an upload) and its
    :class:`Prepared` input (None when nothing stands out). The benchmark and the tests
    measure through this same function.

    Raises:
        PictureError: the file is not a usable picture (see :func:`read_picture`).

    """
    picture = read_picture(data)
    return picture, prepare_drawing(picture, info)
