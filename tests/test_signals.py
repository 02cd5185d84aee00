"""Signals and exits, with real processes: SIGTERM and SIGHUP to a training run save its checkpoint as
Ctrl-C does (and the run resumes to the weights of a run never stopped); Ctrl-C while the program starts;
standard output full, closed or unable to show a character; standard input closed. Each case is a row
of SIGNALS_AND_EXITS (counted in the Reliability page's table).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main
from sentiment_rnn.io.serialization import load_model
from sentiment_rnn.training.checkpoint import load_checkpoint
from test_robustness import _env, _same_weights, _train_args, _wait_for, default_signals_in_child

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

COMMAND = [sys.executable, "-m", "sentiment_rnn"]


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_during_training_saves_the_checkpoint_and_resumes(tmp_path, signum, code):
    args = _train_args(tmp_path)
    output, checkpoint = tmp_path / "stopped.npz", tmp_path / "stopped.ckpt.npz"
    process = subprocess.Popen(COMMAND + args + ["-o", str(output)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=_env(), preexec_fn=default_signals_in_child)
    _wait_for(checkpoint, process)
    time.sleep(0.1)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    last = stderr.decode().strip().splitlines()[-1]
    assert last.startswith(f"Interrupted: training interrupted by {signal.Signals(signum).name}") and "--resume" in last
    assert "Traceback" not in stderr.decode()
    assert not output.exists()
    load_checkpoint(checkpoint)
    resumed = CliRunner().invoke(main, [*args, "-o", str(output), "--resume"])
    reference = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "reference.npz")])
    assert resumed.exit_code == 0 and reference.exit_code == 0, (resumed.output, reference.output)
    assert _same_weights(load_model(output).params_, load_model(tmp_path / "reference.npz").params_)


def test_handlers_are_restored_after_training():
    from test_robustness import _classifier, _toy_data

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    _classifier(epochs=1).fit(*_toy_data(1))
    assert {s: signal.getsignal(s) for s in before} == before


@pytest.mark.parametrize("delay", [0.1, 0.15, 0.2])  # before ~0.05 s Python itself is starting
def test_ctrl_c_while_the_program_starts_is_one_line(delay):
    process = subprocess.Popen([*COMMAND, "predict", "a good film"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=_env(), preexec_fn=default_signals_in_child)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr.decode(), stderr.decode()
    assert process.returncode in (130, -signal.SIGINT, 0), (process.returncode, stderr)  # 0: it had already answered
    assert len(stderr.decode().strip().splitlines()) <= 1


def _run(arguments, **kwargs):
    return subprocess.run(COMMAND + arguments, capture_output=True, env={**_env(), **kwargs.pop("env", {})},
                          timeout=120, **kwargs)


def test_a_full_disk_on_stdout_is_one_line():
    with open("/dev/full", "wb") as full:
        result = subprocess.run([*COMMAND, "predict", "a good film"], stdout=full, stderr=subprocess.PIPE,
                                env=_env(), timeout=120)
    stderr = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["Error: cannot write the results (No space left on device)"]


def test_a_closed_stdout_is_an_error_not_silence():
    result = subprocess.run([*COMMAND, "predict", "a good film"], stdout=None, stderr=subprocess.PIPE, env=_env(),
                            timeout=120, preexec_fn=lambda: __import__("os").close(1))
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "Error: standard output is closed: there is nowhere to write the results"


def test_an_output_encoding_that_cannot_show_a_character_loses_no_line():
    result = _run(["predict", "a good film \U0001F600", "a bad film", "caf\u00e9 \u4e2d"], env={"PYTHONIOENCODING": "latin-1"})
    lines = result.stdout.decode("latin-1").splitlines()
    assert result.returncode == 0 and "Traceback" not in result.stderr.decode()
    assert len(lines) == 3
    assert lines[0].endswith("a good film \\U0001f600") and lines[1].endswith("a bad film")
    assert lines[2].endswith("caf\u00e9 \\u4e2d")


def test_a_closed_stdin_is_one_line_and_exit_1_and_an_empty_one_is_no_error():
    result = subprocess.run([*COMMAND, "predict", "--input", "-"], stdin=None, capture_output=True, env=_env(),
                            timeout=120, preexec_fn=lambda: __import__("os").close(0))
    assert result.returncode == 1 and result.stderr.decode().strip() == (
        "Error: standard input is closed: there is nothing to predict (pipe reviews in, or give --input FILE)")
    empty = subprocess.run([*COMMAND, "predict", "--input", "-"], stdin=subprocess.DEVNULL, capture_output=True,
                           env=_env(), timeout=120)
    assert empty.returncode == 0 and empty.stdout == b"" and empty.stderr == b""


def test_the_signal_tests_pass_in_a_run_that_ignores_hangups_and_interrupts():
    def ignore():  # as under nohup, or a background job of a shell
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    test = f"{__file__}::test_sigterm_or_sighup_during_training_saves_the_checkpoint_and_resumes[SIGHUP]"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], capture_output=True,
                            env=_env(), timeout=300, preexec_fn=ignore, cwd=str(Path(__file__).parent))
    assert result.returncode == 0, result.stdout.decode()[-2000:]
    assert b"1 passed" in result.stdout


SIGNALS_AND_EXITS = [
    "SIGTERM during training", "SIGHUP during training", "Ctrl-C while the program starts (3 moments)",
    "stdout on a full disk", "stdout closed", "an output encoding that cannot show a character", "stdin closed",
]
