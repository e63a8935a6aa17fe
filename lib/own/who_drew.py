"""The lesson on generalisation with the class's own drawings: split by who drew, beside a random split.

The same lesson network, with the same settings and seed, is trained twice on one
collection's samples: once tested on a random share of them (stratified), once tested on
every drawing of students it never saw. The gap between the two test accuracies is how much
the random split flattered the model: drawings of one person resemble each other, so a
random split tests partly on people the model has already seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.own import sample_store
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore

SPLITS = ("random", "by_author")


def configs(collection_id: str) -> dict[str, RunConfig]:
    """The two runs' configs (``random`` and ``by_author``), their datasets made first.

    Raises:
        SampleError: a class is short of samples, or fewer than two students drew.
        LookupError: no lesson network fits the collection's pictures.

    """
    from lib.train.training import lesson_config

    out = {}
    for split in SPLITS:
        config = lesson_config(sample_store.build_dataset(collection_id, split=split))
        if config is None:
            raise LookupError("no lesson network fits")
        out[split] = config
    return out


@dataclass
class Outcome:
    """The two runs' test accuracies once both ended (None while one trains or failed)."""

    accuracy: dict[str, float | None]
    test_authors: list[str]

    @property
    def gap(self) -> float | None:
        """How much higher the random split's test accuracy is (in accuracy points, 0-1)."""
        random, by_author = self.accuracy.get("random"), self.accuracy.get("by_author")
        return None if random is None or by_author is None else random - by_author


def outcome(store: RunStore, runs: dict[str, str]) -> Outcome:
    """Test accuracy of each finished run, and who was held out."""
    from lib.data import own_store
    from lib.train.evaluation import evaluate

    accuracy: dict[str, float | None] = {}
    for split, run_id in runs.items():
        done = store.exists(run_id) and store.status(run_id).state == "done" and store.best_model_path(run_id)
        accuracy[split] = float(evaluate(store, run_id)["accuracy"]) if done else None
    held: list[str] = []
    if "by_author" in runs and store.exists(runs["by_author"]):
        info = own_store.read_info(store.config(runs["by_author"]).dataset) or {}
        held = list(info.get("upload", {}).get("made", {}).get("test_authors", []))
    return Outcome(accuracy, held)
