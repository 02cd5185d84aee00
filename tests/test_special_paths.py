"""Outputs on special paths: an output that is an input or another output, FIFOs, devices, symlinks,
permissions, unwritable folders. Each case is a row of SPECIAL_PATHS (counted in the Reliability page's
table); none may lose a byte of an existing file or replace something that is not a regular file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main
from sentiment_rnn.errors import OutputError
from sentiment_rnn.files import atomic_write
from sentiment_rnn.io.serialization import load_model, save_model
from test_robustness import _assert_one_line_failure, _tsv


def _train(tmp_path: Path, *extra: str):
    train = tmp_path / "train.tsv"
    if not train.exists():
        train.write_text(_tsv(2))
    args = ["train", "--train-file", str(train), "--embedding-dim", "4", "--hidden-size", "4", "--epochs", "1",
            *extra]
    return CliRunner().invoke(main, args)


def _snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _assert_usage_error(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, (word, result.stderr)


# ----------------------------------------------------------------------------------------------------
# An output that is an input, or another output

def test_output_equal_to_checkpoint_is_refused(tmp_path, toy):
    _, good = toy
    model = tmp_path / "m.npz"
    model.write_bytes(good.read_bytes())
    (tmp_path / "train.tsv").write_text(_tsv(2))
    before = _snapshot(tmp_path)
    result = _train(tmp_path, "-o", str(model), "--checkpoint", str(model))
    _assert_usage_error(result, "--output", "--checkpoint", "same file")
    assert _snapshot(tmp_path) == before


def test_checkpoint_equal_to_the_training_file_is_refused(tmp_path):
    (tmp_path / "train.tsv").write_text(_tsv(2))
    before = _snapshot(tmp_path)
    result = _train(tmp_path, "-o", str(tmp_path / "m.npz"), "--checkpoint", str(tmp_path / "train.tsv"))
    _assert_usage_error(result, "--checkpoint", "--train-file")
    assert _snapshot(tmp_path) == before


def test_checkpoint_equal_to_the_teacher_through_a_symlink_is_refused(tmp_path, toy):
    _, good = toy
    teacher = tmp_path / "teacher.npz"
    teacher.write_bytes(good.read_bytes())
    (tmp_path / "link.npz").symlink_to(teacher)
    (tmp_path / "train.tsv").write_text(_tsv(2))
    before = _snapshot(tmp_path)
    result = _train(tmp_path, "-o", str(tmp_path / "m.npz"), "--checkpoint", str(tmp_path / "link.npz"),
                    "--teacher", str(teacher))
    _assert_usage_error(result, "--checkpoint", "--teacher")
    assert _snapshot(tmp_path) == before


def test_output_equal_to_the_training_file_is_refused(tmp_path):
    (tmp_path / "train.tsv").write_text(_tsv(2))
    before = _snapshot(tmp_path)
    result = _train(tmp_path, "-o", str(tmp_path / "train.tsv"))
    _assert_usage_error(result, "--output", "--train-file")
    assert _snapshot(tmp_path) == before


def test_ensemble_output_equal_to_one_of_its_models_is_refused(tmp_path, toy):
    _, good = toy
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    a.write_bytes(good.read_bytes())
    b.write_bytes(good.read_bytes())
    before = _snapshot(tmp_path)
    result = CliRunner().invoke(main, ["ensemble", str(a), str(b), "-o", str(tmp_path / "." / "a.npz")])
    _assert_usage_error(result, "--output", "MODEL")
    assert _snapshot(tmp_path) == before


# ----------------------------------------------------------------------------------------------------
# Outputs that are not regular files, symlinks, permissions

def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    except PermissionError:
        pytest.skip("creating a device node needs root")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
@pytest.mark.parametrize("make, kind, test", [(_fifo, "FIFO", stat.S_ISFIFO), (_device, "device", stat.S_ISCHR)],
                         ids=["FIFO", "device node"])
def test_an_output_that_is_a_fifo_or_a_device_is_refused_and_left_alone(tmp_path, toy, make, kind, test):
    model, _ = toy
    special = tmp_path / "out.npz"
    make(special)
    with pytest.raises(OutputError, match=kind):
        save_model(model, special)
    assert test(special.lstat().st_mode)
    for command in (["ensemble", str(toy[1]), "-o", str(special)],
                    ["train", "--train-file", str(tmp_path / "train.tsv"), "-o", str(special)]):
        (tmp_path / "train.tsv").write_text(_tsv(2))
        result = CliRunner().invoke(main, command)
        _assert_one_line_failure(result, kind)
        assert test(special.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz", "train.tsv"]  # no temporary, no checkpoint


def test_a_folder_as_output_is_refused(tmp_path):
    with pytest.raises(OutputError, match="folder"), atomic_write(tmp_path) as out:
        out.write(b"x")
    assert tmp_path.is_dir() and list(tmp_path.iterdir()) == []


def test_a_symlinked_output_is_written_through_and_stays_a_link(tmp_path, toy):
    model, _good = toy
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.npz"
    target.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    save_model(model, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load_model(target).params_.keys() == model.params_.keys()
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "real").iterdir())


def test_a_replaced_file_keeps_its_mode_and_owner(tmp_path, toy):
    model, _ = toy
    path = tmp_path / "private.npz"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    owner = None
    if os.geteuid() == 0:  # root can give a file away: the replaced file must keep that owner
        owner = (1234, 1234)
        os.chown(path, *owner)
    save_model(model, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    if owner is not None:
        assert (path.stat().st_uid, path.stat().st_gid) == owner
    new = tmp_path / "new.npz"
    save_model(model, new)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask


# ----------------------------------------------------------------------------------------------------
# Folders that cannot be written: refused before the work, in one line

@pytest.mark.parametrize("command", [
    lambda folder, good: ["ensemble", str(good), str(good), "-o", str(folder / "ens.npz")],
    lambda folder, good: ["pretrain", "--corpus", "movie-reviews", "-o", str(folder / "vectors.npz")],
    lambda folder, good: ["train", "--train-file", str(folder.parent / "train.tsv"), "--epochs", "1",
                          "--diagnostics", str(folder / "diagnostics"), "-o", str(folder.parent / "m.npz")],
], ids=["ensemble", "pretrain", "train --diagnostics"])
def test_an_output_folder_that_cannot_be_written_fails_before_the_work(tmp_path, toy, command, monkeypatch):
    _, good = toy
    (tmp_path / "train.tsv").write_text(_tsv(2))
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where a folder should be")
    monkeypatch.setenv("SENTIMENT_RNN_DATA", str(tmp_path / "no-data"))  # the work would fail without data
    result = CliRunner().invoke(main, command(blocked, good))
    _assert_one_line_failure(result, "cannot write", "not-a-folder")
    assert blocked.read_text() == "a file where a folder should be"
    assert not (tmp_path / "m.npz").exists() and not (tmp_path / "m.ckpt.npz").exists()


def test_a_read_only_folder_is_refused_before_the_work(tmp_path, toy):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders; the case above covers a folder that cannot be written")
    _, good = toy
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = CliRunner().invoke(main, ["ensemble", str(good), "-o", str(folder / "ens.npz")])
    finally:
        folder.chmod(0o700)
    _assert_one_line_failure(result, "not writable")


SPECIAL_PATHS = [
    "-o equal to --checkpoint", "--checkpoint equal to --train-file", "--checkpoint a symlink to --teacher",
    "-o equal to --train-file", "ensemble -o equal to one of its models", "-o onto a FIFO", "-o onto a device node",
    "a folder as output", "a symlink as output", "a chmod 600 file owned by another user as output",
    "ensemble into a folder that cannot be written", "pretrain into a folder that cannot be written",
    "train --diagnostics into a folder that cannot be written",
]
