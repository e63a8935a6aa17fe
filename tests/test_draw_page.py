"""The Draw page through AppTest, with a drawing injected where the canvas would send it."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from lib.model.presets import PRESETS
from lib.train.jobs import JobManager
from lib.train.training import make_config
from tests.apptest_helpers import open_page, plotly_specs, rerun_until, texts
from tests.job_helpers import wait


def _data_url(rgba: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _canvas_value(rgba: np.ndarray) -> dict:
    """What the canvas component sends back for a drawing."""
    return {"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": _data_url(rgba)}, "backgroundFit": None}


def _trained_digits_run() -> str:
    settings = PRESETS["digits_mlp"].settings().with_fit(epochs=3)
    manager = JobManager(workers=1)
    run = manager.submit(make_config(PRESETS["digits_mlp"].spec((8, 8, 1)), "digits", 0, "classes", settings))
    assert wait(manager, run.run_id) == "done", manager.status(run.run_id)
    return run.run_id


def test_injected_drawing_gets_a_prediction_and_the_8x8_view():
    run_id = _trained_digits_run()
    at = open_page("draw", "en")
    assert not at.exception
    assert "The canvas is empty" in texts(at)
    at.selectbox(key="draw.run").set_value(run_id).run()
    rgba = np.zeros((280, 280, 4), dtype="uint8")
    rgba[..., 3] = 255
    at.session_state["draw.canvas.0"] = _canvas_value(rgba)  # a blank canvas (after strokes were undone)
    at.run()
    assert not at.exception and "The canvas is empty" in texts(at) and "The model says" not in texts(at)
    rgba[40:240, 125:155, :3] = 255  # a "1"
    at.session_state["draw.canvas.0"] = _canvas_value(rgba)
    at.run()
    assert not at.exception
    assert "The model says" in texts(at)
    probs = next(json.loads(s) for s in plotly_specs(at) if "Probabilities" in s)
    assert abs(sum(probs["data"][0]["y"]) - 100) < 1
    view = next(json.loads(s) for s in plotly_specs(at) if '"hovertemplate":"(%{y}, %{x})' in s)
    assert _shape(view["data"][0]["z"]) == (8, 8)
    # Side by side: the model's input and training images of the class it chose.
    examples = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert _shape(examples["data"][0]["z"]) == (26, 26)  # 9 digits, 3 × 3, 1-pixel gaps
    answer = texts(at).split("The model says **")[1].split("**")[0]
    assert f"In training: “{answer}”" in texts(at)
    assert "trimmed to the object" in texts(at) and "each 4×4 block counted" in texts(at)


def _shape(z) -> tuple[int, ...]:
    """Plotly sends numpy arrays as typed base64 with their shape."""
    return tuple(int(d) for d in z["shape"].split(",")) if isinstance(z, dict) else np.asarray(z).shape


def _png(array: np.ndarray, **save) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", **save)
    return buffer.getvalue()


def _digit_on_paper(side: int = 64) -> np.ndarray:
    """A dark "1" on white paper."""
    paper = np.full((side, side), 255, dtype="uint8")
    paper[side // 6 : -side // 6, side // 2 - 3 : side // 2 + 3] = 0
    return paper


def _huge_png_header() -> bytes:
    """A small PNG claiming 10,000×10,000 RGB pixels (what a decompression bomb looks like)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 10_000, 10_000, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(30_001))) + chunk(b"IEND", b"")


def _gif_animation() -> bytes:
    first, second = Image.fromarray(_digit_on_paper()), Image.new("L", (64, 64), 255)
    buffer = io.BytesIO()
    first.save(buffer, format="GIF", save_all=True, append_images=[second], duration=100, loop=0)
    return buffer.getvalue()


def _cmyk_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(_digit_on_paper()).convert("CMYK").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _transparent_png() -> bytes:
    rgba = np.zeros((64, 64, 4), dtype="uint8")  # transparent everywhere ...
    rgba[10:54, 29:35] = (20, 20, 20, 255)  # ... but a dark stroke
    return _png(rgba)


