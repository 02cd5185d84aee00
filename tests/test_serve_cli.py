"""`sentiment-rnn serve` on the command line, and the plain install never importing the server."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest
from click.testing import CliRunner

from sentiment_rnn.cli import main
from sentiment_rnn.serve import validation
from sentiment_rnn.serve.settings import Settings

SERVER_PACKAGES = ("starlette", "uvicorn", "sentiment_rnn.serve")


def _modules_after(code: str) -> set[str]:
    """The server modules a fresh interpreter has imported after running ``code``."""
    probe = (f"{code}\nimport sys\n"
             f"print(sorted(m for m in sys.modules if m.startswith({SERVER_PACKAGES!r})))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(eval(result.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_does_not_import_the_server():
    assert _modules_after("import sentiment_rnn.cli") == set()


def test_predict_does_not_import_the_server():
    code = ("from click.testing import CliRunner\nfrom sentiment_rnn.cli import main\n"
            "result = CliRunner().invoke(main, ['predict', 'this movie is not good'])\n"
            "assert result.exit_code == 0 and result.output.startswith('negative'), result.output")
    assert _modules_after(code) == set()


def test_the_probe_sees_the_server_when_it_is_imported():  # the two tests above can fail
    assert {"starlette", "uvicorn"} <= _modules_after("import sentiment_rnn.serve")


def test_serve_help():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--model", "--host", "--port", "--workers", "--max-texts", "--timeout", "127.0.0.1"):
        assert option in result.output
    assert "Example:" in result.output


def test_serve_option_defaults_are_the_settings_defaults():
    defaults = {p.name: p.default for p in main.commands["serve"].params}
    settings = Settings()
    assert defaults["max_texts"] == settings.max_texts
    assert defaults["max_text_chars"] == settings.max_text_chars
    assert defaults["max_body_bytes"] == settings.max_body_bytes
    assert defaults["batch_wait_ms"] == settings.batch_wait_ms
    assert defaults["max_request_tokens"] == settings.max_request_tokens
    assert defaults["max_batch_tokens"] == settings.max_batch_tokens
    assert defaults["timeout"] == settings.head_timeout == settings.body_timeout


def test_serve_with_a_bad_model_file_fails_in_one_line(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    result = CliRunner().invoke(main, ["serve", "--model", str(bad), "--port", "0"])
    assert result.exit_code == 1
    assert "bad.npz" in result.output and "Traceback" not in result.output


def test_serve_without_the_serve_extra_says_what_to_install():
    code = ("import sys\nsys.modules['starlette'] = None\n"  # as if Starlette were not installed
            "from click.testing import CliRunner\nfrom sentiment_rnn.cli import main\n"
            "result = CliRunner().invoke(main, ['serve'])\nprint(result.exit_code, result.output)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("1 Error: serve needs the serve extra: pip install \"sentiment-rnn[serve]\"")


def test_settings_must_be_positive():
    with pytest.raises(ValueError, match="max_texts must be positive"):
        Settings(max_texts=0)


def test_validation_doctests_pass():
    assert doctest.testmod(validation).failed == 0
