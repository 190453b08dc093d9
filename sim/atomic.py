"""Atomic writes: a file or a folder appears complete or not at all.

Every output of sim (results folders, the HTML report, the calibration files) is written to a
temporary sibling and renamed into place with `os.replace`, which is atomic within one file
system. A failed or interrupted write leaves the previous file or folder untouched and no
temporary behind. No fsync: the aim is no half-written output after an error, not durability
after a power cut.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sim.errors import OutputError

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


def is_results_folder(path: str | Path) -> bool:
    """Whether `path` is a folder sim wrote: it holds the manifest.json every results folder has.

    The manifest must be a JSON object naming a ``sim`` command and the library versions.
    """
    manifest = Path(path) / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and str(data.get("command", "")).startswith("sim ")
        and isinstance(data.get("versions"), dict)
    )


def check_out(out: str | Path, option: str = "--out") -> Path:
    """Refuse an output folder that exists and is not a sim results folder (nothing is touched).

    A new path, or an existing results folder (which the command replaces whole once its new
    results are complete), is fine.

    Raises:
        OutputError: one line naming the path and the fix.
    """
    out = Path(out)
    if out.exists() and not (out.is_dir() and is_results_folder(out)):
        kind = "a folder sim did not write" if out.is_dir() else "a file"
        raise OutputError(
            f"{option} {out}: it is {kind}, and writing results there would replace it "
            "(fix: name a new folder, or an existing sim results folder)"
        )
    return out


def atomic_folder(out: str | Path, fill: Callable[[Path], None]) -> Path:
    """Create `out` by filling a temporary sibling folder and renaming it into place.

    If `fill` raises, nothing is left behind. An existing `out` is replaced only after the new
    folder is complete, and only if it is a sim results folder (`check_out`): any other folder
    or file is refused before anything is written.

    Args:
        out: the folder to create or replace.
        fill: writes every file of the folder into the (empty) folder it is given.

    Returns:
        The folder written.
    """
    out = check_out(out)
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