BAD_UPLOADS = {  # file name, bytes, what the page must say
    "not an image": ("notes.png", b"%PDF-1.4 not a picture", "not a picture that can be read"),
    "1x1": ("dot.png", _png(np.zeros((1, 1), "uint8")), "too small"),
    "10,000x10,000 header": ("bomb.png", _huge_png_header(), "too large"),
    "blank": ("blank.png", _png(np.full((64, 64), 255, "uint8")), "Nothing stands out"),
}
ODD_BUT_FINE = {  # pictures in unusual formats that must still get an answer
    "animated GIF": ("digit.gif", _gif_animation()),
    "CMYK JPEG": ("digit.jpg", _cmyk_jpeg()),
    "16-bit PNG": ("digit16.png", _png(_digit_on_paper().astype("uint16") * 257)),
    "RGBA PNG": ("digit_alpha.png", _transparent_png()),
}


def test_bad_and_odd_uploads_keep_the_page_usable():
    _trained_digits_run()
    at = open_page("draw", "en")
    at.segmented_control(key="draw.source").set_value("upload").run()
    for case, (name, data, message) in BAD_UPLOADS.items():
        at.file_uploader(key="draw.upload").set_value((name, data, "application/octet-stream")).run()
        assert not at.exception, case
        assert message in texts(at), case
        assert "The model says" not in texts(at), case  # nothing is predicted from a bad picture
    for case, (name, data) in ODD_BUT_FINE.items():
        at.file_uploader(key="draw.upload").set_value((name, data, "application/octet-stream")).run()
        assert not at.exception, case
        assert "The model says" in texts(at), case
        assert "inverted" in texts(at), case  # dark on light was recognised as such


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notas.png", b"not a picture", "não é uma imagem legível"),
        ("ponto.png", _png(np.zeros((1, 1), "uint8")), "pequena demais"),
        ("branca.png", _png(np.full((64, 64), 255, "uint8")), "Nada se destaca"),
    ],
    ids=["not-an-image", "1x1", "blank"],
)
def test_a_broken_upload_is_explained_in_portuguese(name, data, message):
    _trained_digits_run()
    at = open_page("draw", "pt")
    at.segmented_control(key="draw.source").set_value("upload").run()
    assert not at.exception
    assert "O quadro está vazio" in texts(at)
    at.file_uploader(key="draw.upload").set_value((name, data, "image/png")).run()
    assert not at.exception
    assert message in texts(at)


def test_an_empty_draw_page_trains_the_lesson_network_and_then_shows_the_canvas(tmp_path, monkeypatch):
    """A teacher opens Draw before anyone trained: one button, seconds later a model to draw for."""
    from app_pages.parts.shared import manager

    monkeypatch.setenv("KP_RUNS_DIR", str(tmp_path / "runs"))
    manager.clear()  # a server with no runs at all
    try:
        at = open_page("draw", "pt")
        assert "Ainda não há modelo treinado para Dígitos 8×8" in texts(at) and not at.selectbox
        at.button(key="draw.ready").click().run()
        rerun_until(at, lambda a: any(s.key == "draw.run" for s in a.selectbox))
        run_id = at.selectbox(key="draw.run").value
        assert manager().store.config(run_id).spec["name"] == "digits_mlp"
        assert manager().store.owner(run_id)["owner"] == at.session_state["app.nickname"]
        assert "Ainda não há modelo" not in texts(at)
    finally:
        manager.clear()


def _seven_drawing() -> np.ndarray:
    """A "7" on the canvas (RGBA, white on black)."""
    rgba = np.zeros((280, 280, 4), dtype="uint8")
    rgba[..., 3] = 255
    rgba[50:75, 70:210, :3] = 255  # the bar
    for r in range(75, 235):  # the stem, slanting down to the left
        c = int(200 - (r - 75) * 0.45)
        rgba[r, c - 12 : c + 12, :3] = 255
    return rgba


def _robust_figure(at, name: str) -> dict:
    """The robustness chart: the one whose first curve is ``name`` (this run's)."""
    return next(f for f in (json.loads(s) for s in plotly_specs(at)) if f["data"] and f["data"][0].get("name") == name)


def _robust_shown(at, name: str) -> bool:
    return any(f["data"] and f["data"][0].get("name") == name for f in (json.loads(s) for s in plotly_specs(at)))


