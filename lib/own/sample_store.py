"""Datasets made in the app: classes named in the app, samples drawn, photographed or uploaded one by one.

A *collection* is a dataset being made: ``<data>/collections/<id>/collection.json`` (its title,
look, classes, owner, whether it is the class's and whether it is closed) and one PNG per
sample under ``samples/<class id>/``, named ``<time>-<random>-<author in hex>.png``. Each
sample is made by the Draw page's own reading path (:func:`lib.infer.drawing.read_and_prepare`
with the collection's recipe), so a drawing made later on the Draw page for a model trained
on it is prepared exactly as its samples were; a picture in which nothing stands out (a
blank canvas, a photo of a wall) is refused.

Every change holds the collection's lock (``fcntl.flock`` on ``.lock``): adds from many
sessions and processes at once all land, and the limits hold exactly. Files are written under
a temporary name and renamed.

Training never reads a collection: :func:`build_dataset` freezes its samples into an ordinary
uploaded dataset (:mod:`lib.data.own_store`, named by a hash of the samples), so everything
downstream (lesson networks, runs, evaluation, the Draw page, exports) treats it like an
uploaded zip, and a class deleted or a sample added while a run trains changes nothing of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lib.data import own_store

MIN_CLASSES, MAX_CLASSES = 2, 10
MIN_PER_CLASS = 5  # before a dataset can be made of it
MAX_PER_CLASS = 300
MAX_SAMPLES = MAX_PER_CLASS * MAX_CLASSES
MAX_PICTURE_MB = 5  # one picture as uploaded or photographed (lib.infer.drawing.MAX_UPLOAD_BYTES)
MAX_PICTURES_AT_ONCE = 100  # one upload of many pictures: the rest are refused and counted
MAX_NAME = 30  # a class name's characters
MAX_TITLE = 60
TEST_FRACTION = 0.2
BLANK_STD = 8 / 255  # a sample whose pixels spread less than this is blank (camera noise on a wall: about 2/255)
ROOT_NAME = "collections"
ID = re.compile(r"^[0-9a-f]{12}$")
CLASS_ID = re.compile(r"^c[0-9a-f]{8}$")
SAMPLE = re.compile(r"^(\d+)-([0-9a-f]{8})-([0-9a-f]*)\.png$")


@dataclass(frozen=True)
class Look:
    """How samples are kept: the Draw page recipe that makes them, and one sample's shape."""

    recipe: str
    shape: tuple[int, int, int]


# Drawings: trimmed, longest edge to 28, centred (Fashion-MNIST's recipe: any doodle, any size).
# Photos: shorter side to 32, centre crop, colour kept (the Draw page's photo recipe).
LOOKS: dict[str, Look] = {"drawings": Look("fashion_mnist", (28, 28, 1)), "photos": Look("photo", (32, 32, 3))}
MAX_COLLECTION_MB = MAX_SAMPLES * 32 * 32 * 3 / 2**20  # (PNGs of the largest look, never compressed)
MAX_PER_OWNER = 20  # collections one person may keep


class SampleError(ValueError):
    """A refused change; ``code`` keys ``make.err.<code>`` and ``values`` fill it in. Nothing was written."""

    def __init__(self, code: str, **values: Any):
        super().__init__(f"{code}: {values}")
        self.code, self.values = code, values


@dataclass
class Collection:
    """A dataset being made (``collection.json``)."""

    id: str
    title: str
    look: str
    owner: str
    classes: dict[str, str]  # class id -> name, in label order
    for_class: bool = False  # the class's collection: every student adds, the teacher manages
    closed: bool = False  # no more samples (the teacher closed it for training)
    created: float = 0.0
    datasets: list[str] = field(default_factory=list)  # datasets made of it, newest last
    compared: dict[str, str] = field(default_factory=dict)  # the last split comparison's runs (split -> run id)

    @property
    def shape(self) -> tuple[int, int, int]:
        """One sample's shape."""
        return LOOKS[self.look].shape

    def class_of(self, name: str) -> str | None:
        """The id of the class called ``name``."""
        return next((cid for cid, n in self.classes.items() if n == name), None)


