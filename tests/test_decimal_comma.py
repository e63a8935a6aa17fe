"""Portuguese numbers use the decimal comma in the fields and sliders too (Streamlit's own widgets write a point)."""

from __future__ import annotations

from lib.i18n import decimal_text, parse_decimal, parse_decimals
from tests.apptest_helpers import open_page, texts
from tests.test_i18n_pages import DEMOS, english_decimals


def test_typed_numbers_are_read_the_way_each_language_writes_them():
    assert parse_decimal("0,001", "pt") == 0.001 and parse_decimal("1.234,5", "pt") == 1234.5
    assert parse_decimal("0.001", "pt") == 0.001 and parse_decimal("2,5e-4", "pt") == 0.00025
    assert parse_decimal("1,5", "en") is None and parse_decimal("abc", "pt") is None
    assert parse_decimal("nan", "pt") is None and parse_decimal("inf", "en") is None
    assert decimal_text(0.001, "pt") == "0,001" and decimal_text(0.001, "en") == "0.001"
    assert parse_decimals("2,0; 1,0; 0,1", "pt") == [2.0, 1.0, 0.1] and parse_decimals("a", "pt") is None


def _rendered_numbers(at) -> list[str]:
    """What the number fields, text fields and sliders of a page show."""
    shown = []
    for widget in at.number_input:
        shown.append(widget.proto.format % widget.value if widget.proto.format else str(widget.value))
    shown += [str(w.value) for w in at.text_input]
    for widget in at.select_slider:
        shown += [str(o) for o in widget.options]
    for widget in at.slider:  # a plain slider writes its value with a point: only whole numbers may remain
        shown.append(str(widget.value) if isinstance(widget.value, int) else f"{widget.value}")
    return shown


def test_the_training_page_in_portuguese_writes_no_decimal_point():
    at = open_page("training", "pt", nick="ana")
    shown = _rendered_numbers(at)
    assert "0,001" in shown  # Adam's learning rate, with a comma
    assert not [d for s in shown for d in english_decimals(s)], shown
    at.text_input(key="train.w.Adam.learning_rate.pt").set_value("0,0005").run()
    assert at.session_state["train.settings"].compile.optimizer_params["learning_rate"] == 0.0005
    at.text_input(key="train.w.Adam.learning_rate.pt").set_value("muito").run()
    assert "não é um número" in texts(at)
    assert at.session_state["train.settings"].compile.optimizer_params["learning_rate"] == 0.0005
    en = open_page("training", "en", nick="ana")
    assert en.number_input(key="train.w.Adam.learning_rate").value == 0.001  # English keeps its number field


def test_the_demo_sliders_in_portuguese_write_commas():
    from tests.test_demos_page import open_demo

    at = open_page("demos", "pt", nick="ana")  # (as the browser that holds "ana": no sign-in step)
    options = []
    for name in DEMOS:
        open_demo(at, name, "pt")  # each demo in turn (only the open one runs)
        options += [str(o) for w in at.select_slider for o in w.options]
        if name == "act":
            assert at.text_input(key="demo.act.logits.pt").value == "2; 1; 0,1"
    assert "0,05" in options and "0,001" in options and not [d for o in options for d in english_decimals(o)]
