"""Class codes: a short code (and its QR code) that brings a class onto the teacher's setup.

The teacher publishes their setup (the address's ``setup`` token, the page and the
language) under a code of six letters and digits that cannot be misread (no 0/O, 1/I/L);
a student types the code, or scans the QR code of the join address, and lands on that
page with that setup. A teacher keeps one code while they publish new setups, so a class
that joined can join again; codes are forgotten after ``CODE_KEEP_S``.

The join address is built from the server's public address, never ``localhost`` when a
better one is known: the one the teacher set, else the address the browser used (on
Community Cloud, the app's URL), else the ``Host`` a proxy passed on.
"""

from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lib.train.runstore import read_json, runs_dir, write_json

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a wall, typed on a laptop
CODE_LENGTH = 6
CODE_KEEP_S = 12 * 3600.0
PARAM = "class"
FOLDER = ".classes"  # beside the runs (not a run: its name is not alphanumeric)
ADDRESS_FILE = "public-address.json"  # the public address a teacher set (not a code: the name has a dash)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]")
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """A random class code, e.g. ``K7MX3P``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(text: Any) -> str | None:
    """What a student typed as a code (any case, spaces and dashes ignored), or None."""
    if not isinstance(text, str):
        return None
    code = re.sub(r"[\s\-·.]", "", text).upper()
    return code if _CODE.fullmatch(code) else None


def spaced(code: str) -> str:
    """A code as it is shown on a wall: ``K7M X3P``."""
    return f"{code[:3]} {code[3:]}"


def is_local(url: str) -> bool:
    """True for an address only this machine can open (``localhost``, ``127.0.0.1``)."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    return host in _LOCAL_HOSTS or host.startswith("127.")


def clean_base(text: Any) -> str | None:
    """A public address the teacher typed (``http(s)://host[:port][/path]``), without query, or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    if "//" not in text:
        text = f"http://{text}"
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"[\w.\-\[\]:]+", parts.netloc) or len(text) > 300:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def public_base(
    configured: str | None, page_url: str | None, headers: dict[str, str] | None = None, page_path: str = ""
) -> str:
    """The address students reach this server at, best first: set by the teacher, the page's, a proxy's.

    ``page_url`` is the address the browser used (``st.context.url``), on the page whose
    URL path is ``page_path`` (taken off: the app's root is wanted); ``headers`` the
    request's (``X-Forwarded-Host``/``Host``). ``localhost`` only when nothing better is known.
    """
    if configured and (base := clean_base(configured)):
        return base
    page = clean_base((page_url or "").split("?")[0]) or ""
    if page_path and page.endswith(f"/{page_path}"):
        page = page[: -len(page_path) - 1]
    if page and not is_local(page):
        return page
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    for name in ("x-forwarded-host", "host"):
        host = (headers.get(name) or "").split(",")[0].strip()
        if host and not is_local(host):
            scheme = (headers.get("x-forwarded-proto") or urlsplit(page).scheme or "http").split(",")[0].strip()
            return f"{scheme}://{host}"
    return page or "http://localhost:8501"


def join_url(base: str, code: str, lang: str) -> str:
    """The address a QR code carries: the app's root with the class code and the language."""
    return f"{base.rstrip('/')}/?{PARAM}={code}&lang={lang}"


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of ``text`` as PNG bytes (error correction M, a quiet zone phones read)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=3)
    return out.getvalue()


class ClassBoard:
    """The published class setups, one JSON file per code under the runs folder."""

    def __init__(self, root: Path | None = None):
        self.root = (root or runs_dir()) / FOLDER

    def _path(self, code: str) -> Path:
        if not _CODE.fullmatch(code):
            raise ValueError(f"Not a class code: {code!r}")
        return self.root / f"{code}.json"

    def _entries(self) -> dict[str, dict[str, Any]]:
        out = {}
        try:
            files = list(self.root.glob("*.json"))
        except OSError:
            return {}
        for path in files:
            entry = read_json(path)
            if not (isinstance(entry, dict) and _CODE.fullmatch(path.stem)):
                continue
            if time.time() - float(entry.get("updated", 0) or 0) > CODE_KEEP_S:
                path.unlink(missing_ok=True)
                continue
            out[path.stem] = entry
        return out

    def code_of(self, by: str) -> str | None:
        """The code ``by`` (a teacher's nickname) published last, while it is kept."""
        mine = [(e.get("updated", 0), c) for c, e in self._entries().items() if e.get("by") == by]
        return max(mine)[1] if mine else None

    def publish(self, by: str, setup: str, page: str, lang: str) -> str:
        """Publish ``setup`` (an address token) on ``page``; returns ``by``'s code (kept across publishes)."""
        taken = self._entries()
        code = self.code_of(by)
        while code is None or (code in taken and taken[code].get("by") != by):
            code = new_code()
        write_json(self._path(code), {"by": by, "setup": setup, "page": page, "lang": lang, "updated": time.time()})
        return code

    def lookup(self, code: str) -> dict[str, Any] | None:
        """What ``code`` carries (``by``, ``setup``, ``page``, ``lang``), or None when no class has it."""
        entry = self._entries().get(code)
        if entry is None or not all(isinstance(entry.get(k), str) for k in ("setup", "page")):
            return None
        return entry

    def public_address(self) -> str:
        """The public address a teacher set for this server ("" when none)."""
        entry = read_json(self.root / ADDRESS_FILE, {})
        return str(entry.get("base", "")) if isinstance(entry, dict) else ""

    def set_public_address(self, base: str) -> None:
        """Remember the server's public address (checked by :func:`clean_base`; "" forgets it)."""
        write_json(self.root / ADDRESS_FILE, {"base": base})
