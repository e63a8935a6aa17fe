"""Uploads built in the tests: zips of class folders and CSV tables, good and bad.

The pictures are drawn, not random: each class is a different shape (a bar, a ring, a
cross...) at a random place, size and brightness, light on dark or dark on light, so a
small model can learn them and a photo of one can be recognised.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ("bar", "ring", "cross", "square")


def shape_picture(shape: str, rng: np.random.Generator, size: int = 40, colour: bool = False) -> Image.Image:
    """One picture of ``shape``: light on a dark background, at a random place and scale."""
    dark = rng.integers(0, 40, 3) if colour else [rng.integers(0, 40)] * 3
    img = Image.new("RGB", (size, size), tuple(int(v) for v in dark))
    draw = ImageDraw.Draw(img)
    c = size / 2 + rng.uniform(-size / 10, size / 10, 2)
    r = size * rng.uniform(0.25, 0.38)
    ink = tuple(int(v) for v in (rng.integers(180, 256, 3) if colour else [rng.integers(180, 256)] * 3))
    width = max(2, size // 10)
    if shape == "bar":
        draw.rectangle([c[0] - width, c[1] - r, c[0] + width, c[1] + r], fill=ink)
    elif shape == "ring":
        draw.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=ink, width=width)
    elif shape == "cross":
        draw.line([c[0] - r, c[1] - r, c[0] + r, c[1] + r], fill=ink, width=width)
        draw.line([c[0] - r, c[1] + r, c[0] + r, c[1] - r], fill=ink, width=width)
    else:
        draw.rectangle([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=ink, width=width)
    return img


def encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    """The picture as the bytes of a file."""
    out = io.BytesIO()
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def class_zip(
    classes: tuple[str, ...] = SHAPES[:3],
    per_class: int = 12,
    wrapper: str = "shapes/",
    colour: bool = False,
    extra: dict[str, bytes] | None = None,
    seed: int = 0,
) -> bytes:
    """A zip with one folder per class, pictures of mixed sizes and formats, plus ``extra`` members."""
    rng = np.random.default_rng(seed)
    out = io.BytesIO()
    formats = (("png", "PNG"), ("jpg", "JPEG"), ("webp", "WEBP"), ("bmp", "BMP"), ("gif", "GIF"))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, name in enumerate(classes):
            shape = SHAPES[k % len(SHAPES)]
            for i in range(per_class):
                suffix, fmt = formats[i % len(formats)]
                picture = shape_picture(shape, rng, size=int(rng.integers(32, 64)), colour=colour)
                if fmt == "GIF" or (fmt == "PNG" and not colour and i % 2):
                    picture = picture.convert("L")
                zf.writestr(f"{wrapper}{name}/{i:03d}.{suffix}", encode(picture, fmt))
        for member, data in (extra or {}).items():
            zf.writestr(member, data)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip holding exactly ``members``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def survey_csv(rows: int = 120, sep: str = ";", decimal: str = ",", seed: int = 0) -> bytes:
    """A survey table (age, city, income, passed): passing depends on income and city.

    With ``decimal=","`` numbers are written the Brazilian way (``1.234,5``).
    """
    rng = np.random.default_rng(seed)
    lines = [sep.join(["idade", "cidade", "renda", "aprovado"])]
    for _ in range(rows):
        age, city = int(rng.integers(18, 70)), str(rng.choice(["Recife", "Natal", "Salvador"]))
        income = float(rng.uniform(800, 6000))
        passed = "sim" if income + (1500 if city == "Recife" else 0) > 3500 else "não"
        money = f"{income:,.2f}"
        if decimal == ",":
            money = money.replace(",", "_").replace(".", ",").replace("_", ".")
        if sep == ",":
            money = f'"{money}"'
        lines.append(sep.join([str(age), city, money, passed]))
    return ("\n".join(lines) + "\n").encode("utf-8")
