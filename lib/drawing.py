"""Turn a drawing (or an uploaded picture) into exactly what a trained model saw in training.

MNIST digits were scaled to fit a 20×20 box (keeping their aspect ratio) and centred by
their centre of mass in a 28×28 image; Fashion-MNIST items fill their 28×28 image; the
scikit-learn digits fill their 8×8 image. In every case ink is bright on a dark
background, scaled to [0, 1] as ``lib.datasets.scale_images`` does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from lib.datasets import DatasetInfo

# Side of the box the content is scaled into, as a fraction of the image side.
CONTENT_BOX = {"mnist": 20 / 28, "fashion_mnist": 1.0, "digits": 1.0}
DRAWABLE = tuple(CONTENT_BOX)
INK_THRESHOLD = 0.1  # of the brightest pixel: fainter pixels count as background
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_PIXELS = 25_000_000


class PictureError(ValueError):
    """An uploaded file is not a usable picture; ``code`` names the explanation."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def to_gray(image: np.ndarray) -> np.ndarray:
    """An RGB(A) or gray image as float luminance in [0, 1] (transparent pixels count as 0)."""
    pixels = np.asarray(image, dtype="float32")
    if pixels.max() > 1.0:
        pixels = pixels / 255.0
    if pixels.ndim == 2:
        return pixels
    luma = np.array([0.299, 0.587, 0.114], dtype="float32")
    gray = pixels[..., :3] @ luma if pixels.shape[-1] >= 3 else pixels[..., 0]
    if pixels.shape[-1] == 4 and pixels[..., 3].min() < 1.0:  # a transparent background: alpha is the ink
        gray = gray * pixels[..., 3] if gray.max() > 0.5 else pixels[..., 3]
    return gray


def match_polarity(gray: np.ndarray) -> np.ndarray:
    """Make ink bright on a dark background (a photo of dark ink on paper is inverted)."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if np.median(border) > 0.5 else gray


def crop_to_content(gray: np.ndarray) -> np.ndarray | None:
    """The bounding box of the ink, or None when nothing is drawn."""
    if gray.max() <= 0.02:
        return None
    rows, cols = np.nonzero(gray > INK_THRESHOLD * gray.max())
    return gray[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def fit_into(content: np.ndarray, side: int, box: int) -> np.ndarray:
    """Scale ``content`` into a ``box``×``box`` square, centred in a ``side``×``side`` image.

    The aspect ratio is kept: the longer side becomes ``box`` pixels.
    """
    h, w = content.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    resized = Image.fromarray((content * 255).astype("uint8")).resize((new_w, new_h), Image.Resampling.LANCZOS)
    out = np.zeros((side, side), dtype="float32")
    top, left = (side - new_h) // 2, (side - new_w) // 2
    out[top : top + new_h, left : left + new_w] = np.asarray(resized, dtype="float32") / 255.0
    return out


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre."""
    total = image.sum()
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def shift_to_centre(image: np.ndarray) -> np.ndarray:
    """Shift by whole pixels so the centre of mass lands on the image centre."""
    r, c = centre_of_mass(image)
    dr, dc = round((image.shape[0] - 1) / 2 - r), round((image.shape[1] - 1) / 2 - c)
    out = np.zeros_like(image)
    src = image[max(0, -dr) : image.shape[0] - max(0, dr), max(0, -dc) : image.shape[1] - max(0, dc)]
    out[max(0, dr) : max(0, dr) + src.shape[0], max(0, dc) : max(0, dc) + src.shape[1]] = src
    return out


@dataclass
class Prepared:
    """The model's input (``x``, shape ``(1, *input_shape)``) and the image it shows."""

    x: np.ndarray
    view: np.ndarray


def prepare_drawing(image: np.ndarray, info: DatasetInfo) -> Prepared | None:
    """Grayscale, polarity, crop, scale into the dataset's box, centre by mass, normalise.

    Returns None for an empty drawing.
    """
    gray = match_polarity(to_gray(image))
    content = crop_to_content(gray)
    if content is None:
        return None
    side = info.input_shape[0]
    fitted = fit_into(content / content.max(), side, max(1, round(side * CONTENT_BOX[info.name])))
    view = np.clip(shift_to_centre(fitted), 0.0, 1.0)
    return Prepared(view[None, ..., None].astype("float32"), view)


def read_picture(data: bytes) -> np.ndarray:
    """Decode an uploaded PNG/JPEG into an RGB array, refusing what is not a sane picture."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PictureError("too_big")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_UPLOAD_PIXELS:
                raise PictureError("too_big")
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PictureError("not_an_image") from exc
