"""A school's prepared Keras cache: fill it on a connected machine, carry it as one archive.

``export`` (on a machine with network) downloads every ``keras.datasets`` dataset and the
pretrained ``keras.applications`` weights the transfer demo uses into the Keras cache, then
packs ``datasets/`` and ``models/`` of ``$KERAS_HOME`` into one ``.tar.gz``. ``import`` (on
the offline machine) unpacks it into ``$KERAS_HOME``, refusing anything that is not a
plain file under those two folders. Run it through ``scripts/keras_cache.sh``.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
from pathlib import Path, PurePosixPath

from lib.data import keras_cache

FOLDERS = ("datasets", "models")
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 8 * 2**30  # every keras.datasets dataset and the weights are about 1 GB


class ArchiveError(ValueError):
    """An archive was refused (nothing was written)."""


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


def import_archive(source: Path) -> int:
    """Unpack a prepared cache into ``$KERAS_HOME``; returns the number of files.

    Raises:
        ArchiveError: not a tar archive, or a member outside the two folders, a link, or too much.
    """
    home = keras_cache.keras_home()
    try:
        with tarfile.open(source, "r:*") as archive:
            members = _checked(archive.getmembers())
            for member in members:
                archive.extract(member, home, set_attrs=False)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"not a readable archive: {exc}") from exc
    return sum(1 for m in members if m.isfile())


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
            print(f"Refused {args.archive}: {err}. Nothing was written.", file=sys.stderr)
            return 1
        print(f"{count} files now in {keras_cache.keras_home()}")
        return 0
    if not args.no_download:
        print("Downloaded:", ", ".join(fill_cache()))
    print(f"Wrote {export_archive(args.archive)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
