"""Registry-driven widgets: one ``Param`` declaration becomes one Streamlit widget."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages.parts.shared import lang, tr
from lib.i18n import decimal_text, number, parse_decimal, pick
from lib.model.layers import Param


def forget(prefix: str) -> None:
    """Drop the state of every widget whose key starts with ``prefix`` (rebuilt from data)."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def breakable(name: str) -> str:
    """A parameter name that may wrap after its underscores (``learning_`` / ``rate``), never mid-word."""
    return name.replace("_", "_\u200b")


def _parse_tuple(text: str) -> Any:
    try:
        return tuple(int(part) for part in text.replace("(", "").replace(")", "").split(",") if part.strip())
    except ValueError:
        return text  # the analysis explains a value that is not a list of numbers


def param_widget(container, key: str, param: Param, value: Any) -> Any:
    """Show ``param`` with ``value`` as the widget's default; return what the user set.

    The default is always the current value (never pre-set state): the browser may send a
    widget's default back, so it must be the value the app holds.
    """
    label, help_text = breakable(param.name), pick(param.help, lang())
    if param.kind == "int_tuple":
        text = value if isinstance(value, str) else ", ".join(map(str, value))
        return _parse_tuple(container.text_input(label, text, key=key, help=help_text))
    if param.kind == "choice":
        index = param.choices.index(value) if value in param.choices else 0
        return container.selectbox(label, param.choices, index=index, key=key, help=help_text)
    if param.kind == "bool":
        return container.checkbox(label, bool(value), key=key, help=help_text)
    if param.kind in ("int", "optional_int"):
        return container.number_input(label, value=value, step=1, key=key, help=help_text, format="%d")
    step = 0.05 if param.high is not None and param.high <= 1 else 0.1
    if param.name == "learning_rate":
        step = 0.0001
    return decimal_input(container, label, float(value), key, help_text, step)


def decimal_input(container, label: str, value: float, key: str, help_text: str | None = None,
                  step: float = 0.1) -> float:  # fmt: skip
    """A decimal number field that writes the decimal mark of the UI language.

    Streamlit's number input always writes a decimal point (0.001), so in Portuguese
    the field is a text input (``0,001``) read by ``lib.i18n.parse_decimal``; what cannot
    be read keeps the previous value and says why.
    """
    if lang() == "en":
        return container.number_input(label, value=value, step=step, key=key, help=help_text, format="%g")
    text = container.text_input(label, decimal_text(value, lang()), key=f"{key}.{lang()}", help=help_text)
    parsed = parse_decimal(text, lang())
    if parsed is None:
        container.error(tr("app.bad_decimal", text=text[:30], value=decimal_text(value, lang())))
        return value
    return parsed


def decimal_slider(container, label: str, low: float, high: float, value: float, step: float, key: str) -> float:
    """A slider over decimals whose labels use the UI language's decimal mark (Streamlit's: always a point)."""
    if lang() == "en":
        return container.slider(label, low, high, value, step, key=key)
    decimals = max(0, -int(f"{step:e}".split("e")[1]))
    options = [round(low + i * step, decimals) for i in range(round((high - low) / step) + 1)]
    start = min(options, key=lambda o: abs(o - value))
    language = lang()  # bound now: the label function may be called outside this script run
    return container.select_slider(label, options, start, key=f"{key}.{language}",
                                   format_func=lambda v: number(v, language, decimals))  # fmt: skip
