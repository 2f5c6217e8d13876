"""Publishing command outputs all at once, never over a user's file without ``--force``.

Why: an export writes several things (a JSON-LD file and a folder of tables; a card and its
Parquet files). Written in place, a failure halfway leaves a mix of old and new files and
``*.tmp`` debris, and a second run silently replaces a README.md the user edited. So every
output is first written into a hidden staging folder beside its destination; only when all of
them are complete are they moved into place (one ``os.replace`` each, atomic on one file
system), and on any failure the staging folder is removed. Existing destinations are refused
with :class:`OutputExistsError` unless ``force`` is true, and this is checked before any work.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputExistsError


def check_free(directory: Path, names: Sequence[str], *, force: bool) -> None:
    """Raise :class:`OutputExistsError` naming every ``directory/<name>`` that exists."""
    if directory.exists() and not directory.is_dir():
        raise OutputExistsError(f"{directory} exists and is not a folder; choose another --out")
    taken = [directory / name for name in names if (directory / name).exists()]
    if taken and not force:
        listed = ", ".join(str(path) for path in taken)
        raise OutputExistsError(
            f"{listed} already exist{'s' if len(taken) == 1 else ''}; nothing was written. "
            "Pass --force to replace, or choose another --out."
        )


@contextmanager
def staged_outputs(directory: Path, names: Sequence[str], *, force: bool) -> Iterator[Path]:
    """A staging folder to write ``names`` into; on success they replace ``directory/<name>``.

    Only the listed names are published: anything else written to the staging folder is
    discarded with it. A name missing from the staging folder is left alone at the destination.
    """
    check_free(directory, names, force=force)
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".mer-datasets-out-", dir=directory))
    try:
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if created:
                with contextlib.suppress(OSError):
                    directory.rmdir()  # only if still empty
            raise
        for name in names:
            source = staging / name
            if not source.exists():
                continue
            target = directory / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif source.is_dir() and target.exists():
                target.unlink()
            os.replace(source, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
