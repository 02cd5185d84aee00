"""Exceptions the library raises; the command line (:mod:`sentiment_rnn.cli`) alone turns them into
one-line messages."""

from __future__ import annotations

import os


class SentimentRNNError(Exception):
    """Base class of every error the library raises on purpose."""


class DataError(SentimentRNNError):
    """A corpus or input file is missing, unreadable or malformed.

    The message names the file and, when known, the 1-based line.
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        where = ""
        if self.path is not None:
            where = self.path if line is None else f"{self.path}:{line}"
            where += ": "
        super().__init__(where + message)


class DownloadError(DataError):
    """A corpus could not be downloaded (offline, bad checksum, HTTP error)."""


class ModelFileError(SentimentRNNError):
    """A model file is missing, truncated, of an unknown format version or has wrong shapes."""


class TrainingError(SentimentRNNError):
    """Training could not go on (for example a non-finite loss or gradient)."""


class TrainingInterrupted(KeyboardInterrupt):
    """Training was stopped by Ctrl-C, SIGTERM or SIGHUP (``signal``); ``checkpoint`` is the file its state
    was saved to, or None.

    A KeyboardInterrupt, so code that catches Ctrl-C still does; the message says where training stopped.
    """

    def __init__(self, message: str, checkpoint: str | None = None, signal: int = 2):
        super().__init__(message)
        self.checkpoint = checkpoint
        self.signal = signal  # SIGINT (2), or SIGTERM / SIGHUP, which stop training the same way


class OutputError(SentimentRNNError, OSError):
    """An output file cannot be written where it was asked for: its folder is not writable, or the path
    names something that is not a regular file (a folder, a FIFO, a device).

    Also an OSError, so code that handles a failed write still catches it.
    """
