"""A .zip of class folders becomes an image dataset, the way Keras's ``image_dataset_from_directory`` reads one.

Keras's conventions: one folder per class (files in sub-folders of a class folder belong to
it), class names sorted alphanumerically and numbered from 0 in that order, the same image
formats (plus WebP). One wrapping folder (``leaves/oak/…``, what zipping a folder gives) is
looked through. Unlike Keras nothing is extracted: members are read from the archive in
memory, so a crafted path can never be written anywhere.

Each picture is decoded as the Draw page decodes an upload (first frame, any colour mode,
transparency flattened) and made into one of the dataset's images by the same recipe the
Draw page then applies to a student's photo (``photo``: shorter side to the target size,
centre crop, grey or colour), so a picture taken later is prepared exactly as the training
images were.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from lib.data import own_store
from lib.infer.drawing import PictureError, read_picture
from lib.infer.recipes import photo
from lib.own.upload_checks import Progress, Report, UploadError, no_progress, stored_before, stratified_split

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")  # Keras's formats, plus WebP
MAX_FILES = 20_000
MAX_UNCOMPRESSED_MB = 1000
MAX_RATIO = 200  # a member that unpacks to more than 200× its packed size (and > 1 MB) is a bomb
MAX_DATASET_MB = 600  # the arrays kept in memory while training
SIDES = (8, 16, 28, 32, 48, 64, 96, 128)
GRAY_SIDE, COLOUR_SIDE = 28, 64
IGNORED = ("__MACOSX",)


@dataclass
class ZipScan:
    """What a zip holds, read from its directory only (no picture decoded yet)."""

    files: dict[str, list[str]]  # class name -> member names, classes sorted as Keras sorts them
    not_images: list[str] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)  # pictures outside any class folder
    gray: bool = True
    side: int = GRAY_SIDE

    @property
    def classes(self) -> list[str]:
        """Class names in label order."""
        return list(self.files)

    @property
    def count(self) -> int:
        """Number of pictures in class folders."""
        return sum(len(v) for v in self.files.values())


@dataclass(frozen=True)
class ImageOptions:
    """How the pictures become a dataset (part of its name: other options, another dataset)."""

    side: int = GRAY_SIDE
    gray: bool = True
    test_fraction: float = 0.2

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready options."""
        return {"side": self.side, "gray": self.gray, "test_fraction": self.test_fraction}


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UploadError("not_zip") from exc


def _safe_parts(name: str) -> tuple[str, ...]:
    """The path parts of a member; refuses a path that would leave the folder it is unpacked in."""
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        raise UploadError("zip_unsafe_path", file=name[:120])
    parts = PurePosixPath(name).parts
    if ".." in parts:
        raise UploadError("zip_unsafe_path", file=name[:120])
    return parts


def _check_sizes(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_FILES:
        raise UploadError("zip_too_many", count=len(members), limit=MAX_FILES)
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_MB * 2**20:
        raise UploadError("zip_bomb", limit=MAX_UNCOMPRESSED_MB)
    for m in members:
        if m.file_size > 2**20 and m.file_size > MAX_RATIO * max(1, m.compress_size):
            raise UploadError("zip_bomb", limit=MAX_UNCOMPRESSED_MB)


def _picture_paths(zf: zipfile.ZipFile) -> list[tuple[str, tuple[str, ...]]]:
    """``(member, parts)`` of every file that is not hidden or macOS metadata."""
    members = [m for m in zf.infolist() if not m.is_dir()]
    _check_sizes(members)
    out = []
    for m in members:
        parts = _safe_parts(m.filename)
        if parts and not any(p.startswith(".") or p in IGNORED for p in parts):
            out.append((m.filename, parts))
    return out


def _strip_wrapper(paths: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, tuple[str, ...]]]:
    """Look through folders that wrap every picture (``leaves/oak/1.jpg`` → ``oak/1.jpg``).

    Other files in a wrapper (a README beside the class folders) are then loose files.
    """
    while True:
        pictures = [p for _, p in paths if p[-1].lower().endswith(IMAGE_SUFFIXES)]
        if not pictures or any(len(p) < 3 for p in pictures) or len({p[0] for p in pictures}) != 1:
            return paths
        wrapper = pictures[0][0]
        paths = [(m, p[1:] if p[0] == wrapper and len(p) > 1 else p) for m, p in paths]


def scan_zip(data: bytes) -> ZipScan:
    """Check a zip's layout and guess its defaults (grey or colour, image size).

    Raises:
        UploadError: ``not_zip``, ``zip_unsafe_path``, ``zip_too_many``, ``zip_bomb``,
            ``zip_no_classes``, ``zip_one_class`` or ``zip_small_class``.

    """
    with _open_zip(data) as zf:
        paths = _strip_wrapper(_picture_paths(zf))
        files: dict[str, list[str]] = {}
        scan = ZipScan(files)
        for member, parts in paths:
            if not parts[-1].lower().endswith(IMAGE_SUFFIXES):
                scan.not_images.append(member)
            elif len(parts) == 1:
                scan.loose.append(member)
            else:
                files.setdefault(parts[0], []).append(member)
        scan.files = {c: sorted(files[c]) for c in sorted(files)}
        _check_classes(scan.files)
        scan.gray, scan.side = _guess_look(zf, scan.files)
    return scan


