"""Issue 27, finding 5: every parser failure is a message; half-done work is never left behind.

- Each upload parser (zip, CSV, pictures, ``.keras``, ``.weights.h5``, share links, JSON
  specs) is fuzzed: it may only raise its own, explained error. The same hostile files go
  through the real pages (AppTest uploads them), in Portuguese and English, and each shows a
  message in that language; no page shows an exception.
- The report's CSV line of 1,000,000 columns is refused with a message (it raised an uncaught
  ``_csv.Error``).
- The cache import unpacks into a temporary folder and moves into place only a whole good
  archive, and never follows a link already inside ``KERAS_HOME``.
- With the runs folder unwritable, Train says so; the other pages keep working.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.data import cache_archive, keras_cache
from lib.i18n import t
from lib.infer.drawing import PictureError, read_picture
from lib.model.spec import SpecError, from_json, from_link_token
from lib.own.image_upload import scan_zip
from lib.own.messages import error_text
from lib.own.table_upload import scan_table
from lib.own.upload_checks import UploadError
from lib.train.model_import import ModelImportError, import_model
from lib.train.runstore import RunStore
from lib.train.setup_link import setup_from_token
from tests.apptest_helpers import open_page

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PNG = b"\x89PNG\r\n\x1a\n"


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


CELL = st.sampled_from(["1", "2,5", "x", '"a,b"', '"', "", "\x00", "3.1e5", "ção", "\r", "\t"]) | st.text(max_size=5)
CSV_TEXT = st.builds(
    lambda sep, lines: "\n".join(sep.join(cells) for cells in lines).encode(),
    st.sampled_from([",", ";", "\t", "|"]),
    st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=12),
)
ZIPS = st.dictionaries(
    st.sampled_from(["a/1.png", "b/2.png", "a/x.txt", "../evil.png", "/abs.png", "c/d/3.jpg", "z.png", "a/"])
    | st.text(min_size=1, max_size=8),
    st.sampled_from([PNG, PNG + b"\x00" * 20, b"GIF89a", b"\xff\xd8\xff", b""]) | st.binary(max_size=64),
    max_size=6,
).map(_zip)


def _only(error: type[Exception], parse, *args) -> None:
    try:
        parse(*args)
    except error:
        pass


@FUZZ
@given(data=CSV_TEXT | st.binary(max_size=400))
def test_csv_parser_raises_only_its_refusals(data):
    try:
        scan_table(data)
    except UploadError as err:
        for lang in ("en", "pt"):
            assert "{" not in error_text(err, "t.csv", lang)  # a catalog text, filled in


@FUZZ
@given(data=ZIPS | st.binary(max_size=300))
def test_zip_parser_raises_only_its_refusals(data):
    try:
        scan_zip(data)
    except UploadError as err:
        for lang in ("en", "pt"):
            assert "{" not in error_text(err, "p.zip", lang)


@FUZZ
@given(data=st.binary(max_size=300).map(lambda b: PNG + b) | st.binary(max_size=300))
def test_picture_parser_raises_only_its_refusals(data):
    try:
        read_picture(data)
    except PictureError as err:
        assert t(f"draw.err.{err.code}", "pt")


JSON_TEXT = st.recursive(
    st.none() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=15,
).map(json.dumps)


@FUZZ
@given(text=st.text(max_size=300) | JSON_TEXT)
def test_json_specs_and_links_raise_only_their_refusals(text):
    for parse in (from_json, from_link_token, setup_from_token):
        try:
            parse(text)
        except SpecError as err:
            assert t(f"spec.err.{err.code}", "pt", **err.values)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.dictionaries(st.sampled_from(["config.json", "metadata.json", "model.weights.h5", "x"]),
                            st.binary(max_size=80) | st.just(b'{"class_name": "Sequential", "config": {}}'),
                            max_size=3).map(_zip) | st.binary(max_size=200))  # fmt: skip
def test_keras_model_import_raises_only_its_refusals(tmp_path, data):
    try:
        import_model(RunStore(tmp_path / "runs"), data, "digits")
    except ModelImportError as err:
        assert t(f"runs.upload_err.{err.code}", "pt", **{"dataset": "d", **err.values})


def test_the_csv_line_of_a_million_columns_is_refused_with_a_message():
    """The report: this raised an uncaught ``_csv.Error`` (a traceback in the page)."""
    line = ",".join(f"c{i}" for i in range(1_000_000))
    with pytest.raises(UploadError) as wide:
        scan_table((line + "\n" + line + "\n").encode())
    assert "1.000.000 colunas" in error_text(wide.value, "t.csv", "pt")
    with pytest.raises(UploadError) as field:  # one field longer than the csv module's limit
        scan_table(b'a;b\n"' + b"x" * 200_000 + b'";1\n1;2\n')
    assert field.value.code == "csv_unreadable" and "CSV" in error_text(field.value, "t.csv", "en")


# --- the same files through the pages --------------------------------------------------------

HOSTILE_FILES = {
    "csv": [("wide.csv", (",".join(["c"] * 1_000_000) + "\n1\n").encode()),
            ("field.csv", b'a;b\n"' + b"x" * 200_000 + b'";1\n'), ("nul.csv", b"a,b\n\x00\x00"),
            ("quote.csv", b'a,b\n"1,2\n3,4\n'), ("empty.csv", b"")],
    "zip": [("bomb.zip", b"PK\x03\x04" + b"\x00" * 40), ("evil.zip", _zip({"../../x.png": PNG})),
            ("text.zip", b"not a zip")],
    "draw": [("x.png", PNG + b"\x00" * 10), ("y.png", b"GIF89a\x01\x00\x01\x00"), ("z.png", b"")],
    "keras": [("m.keras", b"PK\x05\x06" + b"\x00" * 18), ("n.keras", _zip({"config.json": b"[" * 5000})),
              ("o.keras", b"\x00" * 100)],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_hostile_uploads_through_the_pages_show_messages(lang, own_data_dir):
    # A message in the page's language: Portuguese words in pt, and no English sentence there.
    errors = {"pt": (" não ", "Não ", " tem ", " de "), "en": (" not ", "cannot", " has ", " is ", " no ")}[lang]
    datasets_page = open_page("datasets", lang)
    for kind in ("csv", "zip"):
        for name, data in HOSTILE_FILES[kind]:
            datasets_page.file_uploader(key=f"own.{kind}").set_value((name, data, "application/octet-stream")).run()
            assert not datasets_page.exception, (kind, name, datasets_page.exception)
            shown = [e.value for e in datasets_page.error]
            assert shown and any(name in s for s in shown), (name, shown)
            assert any(w in " ".join(shown) for w in errors), shown
            assert lang == "en" or not any(w in " ".join(shown) for w in (" the ", " has ", "Upload ")), shown
    from tests.test_draw_page import _trained_digits_run

    _trained_digits_run()  # the Draw page offers uploads once a model for the dataset exists
    draw = open_page("draw", lang)
    draw.segmented_control(key="draw.source").set_value("upload").run()
    for name, data in HOSTILE_FILES["draw"]:
        draw.file_uploader(key="draw.upload").set_value((name, data, "image/png")).run()
        assert not draw.exception and draw.error, (name, draw.exception)
    runs = open_page("runs", lang)
    for name, data in HOSTILE_FILES["keras"]:
        runs.file_uploader(key="runs.upload").set_value((name, data, "application/octet-stream")).run()
        assert not runs.exception and runs.error, (name, runs.exception)
    architecture = open_page("architecture", lang)
    for data in (b"{" * 100_000, b"\xff\xfe", json.dumps({"format": "x", "layers": [[[]]]}).encode(), b"1e999999"):
        architecture.file_uploader(key="arch.upload").set_value(("m.json", data, "application/json")).run()
        assert not architecture.exception and architecture.error, (data[:20], architecture.exception)


# --- the cache import: all or nothing, and no link followed ------------------------------------


def _tar(path: Path, members: dict[str, bytes], gz: bool = True) -> Path:
    with tarfile.open(path, "w:gz" if gz else "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setattr(keras_cache, "keras_home", lambda: home)
    return home


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def test_an_import_that_fails_part_way_writes_nothing(tmp_path, keras_home, capsys):
    """The report: a failing import left files behind while printing "Nothing was written"."""
    good = _tar(tmp_path / "good.tar.gz", {"datasets/a.npz": b"a" * 5000, "datasets/b.npz": b"b" * 5000,
                                          "models/c.h5": b"c" * 5000})  # fmt: skip
    whole = good.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) - 40])  # the last member's data and the end are missing
    assert cache_archive.main(["import", str(cut)]) == 1
    assert "Nothing was written" in capsys.readouterr().err
    assert _files(keras_home) == []
    assert cache_archive.main(["import", str(good)]) == 0
    assert _files(keras_home) == ["datasets/a.npz", "datasets/b.npz", "models/c.h5"]


def test_an_import_never_follows_a_link_inside_keras_home(tmp_path, keras_home):
    outside = tmp_path / "outside"
    outside.mkdir()
    (keras_home / "datasets").mkdir()
    (keras_home / "datasets" / "fashion-mnist").symlink_to(outside, target_is_directory=True)
    archive = _tar(tmp_path / "a.tar.gz", {"datasets/ok.npz": b"1", "datasets/fashion-mnist/train.gz": b"2"})
    with pytest.raises(cache_archive.ArchiveError, match="link"):
        cache_archive.import_archive(archive)
    assert list(outside.iterdir()) == []
    assert not (keras_home / "datasets" / "ok.npz").exists()  # refused whole, before any write
    (keras_home / "models").symlink_to(outside, target_is_directory=True)  # the folder itself a link
    with pytest.raises(cache_archive.ArchiveError, match="link"):
        cache_archive.import_archive(_tar(tmp_path / "b.tar.gz", {"models/w.h5": b"3"}))
    assert list(outside.iterdir()) == []


# --- an unwritable runs folder --------------------------------------------------------------------


def test_an_unwritable_runs_folder_gives_train_a_clear_error_and_other_pages_work(tmp_path):
    """The report: with the runs folder unwritable, Train did nothing at all: no status, no message."""
    from app_pages.parts.shared import manager

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # (tests run as root: permissions would not stop a write)
    store = manager().store
    saved = store.root
    store.root = blocker / "runs"
    try:
        at = open_page("training", "pt")
        at.number_input(key="train.w.seed").set_value(4242).run()
        at.button(key="train.start").click().run()
        assert not at.exception
        shown = [e.value for e in at.error]
        assert any("não conseguiu salvar esta execução" in text for text in shown), shown
        for page in ("runs", "datasets", "architecture", "home"):
            other = open_page(page, "pt")
            assert not other.exception, (page, other.exception)
    finally:
        store.root = saved
