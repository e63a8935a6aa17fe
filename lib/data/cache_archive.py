"""A school's prepared Keras cache: fill it on a connected machine, carry it as one archive.

``export`` (on a machine with network) downloads every ``keras.datasets`` dataset and the
pretrained ``keras.applications`` weights the transfer demo uses into the Keras cache, then
packs ``datasets/`` and ``models/`` of ``$KERAS_HOME`` into one ``.tar.gz``. ``import`` (on
the offline machine) unpacks it into ``$KERAS_HOME``, refusing anything that is not a
plain file under those two folders. Run it through ``scripts/keras_cache.sh``.

An import is all or nothing: the archive is unpacked into a temporary folder inside
``$KERAS_HOME`` and its files move into place only once the whole archive has been read. It
never follows a link: a link already inside ``$KERAS_HOME`` on the way to a file (say
``datasets`` pointing elsewhere) refuses the archive before anything is written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from lib.data import keras_cache

FOLDERS = ("datasets", "models")
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 8 * 2**30  # every keras.datasets dataset and the weights are about 1 GB


class ArchiveError(ValueError):
    """An archive was refused; ``written`` files had been moved into place (0: nothing was written)."""

    def __init__(self, message: str, written: int = 0):
        super().__init__(message)
        self.written = written


def fill_cache() -> list[str]:
    """Download every registry dataset and the transfer demo's pretrained weights (needs network)."""
    from lib.data import datasets
    from lib.demos import pretrained

    done = []
    for name in datasets.REGISTRY:
        datasets.load(name)
        done.append(name)
    pretrained.download_weights()
    return [*done, pretrained.WEIGHTS_FILE]


def export_archive(destination: Path) -> Path:
    """Pack the Keras cache's ``datasets/`` and ``models/`` into ``destination`` (a .tar.gz)."""
    home = keras_cache.keras_home()
    with tarfile.open(destination, "w:gz") as archive:
        for folder in FOLDERS:
            if (home / folder).is_dir():
                archive.add(home / folder, arcname=folder)
    return destination


def _checked(members: list[tarfile.TarInfo]) -> list[tarfile.TarInfo]:
    """The members, if every one is a plain file or folder inside ``datasets/`` or ``models/``."""
    if len(members) > MAX_MEMBERS:
        raise ArchiveError(f"more than {MAX_MEMBERS} files")
    if sum(m.size for m in members) > MAX_TOTAL_BYTES:
        raise ArchiveError(f"more than {MAX_TOTAL_BYTES // 2**30} GB unpacked")
    for member in members:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not path.parts or path.parts[0] not in FOLDERS:
            raise ArchiveError(f"{member.name!r} is outside datasets/ and models/")
        if not (member.isfile() or member.isdir()):
            raise ArchiveError(f"{member.name!r} is a link or a device, not a file")
    return members


def _no_link_on_the_way(home: Path, name: str) -> None:
    """Refuse when a link sits inside ``home`` on the way to ``name`` (writing there would leave ``home``)."""
    path = home
    for part in PurePosixPath(name).parts:
        path = path / part
        if path.is_symlink():
            raise ArchiveError(f"{path} is a link inside the Keras cache; remove it first (nothing is followed)")


def import_archive(source: Path) -> int:
    """Unpack a prepared cache into ``$KERAS_HOME``, all or nothing; returns the number of files.

    Raises:
        ArchiveError: not a tar archive, or a member outside the two folders, a link (in the
            archive, or already in the cache on a member's way), too much, or a failure while
            reading it (then nothing was written) or while moving files into place
            (``written`` says how many had moved).
    """
    home = keras_cache.keras_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=home))
    except OSError as exc:
        raise ArchiveError(f"cannot write to {home}: {exc}") from exc
    try:
        try:
            with tarfile.open(source, "r:*") as archive:
                members = _checked(archive.getmembers())
                for member in members:
                    _no_link_on_the_way(home, member.name)
                for member in members:
                    archive.extract(member, staging, set_attrs=False, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ArchiveError(f"not a readable archive: {exc}") from exc
        return _move_into_place(staging, home, [m.name for m in members if m.isfile()])
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(staging: Path, home: Path, names: list[str]) -> int:
    written = 0
    for name in names:
        try:
            _no_link_on_the_way(home, name)
            target = home / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)  # a file replaces a file (a link at the very end: the link)
        except ArchiveError as err:
            raise ArchiveError(str(err), written) from err
        except OSError as exc:
            raise ArchiveError(f"could not write {name}: {exc}", written) from exc
        written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    """``export FILE`` (fill the cache, then pack it) or ``import FILE``."""
    parser = argparse.ArgumentParser(prog="scripts/keras_cache.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("export", "import"))
    parser.add_argument("archive", type=Path)
    parser.add_argument("--no-download", action="store_true", help="export: pack what is cached, download nothing")
    args = parser.parse_args(argv)
    if args.action == "import":
        try:
            count = import_archive(args.archive)
        except ArchiveError as err:
            done = "Nothing was written." if not err.written else f"{err.written} files had been written before it."
            print(f"Refused {args.archive}: {err}. {done}", file=sys.stderr)
            return 1
        print(f"{count} files now in {keras_cache.keras_home()}")
        return 0
    if not args.no_download:
        print("Downloaded:", ", ".join(fill_cache()))
    print(f"Wrote {export_archive(args.archive)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
