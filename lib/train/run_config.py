"""A run's configuration as one typed, frozen object: :class:`RunConfig`.

Everything that decides a run's result: the model spec, the dataset and how it is split,
the target, the compile and fit settings, the backend, and the keys that tie a run to
others or to a person (``continues``, ``init_from``, ``owner``) or make it an experiment
(``classes``, ``fold``, ``imbalance``, ``pixels``), plus what the demos' own job kinds add
(``points``, ``latent``, ``weights``).

On disk (``config.json``), in a share link and in the run id's hash the config is its
JSON form, :meth:`RunConfig.to_dict`; everywhere else it is this object. The JSON form is
exactly what the code before this type wrote: a key is written when the source had it or
its value differs from its default, so a config read from any run folder writes back the
same dict and hashes to the same run id (``tests/test_run_config.py`` holds real folders).
Keys no code reads are kept aside (``extra``) for the same reason: they named the run.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lib.data import datasets
from lib.model.analysis import Target
from lib.model.spec import ModelSpec, from_dict
from lib.model.train_config import CompileSettings, FitSettings, TrainSettings

DEFAULT_KIND = "fit"


@dataclass(frozen=True)
class Continues:
    """A continued run's parent and the epoch it starts from."""

    run: str
    epoch: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"run": self.run, "epoch": self.epoch}


@dataclass(frozen=True)
class InitFrom:
    """Another run whose layers start this one (transfer): its id, the layer ids, frozen or not."""

    run: str
    layers: tuple[str, ...]
    freeze: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"run": self.run, "layers": list(self.layers), "freeze": self.freeze}


@dataclass(frozen=True)
class Fold:
    """Fold ``index`` of a ``k``-fold cross-validation is held out to validate on."""

    k: int
    index: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"k": self.k, "index": self.index}


@dataclass(frozen=True)
class Imbalance:
    """Fewer training samples of some classes, on purpose, and how the rare ones are oversampled."""

    classes: tuple[int, ...]
    keep: float
    oversample: str | None = None  # None: the key is absent (no oversampling)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``oversample`` only when set)."""
        out: dict[str, Any] = {"classes": list(self.classes), "keep": self.keep}
        if self.oversample is not None:
            out["oversample"] = self.oversample
        return out


def _continues(value: Any) -> Continues | None:
    return Continues(value["run"], value["epoch"]) if _has(value, {"run", "epoch"}) else None


def _init_from(value: Any) -> InitFrom | None:
    if not _has(value, {"run", "layers", "freeze"}) or not isinstance(value["layers"], list):
        return None
    return InitFrom(value["run"], tuple(value["layers"]), value["freeze"])


def _fold(value: Any) -> Fold | None:
    return Fold(value["k"], value["index"]) if _has(value, {"k", "index"}) else None


def _imbalance(value: Any) -> Imbalance | None:
    if not isinstance(value, dict) or not {"classes", "keep"} <= set(value) <= {"classes", "keep", "oversample"}:
        return None
    if not isinstance(value["classes"], list):
        return None
    return Imbalance(tuple(value["classes"]), value["keep"], value.get("oversample"))


def _classes(value: Any) -> tuple[int, ...] | None:
    return tuple(value) if isinstance(value, list) else None


def _has(value: Any, keys: set[str]) -> bool:
    return isinstance(value, dict) and set(value) == keys


# Optional parts: a key is written only when set. Each reads its JSON value (None: unreadable,
# then the raw value is kept in ``extra`` so the run's name does not change).
_PARTS: dict[str, Any] = {
    "continues": _continues,
    "init_from": _init_from,
    "fold": _fold,
    "imbalance": _imbalance,
    "classes": _classes,
}
# The keys ``make_config`` writes: a config built here (not read) writes them even at their default.
STANDARD_KEYS = frozenset({"version", "spec", "dataset", "train_samples", "target", "settings", "backend"})
# The GAN, the pretrained demo and an imported model never named a backend: theirs stays unwritten.
NO_BACKEND_KEYS = STANDARD_KEYS - {"backend"}


