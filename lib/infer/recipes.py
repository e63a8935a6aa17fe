"""Per-dataset preprocessing recipes: each one redoes how its dataset's images were made.

A recipe takes an *ink map* (float32 in [0, 1], the object bright on a dark background,
everything that is not the object already 0; see :func:`lib.infer.drawing.find_object`) or, for
colour datasets, the RGB picture itself, and returns the model's input at its real
resolution together with the steps it took (shown on the Draw page). Which recipe a
dataset uses is declared once, in the dataset registry (``DatasetInfo.draw_recipe``).

Sources of the recipes:

- MNIST (LeCun, Cortes & Burges, the MNIST page): "the images were size normalized to fit
  in a 20x20 pixel box while preserving their aspect ratio ... centered in a 28x28 image
  by computing the center of mass of the pixels, and translating the image so as to
  position this point at the center of the 28x28 field". The normalisation was
  anti-aliased, hence area averaging here.
- Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747, section 2, the paper the
  zalandoresearch/fashion-mnist README asks to cite; the same seven steps are repeated in
  the dataset's Hugging Face card): convert to PNG, trim edges close to the corner
  colour (within 5% of the maximum intensity), resize the longest edge to 28, sharpen,
  extend the shortest edge to 28 putting the image in the centre (by its bounding box, not
  its centre of mass), negate the intensities, convert to 8-bit gray. Here the trimming is
  the background removal of :func:`lib.infer.drawing.find_object` (more robust on photos than a
  5% corner-colour tolerance), the resize averages areas instead of skipping rows (a
  drawn stroke would otherwise vanish between sampled rows) and the sharpening, meant for
  blurry product photos, is left out.
- scikit-learn's digits (UCI "Optical Recognition of Handwritten Digits", Alpaydin &
  Kaynak 1998): "32x32 bitmaps are divided into nonoverlapping blocks of 4x4 and the number
  of on pixels are counted in each block ... an input matrix of 8x8 where each element is
  an integer in the range 0..16"; the bitmaps were made by NIST's preprocessing programs
  (NISTIR 5469): every character zoomed to 20×32 pixels in a 32×32 bitmap, its strokes
  thickened or thinned to a standard weight, its slant straightened (see :func:`uci_digits`).
  Ink coverage averaged over each 4×4 block stands for the count of "on" pixels.
- Other image datasets (CIFAR, the user's own): resize the shorter side to the input size,
  crop the centre, keep the colour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image


@dataclass
class Step:
    """One thing a recipe did, named by a ``draw.step.<code>`` catalog key with its values."""

    code: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class Recipe:
    """A preprocessing recipe: ``apply(image, input_shape) -> (model input view, steps)``.

    ``gray`` recipes receive the ink map of the object; the others the RGB picture.
    ``levels`` is the number of steps between 0 and 1 the dataset's values take (16 for
    the digits' counts, 255 for 8-bit images).
    """

    name: str
    gray: bool
    apply: Callable[[np.ndarray, tuple[int, ...]], tuple[np.ndarray, list[Step]]]
    levels: int = 255


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a float image by area averaging (an exact inverse of whole-factor upscaling)."""
    if image.shape[:2] == (height, width):
        return image.astype("float32")
    if image.ndim == 3:
        return np.stack([resize(image[..., c], height, width) for c in range(image.shape[2])], axis=-1)
    resized = Image.fromarray(image.astype("float32"), mode="F").resize((width, height), Image.Resampling.BOX)
    return np.asarray(resized, dtype="float32")


