"""Lesson 4 (stub)."""

from lib.lessons import Lesson, h

LESSON = Lesson(4, h("L4", "L4"), h("", ""), ())
