"""Datasets made in the app: samples prepared by the Draw page's recipe, stored safely, frozen into datasets."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest
from PIL import Image

from lib.data import datasets, own_store
from lib.own import sample_store as store
from lib.own.sample_store import SampleError
from tests.own_fixtures import SHAPES, encode, shape_picture
from tests.waiting import DEADLINE


def _drawing(shape: str, seed: int) -> bytes:
    return encode(shape_picture(shape, np.random.default_rng(seed), size=120))


def _black() -> bytes:
    return encode(Image.new("RGB", (280, 280)))


def _wall(seed: int = 0) -> bytes:
    """A photo of a plain wall: one colour with camera noise."""
    noise = np.random.default_rng(seed).normal(0, 2, (240, 320, 3))
    return encode(Image.fromarray(np.clip(180 + noise, 0, 255).astype("uint8")))


def _filled(collection: store.Collection, per_class: int, authors=("ana",)) -> None:
    for k, class_id in enumerate(collection.classes):
        for i in range(per_class):
            picture = _drawing(SHAPES[k % len(SHAPES)], seed=100 * k + i)
            done = store.add_pictures(collection.id, class_id, [picture], authors[i % len(authors)])
            assert (done.added, done.full, done.errors) == (1, 0, {}), done


def test_a_drawing_is_prepared_by_the_draw_pages_recipe_and_a_blank_is_refused(own_data_dir):
    sample = store.prepare(_drawing("ring", 1), "drawings")
    assert sample.shape == (28, 28, 1) and sample.dtype == np.uint8 and sample.max() > 200
    from lib.data.datasets import DatasetInfo
    from lib.infer.drawing import read_and_prepare

    info = DatasetInfo("x", "image", "classification", (28, 28, 1), 2, 0, 0, "", "", draw_recipe="fashion_mnist")
    _, prepared = read_and_prepare(_drawing("ring", 1), info)  # what the Draw page gives a model of it
    assert np.array_equal(sample[..., 0], np.round(prepared.view * 255).astype("uint8"))
    for picture, look in ((_black(), "drawings"), (_wall(), "photos"), (_wall(1), "drawings")):
        with pytest.raises(SampleError) as err:
            store.prepare(picture, look)
        assert err.value.code == "blank", look
    assert store.prepare(encode(shape_picture("cross", np.random.default_rng(2), 90, colour=True)), "photos").shape == (
        32, 32, 3,
    )  # fmt: skip
    with pytest.raises(SampleError) as err:
        store.prepare(b"not a picture", "drawings")
    assert err.value.code == "unreadable"
    with pytest.raises(SampleError) as err:
        store.prepare(b"\0" * (store.MAX_PICTURE_MB * 2**20 + 1), "drawings")
    assert err.value.code == "too_big"


@pytest.mark.parametrize(
    ("names", "code"),
    [(["cats"], "few_classes"), ([f"c{i}" for i in range(11)], "many_classes"), (["Cat", "cat "], "same_names")],
)
def test_class_names_are_checked(own_data_dir, names, code):
    with pytest.raises(SampleError) as err:
        store.create("t", names, "drawings", "ana")
    assert err.value.code == code
    assert store.listed() == []


def test_a_burst_of_1000_fills_a_class_to_its_limit_and_counts_the_rest(own_data_dir):
    collection = store.create("burst", ["a", "b"], "drawings", "ana")
    first = next(iter(collection.classes))
    image = store.prepare(_drawing("bar", 3), "drawings")
    done = store.add(collection.id, first, [image] * 1000, "ana")
    assert (done.added, done.full) == (store.MAX_PER_CLASS, 1000 - store.MAX_PER_CLASS)
    assert len(store.samples(collection.id)[first]) == store.MAX_PER_CLASS
    many = store.add_pictures(collection.id, first, [_drawing("bar", 4)] * (store.MAX_PICTURES_AT_ONCE + 5), "bia")
    assert many.added == 0 and many.full == store.MAX_PICTURES_AT_ONCE and many.errors == {"too_many": 5}


def _adder(data_dir: str, collection_id: str, class_id: str, author: str, n: int, limit: int, go) -> None:
    """One process adding ``n`` samples one at a time (spawned: a fresh interpreter)."""
    import os

    os.environ["KP_DATA_DIR"] = data_dir
    from lib.own import sample_store

    sample_store.MAX_PER_CLASS = limit
    image = np.full((28, 28, 1), 255 if author == "ana" else 128, dtype="uint8")
    image[:4] = 0
    go.wait()
    for _ in range(n):
        sample_store.add(collection_id, class_id, [image], author)


@pytest.mark.parametrize(("per_process", "limit"), [(60, 300), (60, 100)], ids=["all-fit", "past-the-limit"])
def test_two_processes_adding_to_one_class_lose_nothing(own_data_dir, per_process, limit):
    collection = store.create("class", ["a", "b"], "drawings", "prof", for_class=True)
    class_id = next(iter(collection.classes))
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    workers = [
        context.Process(target=_adder, args=(str(own_data_dir), collection.id, class_id, who, per_process, limit, go))
        for who in ("ana", "bia")
    ]
    for worker in workers:
        worker.start()
    go.set()
    for worker in workers:
        worker.join(DEADLINE)  # a hang guard
        assert worker.exitcode == 0
    found = store.samples(collection.id)[class_id]
    assert len(found) == min(2 * per_process, limit)
    assert len({s.id for s in found}) == len(found)
    by_author = store.counts(collection.id)[class_id]
    if 2 * per_process <= limit:
        assert by_author == {"ana": per_process, "bia": per_process}
    for sample in found:  # every file whole, and the author's own picture
        pixels = store.read_sample(collection.id, sample)
        assert pixels.shape == (28, 28, 1) and pixels[10, 10, 0] == (255 if sample.author == "ana" else 128)


def test_a_class_deleted_meanwhile_refuses_the_add_and_leaves_a_made_dataset_whole(own_data_dir):
    collection = store.create("shapes", ["bar", "ring", "cross"], "drawings", "ana")
    _filled(collection, store.MIN_PER_CLASS)
    name = store.build_dataset(collection.id)
    before = own_store.load_arrays(name)
    bar = collection.class_of("bar")
    store.delete_class(collection.id, bar)
    with pytest.raises(SampleError) as err:
        store.add_pictures(collection.id, bar, [_drawing("bar", 9)], "ana")
    assert err.value.code == "class_gone"
    after = own_store.load_arrays(name)
    assert all(np.array_equal(before[k], after[k]) for k in own_store.ARRAY_KEYS)
    assert list(datasets.REGISTRY[name].class_names) == ["bar", "ring", "cross"]  # the dataset keeps its classes


def test_a_dataset_needs_enough_samples_per_class_and_is_an_ordinary_uploaded_dataset(own_data_dir):
    collection = store.create("shapes", ["bar", "ring"], "drawings", "ana")
    _filled(collection, store.MIN_PER_CLASS - 1)
    with pytest.raises(SampleError) as err:
        store.build_dataset(collection.id)
    assert err.value.code == "short" and "bar (4)" in err.value.values["classes"]
    _filled(collection, 3)
    name = store.build_dataset(collection.id)
    assert store.build_dataset(collection.id) == name  # the same samples: the same dataset
    info = datasets.REGISTRY[name]
    assert info.is_own and info.input_shape == (28, 28, 1) and info.num_classes == 2
    assert info.draw_recipe == "fashion_mnist" and info.train_size + info.test_size == 14
    data = datasets.load(name)
    assert set(np.unique(data.y_test)) == {0, 1}  # stratified
    assert store.load(collection.id).datasets == [name]


def test_split_by_who_drew_keeps_each_persons_drawings_on_one_side(own_data_dir):
    collection = store.create("shapes", ["bar", "ring"], "drawings", "prof", for_class=True)
    _filled(collection, 12, authors=("ana", "bia", "caio", "duda"))
    name = store.build_dataset(collection.id, split="by_author")
    made = own_store.read_info(name)["upload"]["made"]
    held = set(made["test_authors"])
    assert held and held < {"ana", "bia", "caio", "duda"}
    per_author = store.counts(collection.id)
    test_size = sum(n for counts in per_author.values() for a, n in counts.items() if a in held)
    assert datasets.REGISTRY[name].test_size == test_size
    assert store.build_dataset(collection.id, split="random") != name
    with pytest.raises(SampleError) as err:
        store.by_author_split(["ana"] * 6, np.array([0, 1] * 3), 0.2)
    assert err.value.code == "split_authors"


def test_one_person_keeps_a_bounded_number_of_collections_and_may_delete_one(own_data_dir, monkeypatch):
    monkeypatch.setattr(store, "MAX_PER_OWNER", 2)
    first = store.create("a", ["x", "y"], "drawings", "ana")
    store.create("b", ["x", "y"], "drawings", "ana")
    store.create("c", ["x", "y"], "drawings", "bia")  # another person's do not count
    with pytest.raises(SampleError) as err:
        store.create("d", ["x", "y"], "drawings", "ana")
    assert err.value.code == "too_many_collections"
    store.delete(first.id)
    assert store.load(first.id) is None
    assert store.create("d", ["x", "y"], "drawings", "ana").title == "d"
