"""Keep Python's garbage collector off the imported libraries.

TensorFlow and JAX leave about 450,000 objects that the collector tracks. A full
collection walks all of them: about 240 ms on our 2-core machines. Streamlit runs one after
every script run and fragment tick (``runner.postScriptGC``). With Keras imported, it also
calls ``keras.backend.clear_session()`` after every run, which collects a second time. So
each rerun of a page cost about half a second of CPU. With 10 students polling once a
second, the collector alone filled both cores (issue #26).

Those objects live as long as the process. :func:`freeze_imports` moves them out of the
collector's sight once they are imported (``gc.freeze``, made for this case), so a full
collection only walks what the pages made since.
"""

from __future__ import annotations

import gc
import threading

_LOCK = threading.Lock()


def freeze_imports() -> int:
    """Collect once, then exempt every object alive now from later collections; their count.

    Call it after the heavy imports (Keras and its backend). A later call freezes what
    was imported since (cheap: it is one collection of the objects not yet frozen).
    """
    with _LOCK:
        gc.collect()
        gc.freeze()
        return gc.get_freeze_count()
