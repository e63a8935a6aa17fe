"""Values kept across pages in ``st.session_state`` and the widgets bound to them.

Streamlit forgets a widget's value when a page without that widget runs, so each value
lives under a plain key and its widget (``widget.<key>``) copies changes into it.
"""

from __future__ import annotations

import streamlit as st


def _copy_widget(widget_key: str, key: str) -> None:
    if widget_key == widget_key_of(key):  # not a replaced widget the browser still reports (see switch_value)
        st.session_state[key] = st.session_state[widget_key]


def bind(key: str, default: object, options: list | None = None) -> dict:
    """Widget keyword arguments that keep its value in ``st.session_state[key]``.

    Streamlit forgets a widget's value when a page without that widget runs, so the value
    lives under a plain key and the widget (``widget.<key>``) copies changes into it. The
    widget's own default (``index``/``value``) is the stored value: the browser may report
    a widget's default back, so that default must never be a different choice.
    """
    value = st.session_state.setdefault(key, default)
    widget = widget_key_of(key)
    kwargs = {"key": widget, "on_change": _copy_widget, "args": (widget, key)}
    if options is not None:
        kwargs["index"] = options.index(value) if value in options else 0
    else:
        kwargs["value"] = value
    return kwargs


def widget_key_of(key: str) -> str:
    """The key of the widget bound to ``key`` (renewed by :func:`switch_value`)."""
    generation = st.session_state.get(f"{key}.gen", 0)
    return f"widget.{key}" + (f".{generation}" if generation else "")


def switch_value(key: str, value: object) -> None:
    """Set a value kept by :func:`bind` from anywhere, its widget drawn anew under a new key.

    :func:`set_value` works in callbacks, before the widget is drawn. Set later (in a
    fragment's run), the browser would keep showing the old choice in the widget it has
    and send it back on the next click; a widget with a new key starts from the value, and
    what the browser still sends for the old one is ignored.
    """
    st.session_state[key] = value
    st.session_state[f"{key}.gen"] = st.session_state.get(f"{key}.gen", 0) + 1


def _copy_percent(widget_key: str, key: str) -> None:
    if widget_key in st.session_state:  # (not when its value was just reset by set_value)
        st.session_state[key] = st.session_state[widget_key] / 100


def fraction_slider(where, label: str, key: str, default: float, help_text: str = "") -> float:
    """A 0-0.5 fraction kept in ``st.session_state[key]``, shown as whole percents.

    Percents need no decimal mark, so the slider reads the same in every language
    (Streamlit's slider writes "0.20" whatever the UI language).
    """
    value = st.session_state.setdefault(key, default)
    where.slider(label, 0, 50, round(value * 100), step=5, format="%d%%", help=help_text or None,
                 key=f"widget.{key}", on_change=_copy_percent, args=(f"widget.{key}", key))  # fmt: skip
    return st.session_state[key]


def set_value(key: str, value: object) -> None:
    """Set a value kept by :func:`bind`; its widget is rebuilt from it on the next run."""
    st.session_state[key] = value
    st.session_state.pop(widget_key_of(key), None)