@dataclass(frozen=True)
class RunConfig:
    """What decides a run's result; its JSON form (:meth:`to_dict`) names the run.

    Attributes:
        spec: the model spec's JSON form (``lib.model.spec``); a demo kind may name only its model.
        dataset: the dataset's registry name.
        train_samples: training samples kept (0: all).
        target: ``classes``, ``value``, ``input`` (an autoencoder) or a demo kind's own (``gan``).
        settings: compile and fit settings.
        backend: the Keras backend asked for (``auto``, ``tensorflow``, ``jax``).
        kind: the job kind that trains it (``lib.train.kinds``).
        version: the config format's version.
        owner: a personal copy's owner (a nickname), else None.
        continues: the parent of a continued run, else None.
        init_from: the run whose layers start this one (transfer), else None.
        classes: the dataset classes kept, in label order (None: all).
        fold: the cross-validation fold held out, else None.
        imbalance: imbalanced classes on purpose, else None.
        pixels: ``raw`` for the normalisation lesson's undivided pixels, else None.
        points: the playground's 2-D points (``lib.demos.playground``), else None.
        latent: the GAN's latent size, else None.
        weights: the hash of weights loaded into the model (``lib.train.weights``), else None.
        imported: the hash of an imported ``.keras`` model (``lib.train.model_import``), else None.
        extra: keys no code reads (older or hand-made configs), kept so the run keeps its name.
        written: keys written even at their default (those its source had; a new config's standard ones).
    """

    spec: dict[str, Any] = field(default_factory=dict)
    dataset: str = ""
    train_samples: int = 0
    target: str = "classes"
    settings: TrainSettings = field(default_factory=TrainSettings)
    backend: str = "auto"
    kind: str = DEFAULT_KIND
    version: int = 1
    owner: str | None = None
    continues: Continues | None = None
    init_from: InitFrom | None = None
    classes: tuple[int, ...] | None = None
    fold: Fold | None = None
    imbalance: Imbalance | None = None
    pixels: str | None = None
    points: dict[str, Any] | None = None
    latent: int | None = None
    weights: str | None = None
    imported: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()
    written: frozenset[str] = STANDARD_KEYS

    # -- JSON form (disk, share links, the hash, Ray transport) ---------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, exactly as the dict-era code wrote it (a fresh copy, safe to change)."""
        # Set-aside keys first: a field set since (a config changed) writes over its old value.
        out: dict[str, Any] = {key: copy.deepcopy(value) for key, value in self.extra}
        for f in dataclasses.fields(self):
            if f.name in ("extra", "written"):
                continue
            value = getattr(self, f.name)
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            if value is None or (value == default and f.name not in self.written):
                continue  # an unset part, or a default its source did not name
            out[f.name] = _json(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        """Read a config's JSON form from any run folder: unknown keys set aside, missing ones defaulted."""
        data = data if isinstance(data, Mapping) else {}
        names = {f.name for f in dataclasses.fields(cls)} - {"extra", "written"}
        values: dict[str, Any] = {}
        extra: list[tuple[str, Any]] = []
        for key, raw in data.items():
            if key not in names or raw is None:
                extra.append((key, copy.deepcopy(raw)))  # read by no code (a null reads as unset)
            elif key == "settings" and not isinstance(raw, dict):
                extra.append((key, copy.deepcopy(raw)))  # unreadable: kept as it was, defaults used
            elif key == "settings":
                values[key] = TrainSettings.from_dict(raw)
            elif key in _PARTS:
                part = _PARTS[key](raw)
                if part is None:
                    extra.append((key, copy.deepcopy(raw)))  # unreadable: kept as it was, unused
                values[key] = part
            else:
                values[key] = copy.deepcopy(raw)
        written = frozenset(k for k, v in data.items() if k in names and v is not None and (k, v) not in extra)
        return cls(**values, extra=tuple(extra), written=written)

    # -- reading ------------------------------------------------------------------------------

    @property
    def fit(self) -> FitSettings:
        """The fit settings (``settings.fit``)."""
        return self.settings.fit

    @property
    def compile(self) -> CompileSettings:
        """The compile settings (``settings.compile``)."""
        return self.settings.compile

    @property
    def model_name(self) -> str:
        """The spec's name (a lesson network's preset id), or ``?``."""
        return str(self.spec.get("name", "?")) if isinstance(self.spec, dict) else "?"

    def model_spec(self) -> ModelSpec:
        """The model spec, parsed (raises ``SpecError`` for a demo kind's name-only spec)."""
        return from_dict(self.spec)

    def class_ids(self) -> list[int]:
        """The dataset classes the run uses, in label order (a run may keep only some classes)."""
        return list(self.classes or range(datasets.REGISTRY[self.dataset].num_classes))

    def run_target(self) -> Target:
        """What the run's model outputs (scores for its classes, a value, or the input)."""
        return Target(self.target, len(self.class_ids()))

    # -- changing (a new config: a new run) -------------------------------------------------

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with ``changes`` (field names and values)."""
        return dataclasses.replace(self, **changes)

    def with_fit(self, **changes: Any) -> RunConfig:
        """A copy with fit settings changed (``with_fit(epochs=3)``)."""
        return self.replace(settings=self.settings.with_fit(**changes))

    def with_compile(self, **changes: Any) -> RunConfig:
        """A copy with compile settings changed."""
        return self.replace(settings=self.settings.with_compile(**changes))


def _json(value: Any) -> Any:
    """A field's JSON form (a fresh copy)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple):
        return list(value)
    return copy.deepcopy(value)


def as_run_config(config: RunConfig | Mapping[str, Any]) -> RunConfig:
    """``config`` as a :class:`RunConfig` (a JSON form from a link, an import or a test is read)."""
    return config if isinstance(config, RunConfig) else RunConfig.from_dict(config)
