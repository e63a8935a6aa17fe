"""A step's Keras lines taken from the script the app exports for a lesson network (same code, same values)."""

from __future__ import annotations

from functools import cache

from lib.data import datasets
from lib.model.analysis import analyse
from lib.model.codegen import export_script
from lib.model.presets import PRESETS

# Where each block of the exported script begins and ends (first line containing the start,
# up to and including the first later line containing the end).
BLOCKS = {
    "model": ("def build_model", "return "),
    "compile": ("model.compile(", ")"),
    "fit": ("model.fit(", ")"),
    "summary": ("model.summary()", "model.summary()"),
}


@cache
def exported(preset_id: str) -> str:
    """The whole script the Architecture page exports for ``preset_id`` with its lesson settings."""
    preset = PRESETS[preset_id]
    info = datasets.REGISTRY[preset.dataset]
    spec = preset.spec(info.input_shape)
    target = preset.target(info.num_classes)
    return export_script(spec, analyse(spec, target), preset.dataset, target, preset.settings())


def excerpt(preset_id: str, block: str) -> str:
    """The lines of one block (``model``, ``compile``, ``fit``, ``summary``) of the exported script, dedented."""
    start, end = BLOCKS[block]
    lines = exported(preset_id).splitlines()
    first = next(i for i, line in enumerate(lines) if start in line)
    last = next(i for i in range(first, len(lines)) if _ends(lines[i], end) and (i > first or start == end))
    chosen = lines[first : last + 1]
    indent = min(len(line) - len(line.lstrip()) for line in chosen if line.strip())
    return "\n".join(line[indent:] for line in chosen)


def _ends(line: str, end: str) -> bool:
    return line.strip() == end if end == ")" else end in line


def step_code(step) -> str:
    """The code a step shows: its exported block (``code_from``) then its literal ``code``."""
    parts = [excerpt(*step.code_from)] if step.code_from else []
    if step.code:
        parts.append(step.code)
    return "\n\n".join(parts)
