"""The five guided lessons: steps as data (text in pt-BR and English, code, the live part they embed).

A lesson is a list of :class:`Step`; the Lessons page renders one step at a time. Nothing here
imports Streamlit: the page maps each step's ``part`` to a page part (``app_pages/parts/lesson_parts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    """One step of a lesson.

    ``text`` is Markdown (``{"en": ..., "pt": ...}``); ``code`` the Keras lines it teaches,
    either literal or taken from the exported script of ``code_from`` (a ``(preset, block)``
    pair, see :mod:`lib.lessons.code`); ``part`` names the live part the step embeds, with
    ``params``; ``numbers`` are the figures the source lesson states, as ``(value, decimals)``
    (shown on the step in the page's language; the tests look for them), or as text (a year).
    """

    id: str
    title: dict[str, str]
    text: dict[str, str]
    part: str = "none"
    params: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    code_from: tuple[str, str] | None = None
    numbers: tuple[tuple[float, int] | str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    """A lesson: its number (1-5), title, one-line summary and steps."""

    number: int
    title: dict[str, str]
    summary: dict[str, str]
    steps: tuple[Step, ...]


def h(en: str, pt: str) -> dict[str, str]:
    """A bilingual text pair kept beside the data (read with :func:`lib.i18n.pick`)."""
    return {"en": en, "pt": pt}


def lessons() -> dict[int, Lesson]:
    """The five lessons by number."""
    from lib.lessons import lesson1, lesson2, lesson3, lesson4, lesson5

    return {m.LESSON.number: m.LESSON for m in (lesson1, lesson2, lesson3, lesson4, lesson5)}


def locate(lesson: object, step: object) -> tuple[int, int]:
    """``(lesson, step)`` from query-parameter values (1-based), clamped to what exists."""
    all_lessons = lessons()

    def _int(value: object, default: int) -> int:
        try:
            return int(str(value))
        except (TypeError, ValueError):
            return default

    number = min(max(_int(lesson, 1), 1), len(all_lessons))
    count = len(all_lessons[number].steps)
    return number, min(max(_int(step, 1), 1), count)
