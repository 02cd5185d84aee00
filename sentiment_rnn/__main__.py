"""``python -m sentiment_rnn`` and the ``sentiment-rnn`` command: the command line, with what can go wrong
around it answered in one line, never a traceback:

- Ctrl-C while the program starts (NumPy takes a moment to load): "Interrupted.", exit 130, as later;
- a standard output that cannot be written (a full disk, ``> /dev/full``) or is closed (``>&-``): one
  line on stderr, exit 1 (a closed pipe, ``| head``, ends quietly as click does);
- characters the output's encoding cannot show (``PYTHONIOENCODING=latin-1`` and emoji) are written as
  ``\\U0001f600`` escapes, and every line is still written;
- a closed standard input reads as an empty one (named ``os.devnull``: a command that reads it, as
  ``predict --input -`` does, says it is closed).
"""

import contextlib
import os
import sys


def run() -> None:
    try:
        from sentiment_rnn.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    if sys.stdout is None:
        _fail("standard output is closed: there is nowhere to write the results")
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (standard input for the whole run)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        main()
    except OSError as error:  # writing the results failed: stdout is a full disk, a device, a file gone away
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second failure at exit
        _fail(f"cannot write the results ({error.strerror or error})")


def _fail(message: str) -> None:
    if sys.stderr is not None:
        sys.stderr.write(f"Error: {message}\n")
    sys.exit(1)


if __name__ == "__main__":
    run()
