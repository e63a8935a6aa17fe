"""The dataset registry and loaders, against small files in each loader's real format."""

from __future__ import annotations

import numpy as np
import pytest

from lib.data import datasets, keras_cache
from lib.data.datasets import DatasetError
from tests import keras_fixtures

EXPECTED_SHAPES = {  # (x_train shape, y_train length) from the fixtures
    "mnist": ((60, 28, 28), 60),
    "fashion_mnist": ((60, 28, 28), 60),
    "cifar10": ((50000, 32, 32, 3), 50000),
    "cifar100": ((200, 32, 32, 3), 200),
    "boston_housing": ((40, 13), 40),
}


@pytest.mark.parametrize("name", sorted(keras_fixtures.WRITERS))
def test_every_keras_dataset_loads_through_its_real_loader(name, datasets_dir, skip_hash_check, no_network):
    keras_fixtures.WRITERS[name](datasets_dir)
    assert datasets.REGISTRY[name].is_cached()
    ds = datasets.load(name)
    if name in EXPECTED_SHAPES:
        shape, n = EXPECTED_SHAPES[name]
        assert ds.x_train.shape == shape and len(ds.y_train) == n
    data = datasets.prepare(ds)
    assert data.x_train.shape[1:] == ds.info.input_shape
    assert data.x_train.dtype in (np.float32, np.int32)
    if ds.info.kind == "image":
        assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0


@pytest.mark.parametrize("name", ["imdb", "reuters"])
def test_text_datasets_decode_back_to_words(name, datasets_dir, skip_hash_check):
    keras_fixtures.WRITERS[name](datasets_dir)
    ds = datasets.load(name)
    words = datasets.decode_text(ds.x_train[0], ds.word_index).split()
    assert words and set(words) <= set(keras_fixtures.WORDS)
    assert datasets.prepare(ds).x_train.shape[1] == datasets.TEXT_MAXLEN


def test_digits_are_the_real_scikit_learn_digits():
    ds = datasets.load("digits")
    assert ds.x_train.shape == (1437, 8, 8) and ds.x_test.shape == (360, 8, 8)
    assert ds.x_train.max() == 16
    assert np.bincount(ds.y_train).min() >= 135  # stratified: the rarest class (174) keeps 80%


def test_fashion_mnist_is_seeded_from_the_debian_package(datasets_dir, tmp_path):
    source = tmp_path / "debian"
    keras_fixtures.write_fashion(source)
    assert keras_cache.seed_fashion_mnist(source / "fashion-mnist")
    ds = datasets.load("fashion_mnist")
    assert ds.x_train.shape == (60, 28, 28)
    assert datasets.REGISTRY["fashion_mnist"].is_cached()


def test_missing_file_with_no_network_fails_and_is_explained(datasets_dir, no_network):
    with pytest.raises(DatasetError) as err:
        datasets.load("mnist")
    assert err.value.code == "download_failed"


def test_keras_own_download_failure_is_explained(datasets_dir, no_network, monkeypatch):
    # The probe says the host answers, then the real Keras download fails on DNS.
    monkeypatch.setattr(keras_cache, "can_reach", lambda *a, **k: True)
    with pytest.raises(DatasetError) as err:
        datasets.load("boston_housing")
    assert err.value.code == "download_failed"
    assert not (datasets_dir / "boston_housing.npz").exists()


def test_truncated_cache_file_is_reported_and_can_be_deleted(datasets_dir, monkeypatch):
    monkeypatch.setattr(keras_cache, "DEBIAN_FASHION_MNIST", datasets_dir / "nowhere")
    keras_fixtures.write_fashion(datasets_dir)
    image_file = datasets_dir / "fashion-mnist" / "train-images-idx3-ubyte.gz"
    image_file.write_bytes(image_file.read_bytes()[:40])
    with pytest.raises(DatasetError) as err:
        datasets.load("fashion_mnist")
    assert err.value.code == "corrupt_cache"
    assert image_file in err.value.paths
    datasets.delete_cache("fashion_mnist")
    assert not image_file.exists()


def test_stratified_subset_keeps_class_proportions():
    y = np.repeat(np.arange(4), [50, 30, 15, 5])
    idx = datasets.subset_indices(y, 20, seed=1)
    assert len(idx) == 20 and len(set(idx)) == 20
    assert np.bincount(y[idx]).tolist() == [10, 6, 3, 1]


def test_prepare_subset_and_standardise_tabular(datasets_dir, skip_hash_check):
    keras_fixtures.write_boston(datasets_dir)
    data = datasets.prepare(datasets.load("boston_housing"), train_samples=20)
    assert data.x_train.shape == (20, 13)
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-5)


def test_pad_sequences_matches_keras():
    from keras.utils import pad_sequences

    seqs = [[1, 2, 3], [], list(range(1, 300))]
    np.testing.assert_array_equal(datasets.pad_sequences(seqs, 200), pad_sequences(seqs, maxlen=200))


def test_registry_declares_every_keras_dataset():
    import keras

    for name, info in datasets.REGISTRY.items():
        if name != "digits":
            assert hasattr(keras.datasets, name)
        assert info.kind in {"image", "text", "tabular"}
        assert (info.num_classes > 0) == info.is_classification


def test_image_grid_draws_channel_last_grayscale_as_a_heatmap():
    from lib import charts

    rows = [np.random.default_rng(0).random((3, 8, 8, 1)), np.random.default_rng(1).random((3, 8, 8, 1))]
    fig = charts.image_grid(rows, ["a", "b"], "t", 1.0)
    assert fig.data[0].type == "heatmap" and np.asarray(fig.data[0].z).shape == (17, 26)
    color = charts.image_grid([np.random.default_rng(2).random((2, 4, 4, 3))], ["c"], "t", 1.0)
    assert color.data[0].type == "image"
