"""lib/heap.py: what is alive when the heavy imports are done leaves the collector's walks."""

from __future__ import annotations

import gc

from lib import heap


def test_objects_alive_at_the_freeze_are_not_walked_and_later_ones_are():
    before = [[] for _ in range(1000)]  # container objects the collector tracks
    # (This test process is left frozen, as the app's warm-up leaves it: unfreezing would undo that.)
    assert heap.freeze_imports() >= 1000
    walked = {id(o) for o in gc.get_objects()}
    assert not any(id(o) in walked for o in before)  # a full collection no longer walks them
    after = [[] for _ in range(10)]
    walked = {id(o) for o in gc.get_objects()}
    assert all(id(o) in walked for o in after)  # what the pages make later is still collected