@dataclass(frozen=True)
class Sample:
    """One stored sample."""

    class_id: str
    id: str  # the file's name
    author: str
    added: float


def root() -> Path:
    """Where collections live (beside the uploaded datasets)."""
    return own_store.data_dir() / ROOT_NAME


def _folder(collection_id: str) -> Path:
    if not isinstance(collection_id, str) or not ID.match(collection_id):
        raise SampleError("no_collection")
    return root() / collection_id


@contextlib.contextmanager
def _locked(collection_id: str) -> Iterator[Path]:
    folder = _folder(collection_id)
    if not (folder / "collection.json").exists():
        raise SampleError("no_collection")
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, data: bytes) -> None:
    from lib.train.runstore import atomic_write

    atomic_write(path, data)


def _save(folder: Path, collection: Collection) -> None:
    _write(folder / "collection.json", json.dumps(asdict(collection), ensure_ascii=False, indent=1).encode())


def clean_class_names(names: list[str]) -> list[str]:
    """The class names as kept (spaces collapsed, blanks dropped); refused when too few, too many or repeated."""
    cleaned = [" ".join(str(n).split())[:MAX_NAME] for n in names]
    cleaned = [n for n in cleaned if n]
    if len(cleaned) < MIN_CLASSES:
        raise SampleError("few_classes", min=MIN_CLASSES)
    if len(cleaned) > MAX_CLASSES:
        raise SampleError("many_classes", max=MAX_CLASSES)
    seen = {n.casefold() for n in cleaned}
    if len(seen) != len(cleaned):
        raise SampleError("same_names")
    return cleaned


def create(title: str, class_names: list[str], look: str, owner: str, for_class: bool = False) -> Collection:
    """Start a collection with its classes (2 to 10, named)."""
    names = clean_class_names(class_names)
    if look not in LOOKS:
        raise SampleError("bad_look")
    if sum(c.owner == owner for c in listed()) >= MAX_PER_OWNER:
        raise SampleError("too_many_collections", most=MAX_PER_OWNER)
    title = " ".join(str(title).split())[:MAX_TITLE] or ", ".join(names)[:MAX_TITLE]
    classes = {f"c{uuid.uuid4().hex[:8]}": n for n in names}
    collection = Collection(uuid.uuid4().hex[:12], title, look, owner, classes, for_class, False, time.time())
    folder = _folder(collection.id)
    folder.mkdir(parents=True)
    _save(folder, collection)
    return collection


def load(collection_id: str) -> Collection | None:
    """The collection, or None when it does not exist (or was deleted)."""
    try:
        data = json.loads((_folder(collection_id) / "collection.json").read_text(encoding="utf-8"))
        return Collection(**data)
    except (OSError, ValueError, TypeError, SampleError):
        return None


def listed(owner: str | None = None) -> list[Collection]:
    """Every collection (or ``owner``'s, plus the class's), oldest first."""
    try:
        ids = [p.name for p in root().iterdir() if ID.match(p.name)]
    except OSError:
        return []
    found = [c for c in map(load, ids) if c is not None]
    if owner is not None:
        found = [c for c in found if c.owner == owner or c.for_class]
    return sorted(found, key=lambda c: c.created)


def class_collection() -> Collection | None:
    """The class's open collection (the newest, if a teacher opened several)."""
    return next((c for c in reversed(listed()) if c.for_class and not c.closed), None)


