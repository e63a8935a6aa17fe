"""Lesson 3 (stub)."""

from lib.lessons import Lesson, h

LESSON = Lesson(3, h("L3", "L3"), h("", ""), ())
