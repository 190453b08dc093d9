"""Atomic writes: a file or a folder appears complete or not at all.

Every output of sim (results folders, the HTML report, the calibration files) is written to a
temporary sibling and renamed into place with `os.replace`, which is atomic within one file
system. A failed or interrupted write leaves the previous file or folder untouched and no
temporary behind. No fsync: the aim is no half-written output after an error, not durability
after a power cut.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

#: permissions of a written file [octal mode]; mkstemp makes 0600, outputs are meant to be shared.
FILE_MODE = 0o644


def atomic_file(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Create `path` by calling ``write(tmp)`` on a temporary sibling and renaming it into place.

    Args:
        path: the file to create or replace.
        write: writes the whole content to the path it is given (e.g. ``fig.savefig``).

    Returns:
        The path written.

    Raises:
        OSError: if the folder cannot be created or the file cannot be written or renamed; the
            temporary file is removed and an existing `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_folder(out: str | Path, fill: Callable[[Path], None]) -> Path:
    """Create `out` by filling a temporary sibling folder and renaming it into place.

    If `fill` raises, nothing is left behind. An existing `out` is replaced only after the new
    folder is complete.

    Args:
        out: the folder to create or replace.
        fill: writes every file of the folder into the (empty) folder it is given.

    Returns:
        The folder written.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fill(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
