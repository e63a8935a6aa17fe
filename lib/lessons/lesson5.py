"""Lesson 5 (stub)."""

from lib.lessons import Lesson, h

LESSON = Lesson(5, h("L5", "L5"), h("", ""), ())
