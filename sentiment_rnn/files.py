"""Files written whole or not at all, and npz files read without running code.

``atomic_write(path)`` gives a temporary file ``.<name>.<random>.tmp`` in the same folder; when the block
ends without an error it is flushed, fsynced and moved over ``path`` with ``os.replace``, so a failed,
interrupted or killed write leaves the previous file intact. A temporary left behind by a killed
process is never read, and the next write to the same path removes it once it is older than
``STALE_TEMPORARY_SECONDS``. Model files, checkpoints, downloads, corpus files and diagnostics are all
written through it.

The target is the file a symlink points to (the link stays a link), must be a regular file or not exist
yet (a folder, FIFO or device is refused, never replaced), and a file that is replaced keeps its mode and,
when the process may set it, its owner. ``check_output_path`` makes the same checks before any work.

``open_npz`` reads with ``allow_pickle=False``: an npz file can hold only arrays and strings here. Before
any array is read, every member's npy header is checked against the zip's own sizes and a limit
(``MAX_ARRAY_BYTES``, ``MAX_INFLATION``, ``MAX_METADATA_CHARS``), so a file that declares 2**40 floats, a
zip bomb or a duplicated entry is refused with one line instead of exhausting memory; metadata JSON
deeper than ``MAX_JSON_DEPTH`` is refused before it is parsed.
"""

from __future__ import annotations

import contextlib
import hashlib
import glob
import json
import os
import re
import stat
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from sentiment_rnn.errors import ModelFileError, OutputError

__all__ = ["file_digest", "remove_stale_temporaries", "STALE_TEMPORARY_SECONDS", "MAX_ARRAY_BYTES", "MAX_INFLATION", "MAX_METADATA_CHARS", "MAX_JSON_DEPTH",
           "atomic_write", "write_npz_atomic", "check_output_path", "check_output_folder", "same_file", "open_npz",
           "read_json_metadata",
           "loads_bounded", "json_default"]

STALE_TEMPORARY_SECONDS = 600  # a temporary this old belongs to a save that was killed, not a running one
MAX_ARRAY_BYTES = 1 << 30  # one array of a model or checkpoint: a 2-million-word vocabulary of 128 floats
MAX_INFLATION = 50  # uncompressed / compressed size above SMALL_MEMBER_BYTES (real models: 1.1 to 16)
SMALL_MEMBER_BYTES = 64 << 20  # a member up to this size may compress as well as it likes
MAX_METADATA_CHARS = 1 << 20  # JSON metadata (a 100-member ensemble with its learning curves is ~100 KB)
MAX_JSON_DEPTH = 64  # nesting of JSON arrays and objects (metadata needs 5)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, *, remove_stale: bool = True):
    """Open a temporary file ``.<name>.<random>.tmp`` beside ``path`` for binary writing; when the
    block ends without an error, flush and fsync it, give it the usual permissions and move it over
    ``path`` with ``os.replace``. When the block raises, the temporary is removed and ``path`` is
    left as it was: a reader sees the old file or the new one, never a mix. Stale temporaries of ``path``
    are removed first unless ``remove_stale`` is False (a caller writing many files into one folder
    removes them all with one :func:`remove_stale_temporaries` instead of one scan a file)."""
    path, existing = _target(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if remove_stale:
            _remove_stale_temporaries(path)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise OutputError(f"cannot write {path} ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
            _give_mode_and_owner(out.fileno(), existing)
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, OutputError):
            raise OutputError(f"cannot write {path} ({error.strerror or error})") from None
        raise
    _fsync_folder(folder)


def check_output_path(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` would replace (through symlinks), after checking, before any work,
    that it is a regular file or absent and that its folder can be written; OutputError otherwise."""
    target, _ = _target(path)
    check_output_folder(target.parent, path)
    return target


def check_output_folder(folder: str | os.PathLike, path: str | os.PathLike | None = None) -> None:
    """OutputError unless files can be written in ``folder`` (or it can be made): the first of it and its
    parents that exists must be a writable folder. ``path`` is the file named in the message."""
    what = folder if path is None else path
    folder = Path(os.path.realpath(folder))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {what}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {what}: the folder {folder} is not writable")


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file (through symlinks, ``..`` and hard links)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet): compare where they point
        return os.path.realpath(a) == os.path.realpath(b)


def _target(path: str | os.PathLike) -> tuple[Path, os.stat_result | None]:
    """The path a write replaces (a symlink's target) and its stat, or None when it does not exist yet;
    OutputError for a folder, FIFO, device or socket, which a write must never replace."""
    target = Path(os.path.realpath(path))
    try:
        existing = target.stat()
    except FileNotFoundError:
        return target, None
    except OSError as error:
        raise OutputError(f"cannot write {path} ({error.strerror or error})") from None
    if not stat.S_ISREG(existing.st_mode):
        kind = ("a folder" if stat.S_ISDIR(existing.st_mode) else "a FIFO" if stat.S_ISFIFO(existing.st_mode)
                else "a device" if stat.S_ISCHR(existing.st_mode) or stat.S_ISBLK(existing.st_mode)
                else "not a regular file")
        raise OutputError(f"refusing to write {path}: it is {kind}, not a regular file")
    return target, existing


def _give_mode_and_owner(handle: int, existing: os.stat_result | None) -> None:
    """The permissions a new file gets, or those of the file it replaces (and its owner, when allowed)."""
    if existing is None:
        os.fchmod(handle, _new_file_mode())  # mkstemp makes 0600 files; give the usual permissions
        return
    if hasattr(os, "fchown"):
        with contextlib.suppress(OSError):  # only root may give a file away: keep ours
            os.fchown(handle, existing.st_uid, existing.st_gid)
    os.fchmod(handle, stat.S_IMODE(existing.st_mode))


def write_npz_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    """Write ``arrays`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as out:  # a file object: np.savez given a path would append .npz
        # NumPy's stubs read **arrays as possibly holding the allow_pickle flag; the names here are array names.
        (np.savez_compressed if compress else np.savez)(out, **arrays)  # type: ignore[arg-type]
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
    _remove_if_stale(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))


def remove_stale_temporaries(folder: str | os.PathLike) -> None:
    """Delete the ``.<name>.*.tmp`` files of killed saves of any file in ``folder``, in one scan of it."""
    try:
        with os.scandir(folder) as entries:
            _remove_if_stale([Path(entry.path) for entry in entries
                              if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.name.count(".") >= 3])
    except OSError:  # no such folder yet: nothing to remove
        pass


def _remove_if_stale(temporaries) -> None:
    now = time.time()
    for temporary in temporaries:
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
    """``np.load(path, allow_pickle=False)`` after checking every member's header (see :func:`check_npz_members`);
    every failure is a one-line ModelFileError that says what ``path`` is not."""
    if not path.is_file():
        raise ModelFileError(f"{path}: no such {kind} file")
    try:
        check_npz_members(path, kind)
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error):
            raise ModelFileError(f"{path}: refused: the file holds pickled data, which could run code") from None
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file ({error})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path}: not a readable .npz {kind} file, truncated or of another kind ({error})") from None


