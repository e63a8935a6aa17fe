"""``python -m bench ingest``: uploads made into datasets, against plain Keras / pandas doing the same work.

- 1,000 pictures (PNG and JPEG, 48-160 pixels, 5 class folders) in a zip: the app's
  ingest (read in memory, Draw page's recipe, stratified split, stored) against plain
  Keras: unzip to disk, ``keras.utils.image_dataset_from_directory`` at the same size,
  the batches gathered into NumPy arrays.
- A 100,000-row CSV written the Brazilian way (``;`` and decimal commas), 8 columns of
  numbers and categories: the app's ingest against ``pandas.read_csv`` with the separator
  and decimal given, scikit-learn's StandardScaler and OneHotEncoder, and a stratified split.

Each pair runs alternately ``--rounds`` times; the medians are compared.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

SIDE = 64


def picture_zip(count: int, classes: int = 5, seed: int = 0) -> bytes:
    """``count`` pictures in ``classes`` folders: coloured shapes of varied sizes, PNG and JPEG."""
    from tests.own_fixtures import SHAPES, shape_picture

    rng = np.random.default_rng(seed)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for i in range(count):
            label = i % classes
            picture = shape_picture(SHAPES[label % len(SHAPES)], rng, size=int(rng.integers(48, 160)), colour=True)
            buffer = io.BytesIO()
            picture.save(buffer, "PNG" if i % 2 else "JPEG")
            zf.writestr(f"pictures/class_{label}/{i:05d}.{'png' if i % 2 else 'jpg'}", buffer.getvalue())
    return out.getvalue()


def survey_rows(rows: int, seed: int = 0) -> bytes:
    """A Brazilian-style CSV: ``;`` between fields, decimal commas, text categories."""
    rng = np.random.default_rng(seed)
    cities = np.array(["Recife", "Natal", "Salvador", "Fortaleza", "Belém"])
    lines = ["idade;cidade;renda;gasto;nota;turno;faltas;aprovado"]
    ages, incomes, spends = rng.integers(15, 70, rows), rng.uniform(800, 9000, rows), rng.uniform(0, 500, rows)
    marks, shifts, absences = (
        rng.uniform(0, 10, rows),
        rng.choice(["manhã", "tarde", "noite"], rows),
        rng.poisson(3, rows),
    )
    city = rng.choice(cities, rows)
    for i in range(rows):
        passed = "sim" if marks[i] - absences[i] * 0.3 > 4 else "não"
        lines.append(
            f"{ages[i]};{city[i]};{incomes[i]:.2f};{spends[i]:.2f};{marks[i]:.1f};{shifts[i]};{absences[i]};{passed}".replace(
                ".", ","
            )
        )
    return ("\n".join(lines) + "\n").encode()


def app_images(data: bytes) -> float:
    """Seconds the app takes to make the zip a dataset (a fresh data folder each time)."""
    from lib.own.image_upload import ImageOptions, ingest_images

    os.environ["KP_DATA_DIR"] = tempfile.mkdtemp(prefix="kp-bench-data-")
    start = time.perf_counter()
    ingest_images(data, "pictures.zip", ImageOptions(SIDE, False, 0.2))
    seconds = time.perf_counter() - start
    shutil.rmtree(os.environ["KP_DATA_DIR"], ignore_errors=True)
    return seconds


def keras_images(data: bytes) -> float:
    """Seconds plain Keras takes: unzip, ``image_dataset_from_directory``, arrays, split."""
    import keras

    folder = Path(tempfile.mkdtemp(prefix="kp-bench-unzip-"))
    start = time.perf_counter()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    dataset = keras.utils.image_dataset_from_directory(
        folder / "pictures", image_size=(SIDE, SIDE), batch_size=256, shuffle=False, crop_to_aspect_ratio=True,
        verbose=False,
    )  # fmt: skip
    xs, ys = zip(*((np.asarray(x), np.asarray(y)) for x, y in dataset))
    x, y = np.concatenate(xs).astype("uint8"), np.concatenate(ys)
    _split(x, y)
    seconds = time.perf_counter() - start
    shutil.rmtree(folder, ignore_errors=True)
    return seconds


def app_table(data: bytes) -> float:
    """Seconds the app takes to make the CSV a dataset."""
    from lib.own.table_upload import TableOptions, ingest_table

    os.environ["KP_DATA_DIR"] = tempfile.mkdtemp(prefix="kp-bench-data-")
    start = time.perf_counter()
    ingest_table(data, "survey.csv", TableOptions("aprovado", "classification", 0.2))
    seconds = time.perf_counter() - start
    shutil.rmtree(os.environ["KP_DATA_DIR"], ignore_errors=True)
    return seconds


def pandas_table(data: bytes) -> float:
    """Seconds pandas and scikit-learn take for the same table, told its separator and decimal mark."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    start = time.perf_counter()
    frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",")
    y = frame.pop("aprovado").astype("category").cat.codes.to_numpy()
    numbers = [c for c in frame if frame[c].dtype.kind in "if"]
    texts = [c for c in frame if c not in numbers]
    train, test = _split(np.arange(len(y)), y)
    encode = ColumnTransformer([("n", StandardScaler(), numbers), ("c", OneHotEncoder(handle_unknown="ignore"), texts)])
    encode.fit(frame.iloc[train])
    encode.transform(frame.iloc[train]), encode.transform(frame.iloc[test])
    return time.perf_counter() - start


def _split(x: np.ndarray, y: np.ndarray):
    from sklearn.model_selection import train_test_split

    return train_test_split(x, test_size=0.2, stratify=y, random_state=0)[:2]


def _pair(app, plain, data: bytes, rounds: int) -> tuple[float, float]:
    app_times, plain_times = [], []
    for _ in range(rounds):
        app_times.append(app(data))
        plain_times.append(plain(data))
    return statistics.median(app_times), statistics.median(plain_times)


def main(argv: list[str]) -> dict:
    """Print the table; return the figures for the RESULT line."""
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    pictures, table = picture_zip(args.images), survey_rows(args.rows)
    print(
        f"{args.images} pictures ({len(pictures) / 2**20:.1f} MB zip), {args.rows} rows ({len(table) / 2**20:.1f} MB)"
    )
    keras_images(picture_zip(50))  # import Keras and TensorFlow before timing anything
    images = _pair(app_images, keras_images, pictures, args.rounds)
    rows = _pair(app_table, pandas_table, table, args.rounds)
    print(f"{'':34}{'app s':>8}{'plain s':>9}{'ratio':>7}")
    for label, (app_s, plain_s) in (
        (f"{args.images} pictures → {SIDE}×{SIDE} colour", images),
        (f"{args.rows} CSV rows → 11 inputs", rows),
    ):
        print(f"{label:34}{app_s:8.2f}{plain_s:9.2f}{app_s / plain_s:7.2f}")
    print("plain: Keras image_dataset_from_directory (unzipped), pandas + scikit-learn encoders")
    print("over 1 s, an ingest runs in the background with a progress bar (lib/own/ingest_jobs.py)")
    return {
        "images": {"count": args.images, "app_s": round(images[0], 3), "keras_s": round(images[1], 3),
                   "ratio": round(images[0] / images[1], 2)},
        "csv": {"rows": args.rows, "app_s": round(rows[0], 3), "pandas_s": round(rows[1], 3),
                "ratio": round(rows[0] / rows[1], 2)},
    }  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    print(main([]))