def bounding_box(ink: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """The smallest rectangle of ``ink`` holding every non-zero pixel of ``mask`` (default: of ``ink``)."""
    mask = ink if mask is None else mask
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fit_longest_edge(content: np.ndarray, box: int) -> np.ndarray:
    """Resize so the longer side is ``box`` pixels, keeping the aspect ratio."""
    h, w = content.shape
    scale = box / max(h, w)
    return resize(content, max(1, round(h * scale)), max(1, round(w * scale)))


def paste_centred(content: np.ndarray, side: int, odd_margin_first: bool = False) -> np.ndarray:
    """Put ``content`` in the middle of a ``side``×``side`` black image (bounding-box centring).

    When the margin is odd, the extra pixel goes after the content, or before it with
    ``odd_margin_first`` (how Fashion-MNIST's converter centred).
    """
    out = np.zeros((side, side), dtype="float32")
    h, w = content.shape
    extra = 1 if odd_margin_first else 0
    top, left = (side - h + extra) // 2, (side - w + extra) // 2
    out[top : top + h, left : left + w] = content
    return out


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre."""
    total = image.sum()
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def shift_to_centre_of_mass(image: np.ndarray) -> np.ndarray:
    """Translate by whole pixels so the centre of mass lands on the image centre."""
    r, c = centre_of_mass(image)
    dr, dc = round((image.shape[0] - 1) / 2 - r), round((image.shape[1] - 1) / 2 - c)
    out = np.zeros_like(image)
    src = image[max(0, -dr) : image.shape[0] - max(0, dr), max(0, -dc) : image.shape[1] - max(0, dc)]
    out[max(0, dr) : max(0, dr) + src.shape[0], max(0, dc) : max(0, dc) + src.shape[1]] = src
    return out


def mnist(ink: np.ndarray, input_shape: tuple[int, ...]) -> tuple[np.ndarray, list[Step]]:
    """MNIST: fit into a 20×20 box (aspect kept), then centre by mass in 28×28."""
    side = input_shape[0]
    box = round(side * 20 / 28)
    fitted = fit_longest_edge(bounding_box(ink), box)
    view = shift_to_centre_of_mass(paste_centred(fitted, side))
    return view, [Step("trimmed"), Step("fitted", {"box": box}), Step("centred_mass", {"side": side})]


def fashion_mnist(ink: np.ndarray, input_shape: tuple[int, ...]) -> tuple[np.ndarray, list[Step]]:
    """Fashion-MNIST: trim, longest edge to 28, shorter edge centred by bounding box."""
    side = input_shape[0]
    # Measured on 3,000 test images: with an odd margin the original has the extra pixel
    # before the item (2,990 of 3,000 placements match that rule; 1 pixel off otherwise).
    view = paste_centred(fit_longest_edge(bounding_box(ink), side), side, odd_margin_first=True)
    return view, [Step("trimmed"), Step("longest_edge", {"side": side}), Step("centred_box", {"side": side})]


UCI_BITMAP = 32  # NIST's normalised bitmap side
UCI_BLOCK = 4  # each model pixel counts the "on" pixels of a 4×4 block: 0..16
UCI_FULL_SHARE = 95  # percentile of the ink that counts as a fully "on" pixel
NIST_WIDTH = 20  # NIST zooms every character to 20 wide × 32 tall, centred in 32×32 (RED_W, RED_H)
NIST_MAX_STRETCH = 1.6  # ... but never widens a character more than this many times its height's scale
NIST_FINE = 8  # the bitmap is worked on at 8× its resolution, so a thin stroke survives until the counts
CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def _full_strength(ink: np.ndarray) -> np.ndarray:
    """Scale the ink so its strong strokes are fully on, as in NIST's binary bitmaps.

    A photographed stroke is rarely full black (printing, pencil, lighting): its ink peaks
    near 0.8, and each block would count too few "on" pixels. A drawing or a sharp scan
    already peaks at 1 and is left as it is.
    """
    strong = np.percentile(ink[ink > 0], UCI_FULL_SHARE) if (ink > 0).any() else 1.0
    return np.clip(ink / max(float(strong), 1e-6), 0.0, 1.0) if strong < 1.0 else ink


def stroke_steps(on_pixels: int) -> int:
    """NIST's stroke-width rule: pixels to add around every stroke (negative: to remove).

    For a 32×32 bitmap holding ``on_pixels`` ink pixels: fewer than 108, two; fewer than 256,
    one; over 412, minus one; over 560, minus two (``norm_2nd_gen``'s thresholds).
    """
    if on_pixels > 412:
        return -2 if on_pixels > 560 else -1
    if on_pixels < 256:
        return 2 if on_pixels < 108 else 1
    return 0


def _morph(fine: np.ndarray, steps: int) -> np.ndarray:
    """Thicken (``steps`` > 0) or thin every stroke by ``|steps|`` bitmap pixels (4-neighbour cross)."""
    from scipy import ndimage

    for _ in range(abs(steps) * NIST_FINE):
        if steps > 0:
            fine = ndimage.grey_dilation(fine, footprint=CROSS)
        else:
            fine = ndimage.grey_erosion(fine, footprint=CROSS, mode="constant", cval=0.0)
    return fine


def slant_factor(bitmap: np.ndarray) -> float:
    """NIST's slant estimate: bitmap columns to shift per row to stand the character upright.

    The leftmost ink of the rows two below the top and two above the bottom then line up
    (0 for a character of 5 rows or fewer).
    """
    rows = np.nonzero(bitmap.any(axis=1))[0]
    if len(rows) == 0 or rows[-1] - rows[0] + 1 <= 5:
        return 0.0
    top, bottom = rows[0] + 2, rows[-1] - 2
    top_ink, bottom_ink = np.nonzero(bitmap[top])[0], np.nonzero(bitmap[bottom])[0]
    if len(top_ink) == 0 or len(bottom_ink) == 0:
        return 0.0
    return float(top_ink[0] - bottom_ink[0]) / (bottom - top)


def _unslant(fine: np.ndarray, factor: float) -> np.ndarray:
    """Shear rows horizontally about the middle row by ``factor`` bitmap columns per row."""
    if factor == 0:
        return fine
    height, width = fine.shape
    middle = height // (2 * NIST_FINE)
    rows = np.arange(height)
    shifts = np.round(((rows + 0.5) / NIST_FINE - 0.5 - middle) * factor * NIST_FINE).astype(int)
    source = np.arange(width)[None, :] - shifts[:, None]  # out[r, c] = fine[r, c - shift[r]]
    inside = (source >= 0) & (source < width)
    return np.where(inside, fine[rows[:, None], np.clip(source, 0, width - 1)], 0.0).astype(fine.dtype)


def uci_digits(ink: np.ndarray, input_shape: tuple[int, ...]) -> tuple[np.ndarray, list[Step]]:
    """UCI digits: NIST's normalisation into a 32×32 bitmap, then each 4×4 block counted (0..16).

    NIST's second-generation normalisation (``norm_2nd_gen`` in NIST's form-based handprint
    recognition system, NISTIR 5469, whose preprocessing programs made these bitmaps; its
    ``shear_char`` straightens them): the character's box is zoomed to 20 wide × 32 tall and
    centred, strokes are thickened or thinned by a pixel or two until the bitmap holds
    256-412 ink pixels, and rows are sheared so the character stands upright. Measured on
    all 1,797 images: every digit spans all 8 rows and 1,301 span exactly blocks 1-6 (20
    bitmap columns); the others reach further by the shear. Worked on in grey at 8× the
    bitmap's resolution (ink coverage), so a thin stroke survives until the counts.

    One change: a character is widened at most 1.6 times more than it is heightened. NIST
    stretched a single upright stroke into a solid 20×32 block; no training "1" looks like
    that (three of four lesson models then answered 8 for a plain stick).
    """
    side = input_shape[0]
    strong = _full_strength(ink)
    box = bounding_box(strong, strong >= 0.5 * float(strong.max()))  # the faint rim does not widen it
    height, width = UCI_BITMAP * NIST_FINE, NIST_WIDTH * NIST_FINE
    width = min(width, max(1, round(box.shape[1] * height / box.shape[0] * NIST_MAX_STRETCH)))
    fine = np.zeros((height, height), dtype="float32")
    left = (height - width) // 2
    fine[:, left : left + width] = np.clip(resize(box, height, width), 0.0, 1.0)
    on_pixels = round(float(fine.sum()) / NIST_FINE**2)
    steps = stroke_steps(on_pixels)
    fine = _morph(fine, steps)
    bitmap = fine.reshape(UCI_BITMAP, NIST_FINE, UCI_BITMAP, NIST_FINE).mean(axis=(1, 3)) >= 0.5
    factor = slant_factor(bitmap)
    fine = _unslant(fine, factor)
    block = UCI_BLOCK * NIST_FINE
    counts = fine.reshape(side, block, side, block).mean(axis=(1, 3)) * UCI_BLOCK**2
    view = np.round(counts) / UCI_BLOCK**2  # whole counts 0..16, scaled as in training
    stroke = "kept" if steps == 0 else "thicker" if steps > 0 else "thinner"
    return view.astype("float32"), [
        Step("trimmed"),
        Step("nist_box", {"width": NIST_WIDTH, "height": UCI_BITMAP}),
        Step(f"stroke_{stroke}", {"pixels": on_pixels, "steps": abs(steps)}),
        Step("unslanted" if factor else "upright", {"degrees": round(float(np.degrees(np.arctan(factor))))}),
        Step("blocks", {"block": UCI_BLOCK, "side": side, "max": UCI_BLOCK**2}),
    ]


def photo(rgb: np.ndarray, input_shape: tuple[int, ...]) -> tuple[np.ndarray, list[Step]]:
    """Colour photos: shorter side to the input size, centre crop, colour kept."""
    side = input_shape[0]
    h, w = rgb.shape[:2]
    scale = side / min(h, w)
    resized = resize(rgb, max(side, round(h * scale)), max(side, round(w * scale)))
    top, left = (resized.shape[0] - side) // 2, (resized.shape[1] - side) // 2
    view = resized[top : top + side, left : left + side]
    if input_shape[-1] == 1:
        view = view.mean(axis=-1)
    return view, [Step("shorter_edge", {"side": side}), Step("cropped", {"side": side})]


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe("mnist", True, mnist),
        Recipe("fashion_mnist", True, fashion_mnist),
        Recipe("uci_digits", True, uci_digits, levels=UCI_BLOCK**2),
        Recipe("photo", False, photo),
    )
}