def prepare(data: bytes, look: str) -> np.ndarray:
    """A picture file (a canvas PNG, a photo, an upload) as a sample: uint8 of the look's shape.

    Raises:
        SampleError: ``blank`` (nothing stands out), ``too_big``, ``too_small`` or ``unreadable``.

    """
    from lib.data.datasets import DatasetInfo
    from lib.infer.drawing import PictureError, read_and_prepare

    spec = LOOKS[look]
    info = DatasetInfo("made", "image", "classification", spec.shape, 2, 0, 0, "", "", draw_recipe=spec.recipe)
    if len(data) > MAX_PICTURE_MB * 2**20:
        raise SampleError("too_big", mb=MAX_PICTURE_MB)
    try:
        _, prepared = read_and_prepare(data, info)
    except PictureError as err:
        raise SampleError(
            err.code if err.code in ("too_big", "too_small") else "unreadable", mb=MAX_PICTURE_MB
        ) from err
    except Exception as exc:  # a decoder's own failure (a damaged file) is a message too
        raise SampleError("unreadable", mb=MAX_PICTURE_MB) from exc
    if prepared is None or _is_blank(prepared.view):
        raise SampleError("blank")
    return np.round(np.clip(prepared.view, 0, 1) * 255).astype("uint8").reshape(spec.shape)


def _is_blank(view: np.ndarray) -> bool:
    """Nothing to learn from: about one flat colour (a blank canvas, a covered lens, a white wall)."""
    return float(np.std(view)) < BLANK_STD


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(out, format="PNG")
    return out.getvalue()


def read_sample(collection_id: str, sample: Sample) -> np.ndarray:
    """A stored sample as uint8 (height, width, channels)."""
    from PIL import Image

    path = _folder(collection_id) / "samples" / sample.class_id / sample.id
    with Image.open(path) as img:
        pixels = np.asarray(img)
    return pixels[..., None] if pixels.ndim == 2 else pixels


def _author_hex(author: str) -> str:
    return author.encode("utf-8").hex()


def _parse(class_id: str, name: str) -> Sample | None:
    match = SAMPLE.match(name)
    if match is None:
        return None
    try:
        author = bytes.fromhex(match.group(3)).decode("utf-8")
    except ValueError:
        return None
    return Sample(class_id, name, author, int(match.group(1)) / 1e9)


def samples(collection_id: str) -> dict[str, list[Sample]]:
    """Every class's samples (by class id, in the collection's class order), oldest first."""
    collection = load(collection_id)
    if collection is None:
        return {}
    out: dict[str, list[Sample]] = {}
    for class_id in collection.classes:
        try:
            names = os.listdir(_folder(collection_id) / "samples" / class_id)
        except OSError:
            names = []
        found = [s for s in (_parse(class_id, n) for n in names) if s is not None]
        out[class_id] = sorted(found, key=lambda s: (s.added, s.id))
    return out


@dataclass
class Added:
    """What an add did: how many samples were stored, and how many were refused and why."""

    added: int = 0
    full: int = 0  # refused: the class holds MAX_PER_CLASS already
    errors: dict[str, int] = field(default_factory=dict)  # refused pictures by reason code

    def refuse(self, code: str) -> None:
        """Count one picture refused for ``code``."""
        self.errors[code] = self.errors.get(code, 0) + 1


def add(collection_id: str, class_id: str, images: list[np.ndarray], author: str) -> Added:
    """Store prepared samples in a class (by ``author``); those past the class's limit are counted, not stored.

    Raises:
        SampleError: ``no_collection``, ``closed`` or ``class_gone`` (deleted meanwhile), nothing stored.

    """
    done = Added()
    with _locked(collection_id) as folder:
        collection = load(collection_id)
        if collection is None:
            raise SampleError("no_collection")
        if collection.closed:
            raise SampleError("closed")
        if class_id not in collection.classes:
            raise SampleError("class_gone")
        target = folder / "samples" / class_id
        target.mkdir(parents=True, exist_ok=True)
        room = MAX_PER_CLASS - sum(1 for n in os.listdir(target) if SAMPLE.match(n))
        for image in images:
            if image.shape != collection.shape or image.dtype != np.uint8:
                done.refuse("unreadable")
                continue
            if room <= 0:
                done.full += 1
                continue
            name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}-{_author_hex(author)}.png"
            _write(target / name, _png(image))
            done.added += 1
            room -= 1
    return done