ROBUST_TEXTS = {
    "en": {
        "title": "How robust is my model?",
        "panels": ["Stroke width", "Moved sideways", "Turned"],
        "weakest": "Its weakest point:",
        "this": "without augmentation (this run)",
        "other": "with augmentation",
        "sure": "sure of “",
        "right": "right (%)",
        "test": "200 test images",
        "train": "Train the same network with augmentation",
        "compare": "the one with augmentation",
        "no_width": "Keras has no augmentation layer that thickens or thins strokes",
    },
    "pt": {
        "title": "Quão robusto é meu modelo?",
        "panels": ["Espessura do traço", "Deslocada para o lado", "Girada"],
        "weakest": "Seu ponto mais fraco:",
        "this": "sem augmentation (esta execução)",
        "other": "com augmentation",
        "sure": "certeza de “",
        "right": "acertos (%)",
        "test": "200 imagens de teste",
        "train": "Treinar a mesma rede com augmentation",
        "compare": "a rede com augmentation",
        "no_width": "O Keras não tem camada de augmentation que engrosse ou afine traços",
    },
}


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_how_robust_is_my_model_then_the_same_network_with_augmentation(lang):
    """The drawing (then 200 test images) changed along three axes, as curves; one click trains
    the same network with augmentation layers, an ordinary run of the student's; then both
    runs' curves side by side. In both languages (Portuguese numbers with a decimal comma).
    """
    from app_pages.parts.shared import manager
    from lib.infer import robustness

    words = ROBUST_TEXTS[lang]
    run_id = _trained_digits_run()
    at = open_page("draw", lang)
    at.selectbox(key="draw.run").set_value(run_id).run()
    assert words["title"] in texts(at) and not _robust_shown(at, words["this"])  # off until asked
    at.toggle(key="draw.robust.on").set_value(True).run()
    assert not at.exception
    assert words["title"] in texts(at) and not _robust_shown(at, words["this"])  # nothing drawn yet
    at.session_state["draw.canvas.0"] = _canvas_value(_seven_drawing())
    at.run()
    assert not at.exception
    figure = _robust_figure(at, words["this"])
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert titles == words["panels"]
    assert [t["name"] for t in figure["data"] if t.get("showlegend", True)] == [words["this"]]
    assert words["sure"] in figure["layout"]["yaxis"]["title"]["text"]
    assert figure["layout"]["separators"] == (",." if lang == "pt" else ".,")
    assert words["weakest"] in texts(at) and words["no_width"] in texts(at)
    widths = next(t for t in figure["data"] if t["xaxis"] == "x")
    assert len(_values(widths["x"])) == len(robustness.BY_NAME["width"].steps)

    at.segmented_control(key="draw.robust.what").set_value("test").run()
    assert not at.exception and words["test"] in str(at.segmented_control(key="draw.robust.what").options)
    figure = _robust_figure(at, words["this"])
    assert figure["layout"]["yaxis"]["title"]["text"] == words["right"]
    unchanged = _values(next(t for t in figure["data"] if t["xaxis"] == "x")["y"])[4]  # width step 0
    assert 70 <= unchanged <= 100  # the trained network on its own test images

    config = manager().store.config(run_id)
    assert robustness.augmented_run(manager().store, config, at.session_state["app.nickname"]) is None
    at.button(key="draw.robust.train").click().run()
    assert not at.exception
    augmented = robustness.augmented_run(manager().store, config, at.session_state["app.nickname"])
    assert augmented is not None
    assert manager().store.owner(augmented)["owner"] == at.session_state["app.nickname"]
    layers = manager().store.config(augmented).spec["layers"]
    assert [layer["class_name"] for layer in layers[:2]] == ["RandomTranslation", "RandomRotation"]
    rerun_until(at, lambda a: any(words["other"] in s for s in plotly_specs(a)))
    assert manager().store.status(augmented).state == "done"
    figure = _robust_figure(at, words["this"])
    assert [t["name"] for t in figure["data"] if t.get("showlegend", True)] == [words["this"], words["other"]]
    assert len(figure["data"]) == 6  # both runs on each of the three panels, side by side
    assert words["compare"] in texts(at)
    assert not any(b.key == "draw.robust.train" for b in at.button)  # done: nothing left to train


def _values(v) -> list[float]:
    """Plotly sends numpy arrays as typed base64 with their dtype; lists as they are."""
    if isinstance(v, dict):
        import base64

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)
