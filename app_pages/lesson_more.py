"""The live parts of lessons 2-5, mostly the Demos and Experiments pages' own parts (added to ``PARTS``)."""

from __future__ import annotations

from app_pages.lesson_parts import PARTS

PARTS.update({})
