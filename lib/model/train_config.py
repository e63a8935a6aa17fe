"""Compile and fit settings: frozen dataclasses that round-trip through JSON.

Frozen because they are part of a run's config (``lib/train/run_config.py``), whose JSON
form names the run: a changed setting is a new object (:meth:`TrainSettings.with_fit`), so no
config changes under a run that was already named by it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CompileSettings:
    """``model.compile`` arguments by registry name (its dict and list are not to be changed in place)."""

    optimizer: str = "Adam"
    optimizer_params: dict[str, Any] = field(default_factory=lambda: {"learning_rate": 0.001})
    loss: str = "sparse_categorical_crossentropy"
    metrics: list[str] = field(default_factory=lambda: ["accuracy"])


@dataclass(frozen=True)
class FitSettings:
    """``model.fit`` arguments and callbacks."""

    epochs: int = 5
    batch_size: int = 128
    validation_split: float = 0.2
    shuffle: bool = True
    seed: int = 0
    early_stopping: bool = False
    patience: int = 3
    reduce_lr: bool = False
    validation: str = "split"  # "split" (validation_split) or "held_out" (a stratified validation_data)
    test_fraction: float = 0.0  # 0: the dataset's own test set; else train+test pooled and split again
    class_weight: str = "none"  # "none", or "balanced": each class weighted by n / (classes × its count)


# Settings added after runs were first named: left out of a config at their default, so the
# runs trained before them keep their names (their hashes) and stay cached.
_LATER_DEFAULTS = {"validation": "split", "test_fraction": 0.0, "class_weight": "none"}


@dataclass(frozen=True)
class TrainSettings:
    """Everything besides the model and data that decides a run's result."""

    compile: CompileSettings = field(default_factory=CompileSettings)
    fit: FitSettings = field(default_factory=FitSettings)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (later settings only when they differ from their default)."""
        data = asdict(self)
        for key, default in _LATER_DEFAULTS.items():
            if data["fit"][key] == default:
                del data["fit"][key]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainSettings:
        """Inverse of :meth:`to_dict` (unknown keys are ignored, missing ones defaulted)."""
        c, f = data.get("compile"), data.get("fit")
        c, f = c if isinstance(c, dict) else {}, f if isinstance(f, dict) else {}
        known_c = {k: v for k, v in c.items() if k in CompileSettings.__dataclass_fields__}
        known_f = {k: v for k, v in f.items() if k in FitSettings.__dataclass_fields__}
        return cls(CompileSettings(**known_c), FitSettings(**known_f))

    def with_fit(self, **changes: Any) -> TrainSettings:
        """These settings with fit settings changed (``with_fit(epochs=3)``)."""
        return dataclasses.replace(self, fit=dataclasses.replace(self.fit, **changes))

    def with_compile(self, **changes: Any) -> TrainSettings:
        """These settings with compile settings changed (``with_compile(loss="mse")``)."""
        return dataclasses.replace(self, compile=dataclasses.replace(self.compile, **changes))
