"""Atomic writes: a file or a folder appears complete or not at all.

Every output of sim (results folders, the HTML report, the calibration files) is written to a
temporary sibling and renamed into place with `os.replace`, which is atomic within one file
system. A failed or interrupted write leaves the previous file or folder untouched and no
temporary behind. No fsync: the aim is no half-written output after an error, not durability
after a power cut.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sim.errors import OutputError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: the user's umask, read once: mkstemp and mkdtemp make 0600/0700, outputs follow the umask.
UMASK = _umask()
#: permissions of a written file and folder [octal mode]
FILE_MODE = 0o666 & ~UMASK
DIR_MODE = 0o777 & ~UMASK
#: output folders this process holds the lock of (so atomic_folder inside a command that
#: already claimed its --out does not lock itself out)
_HELD: set[Path] = set()


def shown(path: str | Path) -> str:
    """A path as it can be printed: bytes that are not UTF-8 shown as escapes."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


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
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(
            f"{shown(path)}: cannot write: {exc.strerror or exc} (fix: check the free space and "
            "the permissions; nothing was written)"
        ) from None
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
    try:
        str(out).encode("utf-8")
    except UnicodeEncodeError:
        raise OutputError(
            f"{option} {shown(out)}: the name is not UTF-8 text (fix: choose a UTF-8 name)"
        ) from None
    if out.exists() and not (out.is_dir() and is_results_folder(out)):
        kind = "a folder sim did not write" if out.is_dir() else "a file"
        raise OutputError(
            f"{option} {shown(out)}: it is {kind}, and writing results there would replace it "
            "(fix: name a new folder, or an existing sim results folder)"
        )
    check_writable(out, option)
    return out


def check_writable(out: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output whose folder cannot be written.

    The nearest existing folder above `out` must let us create an entry: tried for real, with a
    temporary folder that is removed at once (permission bits do not tell about read-only mounts).
    """
    above = out.absolute().parent
    while not above.exists():
        above = above.parent
    if not above.is_dir():
        raise OutputError(
            f"{option} {shown(out)}: {shown(above)} is a file, not a folder (fix: choose another path)"
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".sim-probe-", dir=above))
    except OSError as exc:
        raise OutputError(
            f"{option} {shown(out)}: cannot write in {shown(above)}: {exc.strerror or exc} "
            "(fix: choose a folder you can write to)"
        ) from None


@contextlib.contextmanager
def out_lock(out: str | Path, option: str = "--out") -> Iterator[Path]:
    """Hold the lock of output `out` for the block: a second writer is refused, not interleaved.

    The lock is ``fcntl.flock`` on a hidden file beside `out` (`.NAME.lock`), removed on release;
    the kernel drops it if the process dies, so a killed command never leaves `out` locked.
    Re-entrant within one process.

    Raises:
        OutputError: another command (another process) is writing `out` now.
    """
    out = Path(out).absolute()
    if out in _HELD:
        yield out
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = out.parent / f".{out.name}.lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(
                f"{option} {shown(out)}: another sim command is writing there now "
                "(fix: wait for it to finish, or choose another folder)"
            ) from None
        try:  # the holder before us may have removed the file after we opened it: lock anew
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    _HELD.add(out)
    try:
        yield out
    finally:
        _HELD.discard(out)
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


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
    with out_lock(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            fill(tmp)
            os.chmod(tmp, DIR_MODE)
            if out.exists():
                check_out(out)  # still a results folder (it was when the command started)
                old = out.with_name(f".{out.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(out, old)
                os.replace(tmp, out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, out)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputError(
                f"{shown(out)}: cannot write: {exc.strerror or exc} (fix: check the free space "
                "and the permissions; nothing was written)"
            ) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out
