"""Users' own data: zips of class folders and CSV tables become registry datasets, bad input is refused."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from lib.data import datasets, own_store
from lib.own import image_upload, table_upload
from lib.own.image_upload import ImageOptions
from lib.own.table_upload import TableOptions
from lib.own.upload_checks import UploadError
from tests.own_fixtures import class_zip, encode, shape_picture, survey_csv, zip_of

pytestmark = pytest.mark.usefixtures("own_data_dir")  # every upload lands in a private, empty folder


def _empty(folder) -> bool:
    """Nothing was written (the folder is made only when a dataset is saved)."""
    return not folder.exists() or not any(folder.iterdir())


def _png(size=(20, 20), mode="RGB", value=128) -> bytes:
    return encode(Image.new(mode, size, value))


# --- zips of class folders -------------------------------------------------------------------


def test_a_zip_of_class_folders_becomes_a_registry_dataset_like_keras_reads_it():
    data = class_zip(("pine", "oak", "maple"), per_class=10)
    scan = image_upload.scan_zip(data)
    assert scan.classes == ["maple", "oak", "pine"]  # Keras: alphanumeric order, the wrapper looked through
    assert scan.count == 30 and scan.gray and scan.side == 28
    report = image_upload.ingest_images(data, "trees.zip", ImageOptions(28, True, 0.2), "ana")
    assert report.created and report.notes == []
    info = datasets.REGISTRY[report.name]
    assert report.name in list(datasets.REGISTRY) and info.is_own
    assert (info.kind, info.input_shape, info.num_classes, info.class_names) == (
        "image",
        (28, 28, 1),
        3,
        ("maple", "oak", "pine"),
    )
    ds = datasets.load(report.name)
    assert ds.x_train.shape == (24, 28, 28) and ds.x_train.dtype == np.uint8
    assert np.bincount(ds.y_test).tolist() == [2, 2, 2]  # stratified: 20 % of each class
    assert info.train_size == 24 and info.test_size == 6
    # The same upload with the same options is the same dataset; other options, another one.
    assert not image_upload.ingest_images(data, "again.zip", ImageOptions(28, True, 0.2)).created
    other = image_upload.ingest_images(data, "trees.zip", ImageOptions(16, True, 0.2))
    assert other.created and other.name != report.name and len(own_store.names()) == 2


def test_each_picture_is_made_exactly_as_the_draw_page_prepares_a_photo():
    from lib.infer.drawing import prepare_drawing, read_picture

    rng = np.random.default_rng(3)
    pictures = {f"a/{i}.png": encode(shape_picture("ring", rng, colour=True)) for i in range(3)}
    pictures |= {f"b/{i}.jpg": encode(shape_picture("bar", rng, colour=True), "JPEG") for i in range(3)}
    report = image_upload.ingest_images(zip_of(pictures), "c.zip", ImageOptions(32, False, 0.34))
    ds, info = datasets.load(report.name), datasets.REGISTRY[report.name]
    stored = {tuple(x.reshape(-1)) for x in np.concatenate([ds.x_train, ds.x_test])}
    for data in pictures.values():  # the Draw page's array, in the dataset's 8 bits, is a stored image
        view = prepare_drawing(read_picture(data), info).view
        assert tuple(np.round(view * 255).astype("uint8").reshape(-1)) in stored


def test_colour_pictures_default_to_colour_and_a_size_no_bigger_than_theirs():
    scan = image_upload.scan_zip(class_zip(colour=True, per_class=3))
    assert not scan.gray and scan.side in (32, 48)  # pictures of 32-63 pixels: not 64


def test_skipped_files_are_counted_and_named():
    extra = {"shapes/bar/notes.txt": b"hello", "shapes/ring/broken.png": b"\x89PNG not really",
             "shapes/readme.md": b"#", "shapes/.DS_Store": b"x", "__MACOSX/shapes/._a.png": b"x"}  # fmt: skip
    report = image_upload.ingest_images(
        class_zip(("bar", "ring"), per_class=4, extra=extra), "s.zip", ImageOptions(16, True, 0.25)
    )
    notes = dict(report.notes)
    assert notes["not_images"]["count"] == 2 and "notes.txt" in notes["not_images"]["files"]
    assert notes["corrupt"] == {"count": 1, "files": "broken.png"}
    assert datasets.REGISTRY[report.name].train_size + datasets.REGISTRY[report.name].test_size == 8


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04 not a zip at all", "not_zip"),
        (_png(), "not_zip"),
        (zip_of({"a.png": _png(), "b.png": _png()}), "zip_no_classes"),
        (zip_of({"only/a.png": _png(), "only/b.png": _png()}), "zip_one_class"),
        (zip_of({"a/1.png": _png(), "a/2.png": _png(), "b/1.png": _png()}), "zip_small_class"),
        (zip_of({"../evil/1.png": _png(), "a/1.png": _png()}), "zip_unsafe_path"),
        (zip_of({"/etc/x/1.png": _png(), "a/1.png": _png()}), "zip_unsafe_path"),
        (zip_of({"a\\..\\1.png": _png(), "a/1.png": _png()}), "zip_unsafe_path"),
    ],
)
def test_refused_zips_name_the_problem_and_write_nothing(data, code, own_data_dir):
    with pytest.raises(UploadError) as err:
        image_upload.ingest_images(data, "x.zip", ImageOptions())
    assert err.value.code == code
    assert _empty(own_data_dir)


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(monkeypatch, own_data_dir):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/1.png", b"\0" * (20 * 2**20))  # 20 MB of zeros pack into ~20 KB
        zf.writestr("b/1.png", _png())
    with pytest.raises(UploadError, match="zip_bomb"):
        image_upload.scan_zip(out.getvalue())
    monkeypatch.setattr(image_upload, "MAX_FILES", 3)
    with pytest.raises(UploadError, match="zip_too_many"):
        image_upload.scan_zip(zip_of({f"a/{i}.png": _png() for i in range(4)}))
    assert _empty(own_data_dir)


def test_a_class_left_with_one_readable_picture_is_refused():
    data = zip_of({"a/1.png": _png(), "a/2.png": b"garbage", "b/1.png": _png(), "b/2.png": _png()})
    with pytest.raises(UploadError) as err:
        image_upload.ingest_images(data, "x.zip", ImageOptions(16))
    assert (err.value.code, err.value.values["name"], err.value.values["count"]) == ("zip_small_class", "a", 1)


def test_odd_pictures_are_read_huge_ones_skipped():
    gif = io.BytesIO()
    frames = [Image.new("L", (20, 20), v) for v in (200, 10)]
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    cmyk, sixteen = encode(Image.new("CMYK", (20, 20), (0, 0, 0, 0)), "JPEG"), Image.new("I;16", (20, 20), 60000)
    rgba = encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)))
    bomb = encode(Image.new("1", (6000, 6000)))  # 36 megapixels in a few kilobytes
    members = {"a/anim.gif": gif.getvalue(), "a/cmyk.jpg": cmyk, "a/16bit.png": encode(sixteen),
               "b/alpha.png": rgba, "b/ok.png": _png(), "b/huge.png": bomb}  # fmt: skip
    report = image_upload.ingest_images(zip_of(members), "odd.zip", ImageOptions(16, True, 0.34))
    assert dict(report.notes)["too_big"] == {"count": 1, "files": "huge.png"}
    ds = datasets.load(report.name)
    assert len(ds.y_train) + len(ds.y_test) == 5


def test_too_many_pixels_for_memory_is_refused(monkeypatch):
    monkeypatch.setattr(image_upload, "MAX_DATASET_MB", 0.001)
    with pytest.raises(UploadError, match="images_too_large"):
        image_upload.ingest_images(class_zip(per_class=3), "x.zip", ImageOptions(64, False))


# --- CSV tables ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("sep", "decimal"), [(";", ","), (",", "."), ("\t", ".")])
def test_separator_and_decimal_mark_are_detected(sep, decimal):
    scan = table_upload.scan_table(survey_csv(50, sep, decimal))
    assert (scan.table.separator, scan.table.decimal) == (sep, decimal)
    kinds = {c.name: c.kind for c in scan.columns}
    assert kinds == {"idade": "number", "cidade": "category", "renda": "number", "aprovado": "category"}
    income = scan.columns[2].values
    assert 800 <= income.min() and income.max() <= 6000  # "1.234,56" read as 1234.56, not 1.234


def test_brazilian_numbers_thousands_and_decimals():
    table = table_upload.read_table(b"a;b\n1.234,5;x\n3.500;y\n-0,25;x\n")
    assert table_upload.read_column(table, 0).values.tolist() == [1234.5, 3500.0, -0.25]


def test_a_table_becomes_a_standardised_one_hot_dataset_with_its_mapping():
    report = table_upload.ingest_table(survey_csv(120), "pesquisa.csv", TableOptions("aprovado", "classification"))
    info = datasets.REGISTRY[report.name]
    assert (info.kind, info.task, info.num_classes, info.class_names) == (
        "tabular",
        "classification",
        2,
        ("não", "sim"),
    )
    assert info.feature_names == ("idade", "cidade=Natal", "cidade=Recife", "cidade=Salvador", "renda")
    data = datasets.prepare(datasets.load(report.name))
    assert data.x_train.shape == (96, 5) and data.y_train.dtype == np.int32
    assert np.allclose(data.x_train[:, [0, 4]].mean(axis=0), 0, atol=1e-5)
    assert np.allclose(data.x_train[:, [0, 4]].std(axis=0), 1, atol=1e-4)
    assert set(np.unique(data.x_train[:, 1:4])) == {0.0, 1.0}
    stored = json.loads((own_store.data_dir() / report.name / "info.json").read_text())
    mapping = {m["column"]: m for m in stored["upload"]["mapping"]}
    assert mapping["cidade"]["categories"] == ["Natal", "Recife", "Salvador"] and "mean" in mapping["renda"]


def test_task_is_guessed_from_the_target_and_can_be_changed():
    scan = table_upload.scan_table(survey_csv(60))
    assert scan.task_of("aprovado") == "classification" and scan.task_of("renda") == "regression"
    assert scan.task_of("idade") == "regression"  # more than 20 whole numbers: a quantity
    report = table_upload.ingest_table(survey_csv(60), "p.csv", TableOptions("renda", "regression"))
    info = datasets.REGISTRY[report.name]
    assert (info.task, info.num_classes, info.input_shape) == ("regression", 0, (6,))  # idade, 3 cities, 2 answers
    with pytest.raises(UploadError, match="target_not_numeric"):
        table_upload.ingest_table(survey_csv(60), "p.csv", TableOptions("cidade", "regression"))


def test_missing_values_and_text_in_numbers_are_counted_and_filled():
    text = "x;cor;nota;y\n1;azul;2,5;a\n2;;n/a;b\n3;verde;abc;a\n;azul;4;b\n5;verde;5;a\n6;azul;6;b\n7;azul;7;\n"
    report = table_upload.ingest_table(text.encode(), "t.csv", TableOptions("y", "classification", 0.34))
    notes = report.notes
    assert ("target_missing", {"name": "y", "count": 1}) in notes
    assert ("text_in_numbers", {"name": "nota", "count": 1, "example": "abc"}) not in notes  # 1 of 6: categories
    assert ("filled_mean", {"name": "x", "count": 1}) in notes
    assert ("missing_category", {"name": "cor", "count": 1}) in notes
    ds = datasets.load(report.name)
    assert len(ds.y_train) + len(ds.y_test) == 6 and np.isfinite(ds.x_train).all()


def test_a_few_words_in_a_number_column_are_read_as_missing():
    rows = "\n".join(f"{i};{i * 2 if i != 7 else 'erro'};{'s' if i % 2 else 'n'}" for i in range(40))
    report = table_upload.ingest_table(f"a;b;y\n{rows}\n".encode(), "t.csv", TableOptions("y", "classification"))
    assert ("text_in_numbers", {"name": "b", "count": 1, "example": "erro"}) in report.notes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "csv_empty"),
        ("a;b\n", "csv_empty"),
        ("1;2;3\n4;5;6\n7;8;9\n", "csv_no_header"),
        ("a,b,c\n1,2,3\n4,5\n6,7,8\n", "csv_ragged"),
        ("a\n1\n2\n", "csv_one_column"),
        ("a;y\n1;s\n2;s\n3;s\n", "target_single"),
        ("a;y\n1;s\n2;n\n3;s\n", "target_single"),  # "n" has one row: left out, one class remains
        ("a;y\n1;s\n2;n\n3;s\n4;n\n", "csv_too_few"),  # 4 rows: no test set worth the name
        ("PK\x03\x04 an .xlsx spreadsheet", "csv_binary"),
        ("%PDF-1.4 a report", "csv_binary"),
    ],
)
def test_refused_tables_name_the_problem_and_write_nothing(text, code, own_data_dir):
    with pytest.raises(UploadError) as err:
        table_upload.ingest_table(text.encode(), "t.csv", TableOptions("y", "classification"))
    assert err.value.code == code
    assert _empty(own_data_dir)


def test_a_ragged_row_is_named_by_its_line():
    with pytest.raises(UploadError) as err:
        table_upload.read_table(b"a,b,c\n1,2,3\n\n4,5\n")
    assert err.value.values == {"line": 4, "got": 2, "want": 3}


def test_more_than_a_million_cells_is_refused(monkeypatch):
    monkeypatch.setattr(table_upload, "MAX_CELLS", 100)
    with pytest.raises(UploadError, match="csv_too_big"):
        table_upload.read_table(survey_csv(30))


def test_identifier_and_constant_columns_are_left_out():
    rows = "\n".join(f"id{i};1;{i % 7};{'s' if i % 3 else 'n'}" for i in range(80))
    report = table_upload.ingest_table(f"id;um;x;y\n{rows}\n".encode(), "t.csv", TableOptions("y", "classification"))
    assert ("dropped_categories", {"name": "id", "count": 64, "limit": 50}) in report.notes
    assert ("dropped_constant", {"name": "um"}) in report.notes
    assert datasets.REGISTRY[report.name].feature_names == ("x",)
    only_useless = "\n".join(f"id{i};1;{'s' if i % 3 else 'n'}" for i in range(80))
    with pytest.raises(UploadError, match="csv_no_features"):
        table_upload.ingest_table(f"id;um;y\n{only_useless}\n".encode(), "t.csv", TableOptions("y", "classification"))


def test_a_windows_1252_file_is_read():
    text = "nome;situação\nJoão;ótimo\nAna;ruim\nZé;ótimo\nLu;ruim\n"
    table = table_upload.read_table(text.encode("cp1252"))
    assert table.header == ["nome", "situação"] and table.rows[0] == ["João", "ótimo"]


# --- the store ---------------------------------------------------------------------------------


def test_a_dataset_is_deleted_and_its_runs_name_stays_known():
    report = table_upload.ingest_table(survey_csv(40), "p.csv", TableOptions("aprovado", "classification"))
    datasets.load(report.name)
    datasets.delete_cache(report.name)
    assert report.name not in datasets.REGISTRY and report.name not in list(datasets.REGISTRY)
    assert datasets.is_known(report.name)  # its runs stay listed, with their curves
    with pytest.raises(datasets.DatasetError) as err:
        datasets.load(report.name)
    assert err.value.code == "own_missing"


def test_a_damaged_arrays_file_is_explained(own_data_dir):
    report = table_upload.ingest_table(survey_csv(40), "p.csv", TableOptions("aprovado", "classification"))
    (own_data_dir / report.name / "arrays.npz").write_bytes(b"not numpy")
    with pytest.raises(datasets.DatasetError) as err:
        datasets.load(report.name)
    assert err.value.code == "own_damaged"


def test_an_interrupted_save_leaves_nothing_behind(monkeypatch, own_data_dir):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(OSError):
        table_upload.ingest_table(survey_csv(40), "p.csv", TableOptions("aprovado", "classification"))
    assert _empty(own_data_dir) and own_store.names() == []


def test_a_ray_worker_receives_an_uploaded_dataset_with_the_job(tmp_path, monkeypatch):
    from lib.train.ray_executor import seed_files
    from lib.train.ray_worker import install_datasets
    from lib.train.run_config import RunConfig
    from lib.train.runstore import RunStore

    name = table_upload.ingest_table(survey_csv(40), "p.csv", TableOptions("aprovado", "classification")).name
    server = datasets.load(name)
    seed = seed_files(RunStore(tmp_path / "runs"), "0" * 16, RunConfig(dataset=name), 0)
    assert sorted(seed) == [f"@data/{name}/arrays.npz", f"@data/{name}/info.json"]
    monkeypatch.setenv("KP_DATA_DIR", str(tmp_path / "worker"))  # another machine: nothing uploaded there
    datasets.forget(name)
    assert name not in datasets.REGISTRY
    assert install_datasets(seed) == [name]
    assert np.array_equal(datasets.load(name).x_train, server.x_train)


def test_the_exported_script_trains_on_the_downloaded_arrays(tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    from lib.model.analysis import Target, analyse
    from lib.model.builder import build_model
    from lib.model.codegen import export_script
    from lib.model.presets import PRESETS, fitting, for_dataset

    name = table_upload.ingest_table(survey_csv(80), "p.csv", TableOptions("aprovado", "classification")).name
    info = datasets.REGISTRY[name]
    fitted = for_dataset(PRESETS[fitting(info)[0]], info)  # the Boston MLP, made a classifier
    assert fitted.target_kind == "classes" and fitted.settings.compile.loss == "sparse_categorical_crossentropy"
    target = Target("classes", 2)
    analysis = analyse(fitted.spec, target)
    script = tmp_path / "model.py"
    script.write_text(export_script(fitted.spec, analysis, name, target, fitted.settings))
    shutil.copy(own_store.arrays_path(name), tmp_path / f"{name}.npz")  # what "Download the arrays" gives
    out = subprocess.run([sys.executable, str(script), "--epochs", "1"], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert result["params"] == build_model(fitted.spec, analysis).count_params()
    assert 0 <= result["test"]["accuracy"] <= 1