def add_pictures(collection_id: str, class_id: str, pictures: list[bytes], author: str) -> Added:
    """Prepare picture files (uploads, a photo, a drawing) and store the usable ones; refusals counted by reason."""
    collection = load(collection_id)
    if collection is None:
        raise SampleError("no_collection")
    done, images = Added(), []
    for data in pictures[:MAX_PICTURES_AT_ONCE]:
        try:
            images.append(prepare(data, collection.look))
        except SampleError as err:
            done.refuse(err.code)
    if (extra := len(pictures) - MAX_PICTURES_AT_ONCE) > 0:
        done.errors["too_many"] = extra
    stored = add(collection_id, class_id, images, author) if images else Added()
    done.added, done.full = stored.added, stored.full
    return done


def delete_sample(collection_id: str, class_id: str, sample_id: str) -> bool:
    """Remove one sample (False when it was gone already)."""
    if not CLASS_ID.match(class_id) or not SAMPLE.match(sample_id):
        return False
    with _locked(collection_id) as folder:
        try:
            (folder / "samples" / class_id / sample_id).unlink()
        except FileNotFoundError:
            return False
    return True


def add_class(collection_id: str, name: str) -> str:
    """Add a class; its id."""
    with _locked(collection_id) as folder:
        collection = _must(collection_id)
        names = clean_class_names([*collection.classes.values(), name])
        class_id = f"c{uuid.uuid4().hex[:8]}"
        collection.classes[class_id] = names[-1]
        _save(folder, collection)
    return class_id


def delete_class(collection_id: str, class_id: str) -> None:
    """Remove a class and its samples (a dataset already made of it keeps them)."""
    with _locked(collection_id) as folder:
        collection = _must(collection_id)
        if class_id not in collection.classes:
            return
        if len(collection.classes) <= MIN_CLASSES:
            raise SampleError("few_classes", min=MIN_CLASSES)
        del collection.classes[class_id]
        _save(folder, collection)
        shutil.rmtree(folder / "samples" / class_id, ignore_errors=True)


def set_closed(collection_id: str, closed: bool) -> None:
    """Close a collection for training (no more samples), or open it again."""
    with _locked(collection_id) as folder:
        collection = _must(collection_id)
        collection.closed = closed
        _save(folder, collection)


def set_compared(collection_id: str, runs: dict[str, str]) -> None:
    """Remember the runs of the last comparison of splits (every session of the teacher shows it)."""
    with _locked(collection_id) as folder:
        collection = _must(collection_id)
        collection.compared = dict(runs)
        _save(folder, collection)


def delete(collection_id: str) -> None:
    """Remove a collection with its samples (datasets made of it stay)."""
    folder = _folder(collection_id)
    gone = root() / f".gone-{uuid.uuid4().hex}"
    with contextlib.suppress(FileNotFoundError):
        os.replace(folder, gone)
        shutil.rmtree(gone, ignore_errors=True)


def _must(collection_id: str) -> Collection:
    collection = load(collection_id)
    if collection is None:
        raise SampleError("no_collection")
    return collection


def counts(collection_id: str) -> dict[str, dict[str, int]]:
    """Samples per class id and author."""
    out: dict[str, dict[str, int]] = {}
    for class_id, found in samples(collection_id).items():
        per = out.setdefault(class_id, {})
        for s in found:
            per[s.author] = per.get(s.author, 0) + 1
    return out


def short_classes(collection: Collection, per_class: dict[str, list[Sample]]) -> dict[str, int]:
    """Classes with fewer than MIN_PER_CLASS samples (name -> count): a dataset cannot be made yet."""
    sizes = {name: len(per_class.get(cid, [])) for cid, name in collection.classes.items()}
    return {name: n for name, n in sizes.items() if n < MIN_PER_CLASS}


