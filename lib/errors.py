"""The one shape of a refusal the user reads: a code that keys the message, and its values.

Each part of the app raises its own subclass (``SpecError``, ``UploadError``, ...), so a page
catches what it expects; every one carries ``code`` (the catalog key's last part) and
``values`` (what the message fills in), and the page translates them.
"""

from __future__ import annotations

from typing import Any


class CodedError(ValueError):
    """A refusal with a translatable ``code`` and the ``values`` its message needs."""

    def __init__(self, code: str, **values: Any):
        super().__init__(f"{code}: {values}" if values else code)
        self.code = code
        self.values = values
