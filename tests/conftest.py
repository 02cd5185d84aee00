"""Shared fixtures. The real corpora are used when SENTIMENT_RNN_DATA points at a data folder
(CI sets it to ../shared/data); tests that need them are skipped otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    value = os.environ.get("SENTIMENT_RNN_DATA")
    if not value:
        pytest.skip("SENTIMENT_RNN_DATA is not set: the real corpora are not available")
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"SENTIMENT_RNN_DATA={value} is not a folder")
    return path
