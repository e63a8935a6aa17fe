"""Lesson 2 (stub)."""

from lib.lessons import Lesson, h

LESSON = Lesson(2, h("L2", "L2"), h("", ""), ())