def check_npz_members(path: Path, kind: str = "model") -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Refuse, before any array is read, an npz file whose members repeat a name, declare an array larger
    than the member holds or than ``MAX_ARRAY_BYTES``, inflate more than ``MAX_INFLATION`` times, or hold
    objects (pickles); a ``metadata`` member over ``MAX_METADATA_CHARS`` characters is refused too.
    Return each array's declared (shape, dtype) by name, for checks against the metadata before reading.
    A file that is not a zip is left to ``np.load`` (which says what it is not)."""
    arrays: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    if not zipfile.is_zipfile(path):
        return arrays
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        names = [member.filename for member in members]
        repeated = sorted({name for name in names if names.count(name) > 1}) if len(set(names)) < len(names) else []
        if repeated:
            raise ModelFileError(f"{path}: refused: the entry {repeated[0]} appears more than once")
        for member in members:
            name = member.filename.removesuffix(".npy")
            inflation = member.file_size / max(member.compress_size, 1)
            if member.file_size > SMALL_MEMBER_BYTES and inflation > MAX_INFLATION:
                raise ModelFileError(f"{path}: refused: {name} inflates {member.compress_size:,} bytes to "
                                     f"{member.file_size:,} (a zip bomb?)")
            if member.file_size > MAX_ARRAY_BYTES:
                raise ModelFileError(f"{path}: refused: {name} would take {member.file_size:,} bytes "
                                     f"(the limit is {MAX_ARRAY_BYTES:,})")
            with archive.open(member) as stream:
                version = np.lib.format.read_magic(stream)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise ValueError(f"{name}: npy format version {version} is not supported")
                shape, _, dtype = read_header(stream)
                header = stream.tell()
            if dtype.hasobject:
                raise ValueError(f"{name}: object arrays cannot be loaded when allow_pickle=False")
            declared = dtype.itemsize * int(np.prod(shape, dtype=object))
            if declared != member.file_size - header:
                raise ModelFileError(f"{path}: damaged {kind} file ({name} declares {shape} {dtype}, "
                                     f"{declared:,} bytes, but holds {member.file_size - header:,})")
            if name == "metadata" and (shape != () or dtype.kind != "U" or dtype.itemsize // 4 > MAX_METADATA_CHARS):
                raise ModelFileError(f"{path}: refused: metadata that is not one string of at most "
                                     f"{MAX_METADATA_CHARS:,} characters")
            arrays[name] = shape, dtype
    return arrays


def loads_bounded(text: str, max_depth: int = MAX_JSON_DEPTH):
    """``json.loads(text)``, refusing (ValueError) arrays and objects nested deeper than ``max_depth``
    before parsing: Python's parser would recurse into 200,000 brackets and fail deep inside."""
    structure = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)  # strings may hold any bracket
    steps = np.frombuffer(structure.encode("utf-8", "replace"), dtype=np.uint8)
    depth = np.cumsum((steps == ord("[")) | (steps == ord("{")), dtype=np.int64) \
        - np.cumsum((steps == ord("]")) | (steps == ord("}")), dtype=np.int64)
    if depth.size and depth.max() > max_depth:
        raise ValueError(f"JSON nested more than {max_depth} levels deep")
    return json.loads(text)


def read_json_metadata(path: Path, data, file_format: str, newest: int, kind: str) -> dict:
    """The ``metadata`` JSON of an opened npz file of ``file_format``, its format version checked (1..``newest``)."""
    if "metadata" not in data.files:
        raise ModelFileError(f"{path}: not a sentiment-rnn {kind} file (no metadata)")
    try:
        metadata = loads_bounded(str(data["metadata"]))
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


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The hex digest of a file (``algorithm``: a hashlib name, e.g. sha256 or md5), read in 1 MiB pieces."""
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