def by_author_split(authors: list[str], labels: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
    """Test indices: every sample of some authors (about ``fraction`` of all), the others' for training.

    Authors are tried in a seeded random order; a split is kept only when every class keeps
    training samples. Raises ``SampleError("split_authors")`` when no such split exists.
    """
    people = sorted(set(authors))
    if len(people) < 2:
        raise SampleError("split_authors", n=len(people))
    who = np.asarray(authors)
    classes = set(labels.tolist())
    for attempt in range(20):
        order = np.random.default_rng(seed + attempt).permutation(people)
        test: list[str] = []
        for person in order[:-1]:  # at least one author trains
            if np.isin(who, test).sum() >= fraction * len(authors):
                break
            test.append(str(person))
        held = np.isin(who, test)
        if held.any() and set(labels[~held].tolist()) == classes:
            return np.flatnonzero(held)
    raise SampleError("split_authors", n=len(people))


def build_dataset(collection_id: str, split: str = "random", fraction: float = TEST_FRACTION) -> str:
    """Freeze the collection's samples into an uploaded dataset; its name (the same samples: the same dataset).

    ``split`` is ``random`` (stratified by class) or ``by_author`` (the test set is every
    sample of some authors: does the model recognise drawings by people it has not seen?).

    Raises:
        SampleError: ``no_collection``, ``short`` (a class under MIN_PER_CLASS) or ``split_authors``.

    """
    from lib.own.upload_checks import stratified_split

    collection = _must(collection_id)
    per_class = samples(collection_id)
    if short := short_classes(collection, per_class):
        raise SampleError("short", min=MIN_PER_CLASS, classes=", ".join(f"{n} ({c})" for n, c in short.items()))
    flat = [(label, s) for label, cid in enumerate(collection.classes) for s in per_class[cid]]
    x = np.stack([read_sample(collection_id, s) for _, s in flat])
    y = np.asarray([label for label, _ in flat], dtype="uint8")
    authors = [s.author for _, s in flat]
    if split == "by_author":
        test = by_author_split(authors, y, fraction)
        train = np.setdiff1d(np.arange(len(y)), test)
    else:
        train, test = stratified_split(y, fraction)
    options = {"made": collection_id, "look": collection.look, "split": split, "fraction": fraction}
    digest = hashlib.sha256(x.tobytes() + y.tobytes() + "\n".join(authors).encode())
    name = own_store.dataset_name(digest.digest(), options)
    test_authors = sorted({authors[i] for i in test}) if split == "by_author" else []
    info = _info(collection, options, len(train), len(test), test_authors, sorted(set(authors)))
    own_store.save(name, info, {"x_train": x[train], "y_train": y[train], "x_test": x[test], "y_test": y[test]})
    with _locked(collection_id) as folder:
        current = _must(collection_id)
        if name not in current.datasets:
            current.datasets.append(name)
            _save(folder, current)
    return name


def _info(
    collection: Collection, options: dict, n_train: int, n_test: int, test_authors: list[str], authors: list[str]
) -> dict[str, Any]:
    spec = LOOKS[collection.look]
    return {
        "kind": "image",
        "task": "classification",
        "input_shape": list(spec.shape),
        "num_classes": len(collection.classes),
        "train_size": n_train,
        "test_size": n_test,
        "source": collection.title,
        "license": "",
        "pixel_max": 255.0,
        "draw_recipe": spec.recipe,
        "title": collection.title if not test_authors else f"{collection.title} · {'+'.join(test_authors)[:40]}",
        "class_names": list(collection.classes.values()),
        "feature_names": [],
        "standardized": False,
        "upload": {
            "file": collection.title, "uploader": collection.owner, "options": options, "notes": [],
            "made": {"collection": collection.id, "split": options["split"], "authors": authors,
                     "test_authors": test_authors},
        },
    }  # fmt: skip
