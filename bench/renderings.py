"""Ways a dataset image reaches the Draw page, rendered from the original array (deterministic).

Each renderer takes one original image (uint8, values 0..``pixel_max``, object bright on
black as the datasets store it) and returns what the page would receive: the decoded
upload (through :func:`lib.infer.drawing.read_picture`, as the page decodes it) or the canvas's
RGBA array.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from lib.infer.drawing import read_picture

CANVAS_SIDE = 280  # the Draw page's canvas


def to_8bit(image: np.ndarray, pixel_max: float) -> np.ndarray:
    """The original as an 8-bit gray picture (digits' 0..16 scaled by 255/16)."""
    return np.round(image.astype("float32") * (255.0 / pixel_max)).astype("uint8")


def _png(gray: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(gray, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def upload_exact(image: np.ndarray, pixel_max: float) -> np.ndarray:
    """The exact image saved as a PNG at its own size and uploaded."""
    return read_picture(_png(to_8bit(image, pixel_max)))


def upload_10x(image: np.ndarray, pixel_max: float) -> np.ndarray:
    """The exact image enlarged 10× (nearest neighbour, sharp pixels), as a PNG."""
    gray = to_8bit(image, pixel_max)
    big = Image.fromarray(gray, mode="L").resize((gray.shape[1] * 10, gray.shape[0] * 10), Image.Resampling.NEAREST)
    return read_picture(_png(np.asarray(big)))


def canvas(image: np.ndarray, pixel_max: float) -> np.ndarray:
    """As the canvas returns a drawing: 280×280 RGBA, white ink on black, alpha 255."""
    gray = Image.fromarray(to_8bit(image, pixel_max), mode="L")
    big = np.asarray(gray.resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.NEAREST))
    rgba = np.empty((CANVAS_SIDE, CANVAS_SIDE, 4), dtype="uint8")
    rgba[..., :3] = big[..., None]
    rgba[..., 3] = 255
    return rgba


def photo(image: np.ndarray, pixel_max: float, seed: int) -> np.ndarray:
    """A phone photo of the object printed dark on light paper.

    The object is enlarged 6–14× (for 28-pixel images; the same printed size for others)
    with smooth interpolation, placed off-centre on paper 1.3–2× its size, lit by a
    gradient (paper from about 0.95 down to 0.75), with Gaussian noise (σ 2–3%), saved as
    a JPEG of quality 75–85 and decoded as an upload.
    """
    rng = np.random.default_rng(seed)
    gray = to_8bit(image, pixel_max)
    scale = rng.uniform(6, 14) * 28 / gray.shape[0]
    size = round(gray.shape[0] * scale)
    ink = (
        np.asarray(Image.fromarray(gray, mode="L").resize((size, size), Image.Resampling.BILINEAR), dtype="float32")
        / 255.0
    )
    paper_h, paper_w = (round(size * rng.uniform(1.3, 2.0)) for _ in range(2))
    top, left = rng.integers(0, paper_h - size + 1), rng.integers(0, paper_w - size + 1)
    rows, cols = np.indices((paper_h, paper_w), dtype="float32")
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * rows / paper_h + np.sin(angle) * cols / paper_w + 1) / 2  # 0..~1
    paper = 0.95 - 0.2 * ramp
    ink_full = np.zeros((paper_h, paper_w), dtype="float32")
    ink_full[top : top + size, left : left + size] = ink
    darkness = 0.92  # printed black is not quite black in a photo
    pixels = paper * (1 - darkness * ink_full) + rng.normal(0, rng.uniform(0.02, 0.03), paper.shape)
    rgb = np.repeat(np.clip(pixels * 255, 0, 255).astype("uint8")[..., None], 3, axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buffer, format="JPEG", quality=int(rng.integers(75, 86)))
    return read_picture(buffer.getvalue())


RENDERINGS = {
    "upload_exact": lambda image, pixel_max, seed: upload_exact(image, pixel_max),
    "upload_10x": lambda image, pixel_max, seed: upload_10x(image, pixel_max),
    "canvas": lambda image, pixel_max, seed: canvas(image, pixel_max),
    "photo": photo,
}
# The targets: accuracy on a rendering at most this many points below the original.
TARGET_POINTS = {"upload_exact": 1.0, "upload_10x": 1.0, "canvas": 2.0, "photo": 5.0}