def _check_classes(files: dict[str, list[str]]) -> None:
    if not files:
        raise UploadError("zip_no_classes")
    if len(files) == 1:
        raise UploadError("zip_one_class", name=next(iter(files)))
    for name, members in files.items():
        if len(members) < 2:
            raise UploadError("zip_small_class", name=name, count=len(members))


def _guess_look(zf: zipfile.ZipFile, files: dict[str, list[str]]) -> tuple[bool, int]:
    """Grey when the first pictures of each class have no colour; the side: 28 grey, 64 colour, or smaller."""
    gray, sides = True, []
    for members in files.values():
        for member in members[:3]:
            try:
                rgb = _decode(zf, member)
            except UploadError:
                continue
            sides.append(min(rgb.shape[:2]))
            gray = gray and float(np.ptp(rgb, axis=-1).max()) < 8 / 255
    typical = int(np.median(sides)) if sides else GRAY_SIDE
    wanted = GRAY_SIDE if gray else COLOUR_SIDE
    return gray, max(s for s in SIDES if s <= max(SIDES[0], min(wanted, typical)))


def _decode(zf: zipfile.ZipFile, member: str) -> np.ndarray:
    """One member as float RGB in [0, 1] (the Draw page's decoding, any picture size).

    Raises:
        UploadError: ``too_big`` (pixels) or ``corrupt`` (anything unreadable).

    """
    info = zf.getinfo(member)
    try:
        with zf.open(info) as handle:
            raw = handle.read(info.file_size + 1)  # never trust the header more than its own size
        return read_picture(raw, min_side=1, max_bytes=MAX_UNCOMPRESSED_MB * 2**20)
    except PictureError as err:
        raise UploadError("too_big" if err.code == "too_big" else "corrupt") from err
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # a damaged member (bad CRC, truncated)
        raise UploadError("corrupt") from exc


def to_dataset_image(rgb: np.ndarray, options: ImageOptions) -> np.ndarray:
    """One picture as the dataset keeps it (uint8; the Draw page's ``photo`` recipe, then 8 bits)."""
    view, _ = photo(rgb, (options.side, options.side, 1 if options.gray else 3))
    return np.round(np.clip(view, 0.0, 1.0) * 255).astype("uint8")


def ingest_images(
    data: bytes, filename: str, options: ImageOptions, uploader: str = "", progress: Progress = no_progress
) -> Report:
    """Make and store the dataset a zip of class folders holds; the report says what was skipped.

    Raises:
        UploadError: the zip's layout is refused (see :func:`scan_zip`), a class keeps fewer
            than two readable pictures, or the images would not fit in memory.

    """
    name = own_store.dataset_name(data, {"kind": "images", **options.to_dict()})
    if (before := stored_before(name)) is not None:
        return before
    report = Report(name)
    scan = scan_zip(data)
    _check_memory(scan.count, options)
    images, labels, skipped = _read_all(data, scan, options, progress)
    _check_classes({c: [m for m in scan.files[c] if m not in skipped] for c in scan.files})
    x, y = np.stack(images), np.asarray(labels, dtype="uint8" if len(scan.files) <= 256 else "int32")
    train, test = stratified_split(y, options.test_fraction)
    _notes(report, scan, skipped)
    info = _info(filename, uploader, options, scan, len(train), len(test), report)
    report.created = own_store.save(name, info, {"x_train": x[train], "y_train": y[train], "x_test": x[test],
                                                 "y_test": y[test]})  # fmt: skip
    progress(1.0)
    return report


def _check_memory(count: int, options: ImageOptions) -> None:
    size_mb = count * options.side**2 * (1 if options.gray else 3) / 2**20
    if size_mb > MAX_DATASET_MB:
        raise UploadError("images_too_large", count=count, side=options.side, limit=MAX_DATASET_MB)


def _read_all(
    data: bytes, scan: ZipScan, options: ImageOptions, progress: Progress
) -> tuple[list[np.ndarray], list[int], dict[str, str]]:
    images, labels, skipped = [], [], {}
    with _open_zip(data) as zf:
        done = 0
        for label, members in enumerate(scan.files.values()):
            for member in members:
                try:
                    images.append(to_dataset_image(_decode(zf, member), options))
                    labels.append(label)
                except UploadError as err:
                    skipped[member] = err.code
                done += 1
                if done % 25 == 0:
                    progress(0.95 * done / scan.count)
    return images, labels, skipped


def _notes(report: Report, scan: ZipScan, skipped: dict[str, str]) -> None:
    for code, members in (
        ("not_images", scan.not_images),
        ("loose", scan.loose),
        ("corrupt", [m for m, c in skipped.items() if c == "corrupt"]),
        ("too_big", [m for m, c in skipped.items() if c == "too_big"]),
    ):
        if members:
            report.add(code, count=len(members), files=", ".join(PurePosixPath(m).name for m in members[:3]))


def _info(
    filename: str, uploader: str, options: ImageOptions, scan: ZipScan, n_train: int, n_test: int, report: Report
) -> dict[str, Any]:
    return {
        "kind": "image",
        "task": "classification",
        "input_shape": [options.side, options.side, 1 if options.gray else 3],
        "num_classes": len(scan.files),
        "train_size": n_train,
        "test_size": n_test,
        "source": filename,
        "license": "",
        "pixel_max": 255.0,
        "draw_recipe": "photo",
        "title": PurePosixPath(filename).stem or filename,
        "class_names": scan.classes,
        "feature_names": [],
        "standardized": False,
        "upload": {"file": filename, "uploader": uploader, "options": options.to_dict(), "notes": report.notes},
    }
