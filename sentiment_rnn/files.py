"""Files written whole or not at all, and npz files read without running code.

``atomic_write(path)`` gives a temporary file ``.<name>.<random>.tmp`` in the same folder; when the block
ends without an error it is flushed, fsynced and moved over ``path`` with ``os.replace``, so a failed,
interrupted or killed write leaves the previous file intact. A temporary left behind by a killed
process is never read, and the next write to the same path removes it once it is older than
``STALE_TEMPORARY_SECONDS``. Model files, checkpoints, downloads, corpus files and diagnostics are all
written through it.

``open_npz`` reads with ``allow_pickle=False``: an npz file can hold only arrays and strings here.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from sentiment_rnn.errors import ModelFileError

__all__ = ["STALE_TEMPORARY_SECONDS", "atomic_write", "write_npz_atomic", "open_npz", "read_json_metadata",
           "json_default"]

STALE_TEMPORARY_SECONDS = 600  # a temporary this old belongs to a save that was killed, not a running one


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike):
    """Open a temporary file ``.<name>.<random>.tmp`` beside ``path`` for binary writing; when the
    block ends without an error, flush and fsync it, give it the usual permissions and move it over
    ``path`` with ``os.replace``. When the block raises, the temporary is removed and ``path`` is
    left as it was: a reader sees the old file or the new one, never a mix."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _new_file_mode())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def write_npz_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    """Write ``arrays`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as out:  # a file object: np.savez given a path would append .npz
        (np.savez_compressed if compress else np.savez)(out, **arrays)
    return Path(path)


def _new_file_mode() -> int:
    """The mode an ordinary new file gets here: 0666 less the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; elsewhere a no-op)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete ``.<name>.*.tmp`` files that a killed save to ``path`` left behind (never the target)."""
    now = time.time()
    for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if now - temporary.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                temporary.unlink()
        except OSError:  # removed meanwhile, or not ours to remove: leave it
            pass


def json_default(value):
    """``json.dumps``'s fallback for metadata: NumPy scalars become Python numbers; anything else is refused."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in model metadata")


def open_npz(path: Path, kind: str = "model"):
    """``np.load(path, allow_pickle=False)``, every failure a one-line ModelFileError that says what ``path`` is not."""
    if not path.is_file():
        raise ModelFileError(f"{path}: no such {kind} file")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error):
            raise ModelFileError(f"{path}: refused: the file holds pickled data, which could run code") from None
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file ({error})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path}: not a readable .npz {kind} file, truncated or of another kind ({error})") from None


def read_json_metadata(path: Path, data, file_format: str, newest: int, kind: str) -> dict:
    """The ``metadata`` JSON of an opened npz file of ``file_format``, its format version checked (1..``newest``)."""
    if "metadata" not in data.files:
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file (no metadata)")
    try:
        metadata = json.loads(str(data["metadata"]))
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise ModelFileError(f"{path}: corrupted metadata ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != file_format:
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file")
    version = metadata.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path}: corrupted metadata (format version {version!r})")
    if version > newest:
        raise ModelFileError(
            f"{path}: {kind} format version {version} is newer than this sentiment-rnn reads ({newest}); "
            "upgrade sentiment-rnn"
        )
    return metadata
