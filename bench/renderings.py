"""Ways a dataset image reaches the Draw page, made from the original array (deterministic).

Every renderer returns what the page receives: a file's bytes. An upload is the file a
student chose (PNG or JPEG); a drawing is the PNG the canvas component sends (280×280 RGBA,
white ink on black, opaque). The page reads both the same way
(:func:`lib.infer.drawing.read_and_prepare`), so the benchmark measures exactly that path.

Drawings are redrawn at a student's size (55-85 % of the canvas tall) and place, not
copied pixel for pixel: a digit as its ink region (the image enlarged smoothly and cut at
half ink, with an anti-aliased rim), so its strokes are as wide as the digit's own at that
size; a garment, which a white brush cannot paint, as its picture smoothly enlarged. The
robustness renderings change one thing at a time: strokes 12 px thicker or thinner, the
drawing turned by 10°, drawn small against an edge, and (digits) its centre line traced
with the canvas's default 18 px brush, so every stroke has the brush's width, or the 8×8
counts themselves enlarged and cut at half ink (``canvas_cut``: the faint outer blocks, and
with them the digit's true extent, are lost).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from lib.data.datasets import DatasetInfo

CANVAS_SIDE = 280  # the Draw page's canvas
PEN = 18  # the Draw page's default brush width (app_pages/draw.py)
PEN_CHANGE = 12  # the robustness renderings' thicker and thinner brushes
TURN = 10.0  # degrees, the robustness renderings' turned drawings
STROKE_RECIPES = ("uci_digits", "mnist")  # datasets whose images are pen strokes


def to_8bit(image: np.ndarray, pixel_max: float) -> np.ndarray:
    """The original as an 8-bit gray picture (digits' 0..16 scaled by 255/16)."""
    return np.round(image.astype("float32") * (255.0 / pixel_max)).astype("uint8")


def png(pixels: np.ndarray) -> bytes:
    """``pixels`` (uint8 gray, RGB or RGBA) as a PNG file."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(gray: np.ndarray, quality: int) -> bytes:
    """A float gray picture in [0, 1] as a colour JPEG file, as a phone saves it."""
    rgb = np.repeat(np.clip(np.round(gray * 255), 0, 255).astype("uint8")[..., None], 3, axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def canvas_png(ink: np.ndarray) -> bytes:
    """An ink map (float [0, 1], 280×280) as the canvas component's PNG: white on black, opaque."""
    gray = np.clip(np.round(ink * 255), 0, 255).astype("uint8")
    rgba = np.empty((*gray.shape, 4), dtype="uint8")
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 255
    return png(rgba)


# --- uploads of the image itself -------------------------------------------------------------


def upload_exact(image: np.ndarray, info: DatasetInfo, seed: int) -> bytes:
    """The exact image saved as a PNG at its own size."""
    return png(to_8bit(image, info.pixel_max))


def upload_10x(image: np.ndarray, info: DatasetInfo, seed: int) -> bytes:
    """The exact image enlarged 10× (nearest neighbour, sharp pixels), as a PNG."""
    gray = Image.fromarray(to_8bit(image, info.pixel_max), mode="L")
    return png(np.asarray(gray.resize((gray.width * 10, gray.height * 10), Image.Resampling.NEAREST)))


# --- drawings on the canvas --------------------------------------------------------------------


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang & Suen's thinning (Comm. ACM 27(3), 1984): a shape's one-pixel centre line."""
    img = np.pad(mask, 1).astype("uint8")
    while True:
        changed = False
        for step in (0, 1):
            p = img
            n = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:], p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]
            count = sum(x.astype("int16") for x in n)
            ring = [*n, n[0]]
            turns = sum(((ring[i] == 0) & (ring[i + 1] == 1)).astype("int16") for i in range(8))
            p2, p4, p6, p8 = n[0], n[2], n[4], n[6]
            if step == 0:
                side = ((p2 * p4 * p6) == 0) & ((p4 * p6 * p8) == 0)
            else:
                side = ((p2 * p4 * p8) == 0) & ((p2 * p6 * p8) == 0)
            remove = (p[1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (turns == 1) & side
            if remove.any():
                img[1:-1, 1:-1][remove] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def _smooth(image: np.ndarray, pixel_max: float, size: int, angle: float) -> np.ndarray:
    """The image (0..1) smoothly enlarged to ``size``×``size`` and turned by ``angle`` degrees."""
    small = Image.fromarray((image.astype("float32") / pixel_max), mode="F")
    big = np.asarray(small.resize((size, size), Image.Resampling.BICUBIC), dtype="float32")
    if angle:
        big = ndimage.rotate(big, angle, reshape=True, order=1)
    return np.clip(big, 0.0, 1.0)


def _place(content: np.ndarray, rng: np.random.Generator, margin: int, where: str = "anywhere") -> np.ndarray:
    """``content`` cropped to its ink and put on the 280×280 canvas at a random place."""
    rows, cols = np.nonzero(content.any(axis=1))[0], np.nonzero(content.any(axis=0))[0]
    content = content[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = content.shape
    room_r, room_c = max(0, CANVAS_SIDE - 2 * margin - h), max(0, CANVAS_SIDE - 2 * margin - w)
    if where == "edge":  # pushed against one side of the canvas
        along_side = rng.random() < 0.5
        top = int(rng.integers(0, room_r + 1)) if along_side else 0
        left = 0 if along_side else int(rng.integers(0, room_c + 1))
        top, left = (room_r - top, room_c - left) if rng.random() < 0.5 else (top, left)
    else:
        top, left = int(rng.integers(0, room_r + 1)), int(rng.integers(0, room_c + 1))
    out = np.zeros((CANVAS_SIDE, CANVAS_SIDE), dtype=content.dtype)
    top, left = min(margin + top, CANVAS_SIDE - h), min(margin + left, CANVAS_SIDE - w)
    out[max(0, top) : top + h, max(0, left) : left + w] = content[max(0, -top) :, max(0, -left) :]
    return out


def bitmap_from_counts(counts: np.ndarray, block: int = 4) -> np.ndarray:
    """A black-and-white bitmap whose ``block``×``block`` counts are exactly ``counts`` (UCI digits).

    Each block gets as many "on" pixels as it counted, the ones where the smoothly enlarged
    counts are highest (so strokes run on into the neighbouring blocks that hold ink): the
    most plausible 32×32 bitmap behind an 8×8 image, with its real extent and stroke width.
    """
    side = counts.shape[0]
    full = side * block
    smooth = np.asarray(
        Image.fromarray(counts.astype("float32"), mode="F").resize((full, full), Image.Resampling.BICUBIC)
    )
    cells = smooth.reshape(side, block, side, block).transpose(0, 2, 1, 3).reshape(side, side, block * block)
    rank = np.argsort(np.argsort(-cells, axis=-1, kind="stable"), axis=-1, kind="stable")
    on = rank < counts[..., None].astype(int)
    return on.reshape(side, side, block, block).transpose(0, 2, 1, 3).reshape(full, full).astype("float32")


def _ink_source(image: np.ndarray, info: DatasetInfo, cut: bool = False) -> tuple[np.ndarray, float]:
    """What a drawing of ``image`` follows, and its full-ink value: for the UCI digits the
    bitmap their counts came from (see :func:`bitmap_from_counts`), else (or when ``cut``)
    the image itself.
    """
    if info.draw_recipe == "uci_digits" and not cut:
        return bitmap_from_counts(image), 1.0
    return image, info.pixel_max


def _shape(image: np.ndarray, info: DatasetInfo, size: int, angle: float, grow: int, cut: bool = False) -> np.ndarray:
    """The image's ink region at ``size`` pixels (smooth enlargement, turned, half ink and over),
    ``grow`` pixels thicker (or thinner, when negative), drawn at twice the resolution and
    shrunk so its rim is anti-aliased as a browser draws it. ``cut``: a digit's 8×8 counts
    themselves enlarged and cut at half ink (its faint outer blocks are lost).
    """
    big = _smooth(*_ink_source(image, info, cut), 2 * size, angle) >= 0.5
    if grow:
        r = 2 * abs(grow)
        disk = np.hypot(*np.mgrid[-r : r + 1, -r : r + 1]) <= r
        big = np.pad(big, r + 2)
        big = ndimage.binary_dilation(big, disk) if grow > 0 else ndimage.binary_erosion(big, disk)
    h, w = (n // 2 * 2 for n in big.shape)
    return big[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)).astype("float32")


def _size(rng: np.random.Generator, where: str) -> int:
    """How tall a student draws: 55-85 % of the canvas; 30-40 % when drawing small near an edge."""
    return round(CANVAS_SIDE * (rng.uniform(0.3, 0.4) if where == "edge" else rng.uniform(0.55, 0.85)))


def drawing(
    image: np.ndarray,
    info: DatasetInfo,
    seed: int,
    grow: int = 0,
    angle: float = 0.0,
    where: str = "anywhere",
    cut: bool = False,
) -> np.ndarray:
    """The image drawn on the 280×280 canvas at a student's size and place: an ink map.

    Digits are drawn as their ink region (strokes as wide as the digit's own at that size);
    garments, which a white brush cannot paint, as their picture. ``grow`` makes the strokes
    that many pixels thicker on each side (thinner when negative).
    """
    rng = np.random.default_rng(seed)
    size = _size(rng, where)
    if info.draw_recipe in STROKE_RECIPES:
        ink = _shape(image, info, size, angle, grow, cut)
    else:
        ink = np.pad(_smooth(image, info.pixel_max, size, angle), abs(grow) + 1)
        if grow:
            r = abs(grow)
            disk = np.hypot(*np.mgrid[-r : r + 1, -r : r + 1]) <= r
            ink = ndimage.grey_dilation(ink, footprint=disk) if grow > 0 else ndimage.grey_erosion(ink, footprint=disk)
        ink[ink < 1 / 255] = 0.0
    if not ink.any():
        return np.zeros((CANVAS_SIDE, CANVAS_SIDE), dtype="float32")
    return _place(ink, rng, margin=2, where=where)


def pen_drawing(image: np.ndarray, info: DatasetInfo, seed: int, pen: float = PEN) -> np.ndarray:
    """The digit's centre line traced with the canvas's round brush (``pen`` pixels wide).

    The ink region at a student's size is thinned to a one-pixel line, and every pixel
    within half the brush of it is inked, with a one-pixel anti-aliased rim. Every stroke
    then has the brush's width, as when a student draws; the dataset's strokes vary.
    """
    rng = np.random.default_rng(seed)
    line = thin(_smooth(*_ink_source(image, info), _size(rng, "anywhere"), 0.0) >= 0.5)
    if not line.any():
        return np.zeros((CANVAS_SIDE, CANVAS_SIDE), dtype="float32")
    line = _place(line, rng, margin=int(pen // 2) + 2)
    return np.clip(pen / 2 + 0.5 - ndimage.distance_transform_edt(~line), 0.0, 1.0).astype("float32")


def drawn(image: np.ndarray, info: DatasetInfo, seed: int, **kwargs) -> bytes:
    """:func:`drawing` as the canvas sends it (a PNG)."""
    return canvas_png(drawing(image, info, seed, **kwargs))


def block_average(image: np.ndarray, info: DatasetInfo, seed: int) -> np.ndarray:
    """The yardstick for drawings: the same drawing made to fill the canvas as the image fills
    its frame, shrunk straight to the model's size by block averages (no recipe at all).

    What a drawing keeps of the image: the gap between the original and this is the drawing's
    own, the gap between this and the ``canvas`` rendering is the recipe's.
    """
    side = info.input_shape[0]
    ink = _shape(image, info, CANVAS_SIDE, 0.0, 0) if info.draw_recipe in STROKE_RECIPES else (
        _smooth(image, info.pixel_max, CANVAS_SIDE, 0.0))  # fmt: skip
    k = CANVAS_SIDE // side
    crop = ink[: side * k, : side * k].reshape(side, k, side, k).mean(axis=(1, 3))
    levels = info.pixel_max if info.draw_recipe == "uci_digits" else 255
    return (np.round(np.clip(crop, 0, 1) * levels) / levels).astype("float32")


# --- photos ---------------------------------------------------------------------------------------


def _paper(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Light paper lit by a gradient in a random direction (about 0.95 down to 0.75)."""
    rows, cols = np.indices(shape, dtype="float32")
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * rows / shape[0] + np.sin(angle) * cols / shape[1] + 1) / 2
    return 0.95 - 0.2 * ramp


def _photographed(ink: np.ndarray, rng: np.random.Generator) -> bytes:
    """Ink printed dark on lit paper, with sensor noise, saved as a phone's JPEG."""
    darkness = 0.92  # printed black is not quite black in a photo
    pixels = _paper(ink.shape, rng) * (1 - darkness * ink) + rng.normal(0, rng.uniform(0.02, 0.03), ink.shape)
    return jpeg(np.clip(pixels, 0, 1), int(rng.integers(75, 86)))


def _printed(image: np.ndarray, info: DatasetInfo, size: int) -> np.ndarray:
    """The image printed ``size`` pixels wide (smooth interpolation); a UCI digit as its bitmap."""
    source, full = _ink_source(image, info)
    gray = Image.fromarray(source.astype("float32") / full, mode="F")
    return np.clip(np.asarray(gray.resize((size, size), Image.Resampling.BILINEAR), dtype="float32"), 0.0, 1.0)


def photo(image: np.ndarray, info: DatasetInfo, seed: int) -> bytes:
    """A phone photo of the object printed dark on light paper, filling much of the frame.

    The object is enlarged 6-14× (for 28-pixel images; the same printed size for others)
    with smooth interpolation, placed off-centre on paper 1.3-2× its size, lit by a
    gradient, with Gaussian noise (σ 2-3 %), saved as a JPEG of quality 75-85.
    """
    rng = np.random.default_rng(seed)
    size = round(28 * rng.uniform(6, 14))
    ink = _printed(image, info, size)
    paper_h, paper_w = (round(size * rng.uniform(1.3, 2.0)) for _ in range(2))
    top, left = rng.integers(0, paper_h - size + 1), rng.integers(0, paper_w - size + 1)
    full = np.zeros((paper_h, paper_w), dtype="float32")
    full[top : top + size, left : left + size] = ink
    return _photographed(full, rng)


def photo_small(image: np.ndarray, info: DatasetInfo, seed: int) -> bytes:
    """A small, off-centre photo: the object 3× (84 pixels) in a corner of a 400×300 JPEG."""
    rng = np.random.default_rng(seed)
    size, (paper_h, paper_w) = 84, (300, 400)
    ink = _printed(image, info, size)
    top, left = (int(rng.integers(8, 41)) for _ in range(2))
    top = paper_h - size - top if rng.random() < 0.5 else top
    left = paper_w - size - left if rng.random() < 0.5 else left
    full = np.zeros((paper_h, paper_w), dtype="float32")
    full[top : top + size, left : left + size] = ink
    return _photographed(full, rng)


@dataclass(frozen=True)
class Rendering:
    """One way an image reaches the page, and the most points its accuracy may lose (None: shown only).

    ``recipes`` limits it to datasets drawn by those recipes (None: every dataset).
    """

    name: str
    render: Callable[[np.ndarray, DatasetInfo, int], bytes]
    target: float | None
    recipes: tuple[str, ...] | None = None

    def applies(self, info: DatasetInfo) -> bool:
        """True when this rendering is made for ``info``'s images."""
        return self.recipes is None or info.draw_recipe in self.recipes


def _turned(image: np.ndarray, info: DatasetInfo, seed: int) -> bytes:
    return drawn(image, info, seed, angle=TURN if seed % 2 else -TURN)


RENDERINGS: dict[str, Rendering] = {
    r.name: r
    for r in (
        Rendering("upload_exact", upload_exact, 0.0),
        Rendering("upload_10x", upload_10x, 0.0),
        Rendering("canvas", drawn, 2.0),
        Rendering("photo", photo, 5.0),
        Rendering("photo_small", photo_small, 5.0),
        Rendering("thicker", lambda image, info, seed: drawn(image, info, seed, grow=PEN_CHANGE // 2), None),
        Rendering("thinner", lambda image, info, seed: drawn(image, info, seed, grow=-PEN_CHANGE // 2), None),
        Rendering("turned", _turned, None),
        Rendering("at_edge", lambda image, info, seed: drawn(image, info, seed, where="edge"), None),
        Rendering("pen", lambda image, info, seed: canvas_png(pen_drawing(image, info, seed)), None, STROKE_RECIPES),
        Rendering("canvas_cut", lambda image, info, seed: drawn(image, info, seed, cut=True), None, ("uci_digits",)),
    )
}
TARGET_POINTS = {name: r.target for name, r in RENDERINGS.items() if r.target is not None}
