"""Convolution and pooling by hand, as the lesson explains them (one channel, numpy)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype="float32"),
    "edge": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype="float32"),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype="float32"),
    "blur": np.full((3, 3), 1 / 9, dtype="float32"),
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float32"),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype="float32"),
    "x_pattern": np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype="float32"),  # Stanford UFLDL's feature
}
# The convolution lesson's worked example, the one of GIMP's manual ("Convolution Matrix"): a
# 5×5 picture and a kernel whose only 1 is above the centre, so the centre pixel (50) takes
# the value above it: (40×0)+(42×1)+(46×0) + (46×0)+(50×0)+(55×0) + (52×0)+(56×0)+(58×0) = 42,
# and the whole picture moves one pixel down.
LESSON_INPUT = np.array(
    [[35, 40, 41, 45, 50], [40, 40, 42, 46, 52], [42, 46, 50, 55, 55], [48, 52, 56, 58, 60], [56, 60, 65, 70, 75]],
    dtype="float32",
)
LESSON_KERNEL = np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]], dtype="float32")
LESSON_CELL = (1, 1)  # the output cell of the lesson's stated result (the centre pixel)


def output_size(length: int, window: int, stride: int, padding: str) -> int:
    """Output length along one axis: ``floor((n - k) / s) + 1`` (valid) or ``ceil(n / s)`` (same)."""
    if padding == "same":
        return math.ceil(length / stride)
    return max(0, (length - window) // stride + 1)


def pad_for(image: np.ndarray, window: int, stride: int, padding: str) -> tuple[np.ndarray, int, int]:
    """The zero-padded image for ``same`` padding (as Keras pads: extra on the bottom/right)."""
    if padding != "same":
        return image, 0, 0
    pads = []
    for n in image.shape:
        total = max((output_size(n, window, stride, "same") - 1) * stride + window - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(image, pads), pads[0][0], pads[1][0]


def convolve(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: str = "valid") -> np.ndarray:
    """Slide ``kernel`` over ``image``; each output is the sum of the element-wise products.

    (Deep learning's "convolution" does not flip the kernel: it is a cross-correlation.)
    """
    k = kernel.shape[0]
    padded, _, _ = pad_for(image, k, stride, padding)
    rows, cols = (output_size(n, k, stride, padding) for n in image.shape)
    out = np.zeros((rows, cols), dtype="float32")
    for r in range(rows):
        for c in range(cols):
            out[r, c] = float((padded[r * stride : r * stride + k, c * stride : c * stride + k] * kernel).sum())
    return out


@dataclass
class Cell:
    """One output cell of a convolution, with its arithmetic spelled out."""

    patch: np.ndarray
    products: np.ndarray
    total: float
    top: int  # window position in the padded image
    left: int


def cell(image: np.ndarray, kernel: np.ndarray, row: int, col: int, stride: int = 1, padding: str = "valid") -> Cell:
    """The window, the products and their sum behind output cell (``row``, ``col``)."""
    k = kernel.shape[0]
    padded, _, _ = pad_for(image, k, stride, padding)
    top, left = row * stride, col * stride
    patch = padded[top : top + k, left : left + k]
    products = patch * kernel
    return Cell(patch, products, float(products.sum()), top, left)


POOLS = {"max": np.max, "average": np.mean, "median": np.median}


def pool(image: np.ndarray, size: int, stride: int, mode: str = "max", padding: str = "valid") -> np.ndarray:
    """Max, average or median pooling of one channel (``same`` pads with the edge values)."""
    padded = image
    if padding == "same":
        # Keras leaves padded cells out of a pooling window; repeating the edge values does
        # the same for max, average and median.
        extra = [max((output_size(n, size, stride, "same") - 1) * stride + size - n, 0) for n in image.shape]
        padded = np.pad(image, [(e // 2, e - e // 2) for e in extra], mode="edge")
    rows, cols = (output_size(n, size, stride, padding) for n in image.shape)
    reduce = POOLS[mode]
    out = np.zeros((rows, cols), dtype="float32")
    for r in range(rows):
        for c in range(cols):
            out[r, c] = float(reduce(padded[r * stride : r * stride + size, c * stride : c * stride + size]))
    return out
