"""Starting and stopping a real ``sentiment-rnn serve`` on 127.0.0.1, and a headless Chromium to read its
page, for the serve tests and for ``docs/screenshots.py``."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"
START_TIMEOUT = 60.0  # seconds to wait for /healthz on a loaded shared machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """A server process and the log it writes (stdout and stderr together)."""

    def __init__(self, process: subprocess.Popen, url: str, log_path: Path):
        self.process = process
        self.url = url
        self.log_path = log_path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the server did not stop within {timeout} s of SIGTERM") from None


@contextlib.contextmanager
def running_server(*options: str):
    """``sentiment-rnn serve --port <free> *options`` until the block ends; waits for /healthz."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "server.log"
        with open(log_path, "wb") as log:
            command = [sys.executable, "-m", "sentiment_rnn", "serve", "--host", HOST, "--port", str(port), *options]
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                       env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
        server = Server(process, f"http://{HOST}:{port}", log_path)
        try:
            _wait_healthy(server)
            yield server
        finally:
            server.stop()


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited with {server.process.returncode}:\n{server.log}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server did not answer /healthz within {START_TIMEOUT} s:\n{server.log}")


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium_installed() -> bool:
    """Debian's chromium and chromium-driver, which selenium drives."""
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


@contextlib.contextmanager
def headless_chromium(width: int = 1100, height: int = 1000, *flags: str):
    """A headless Chromium driven by selenium, with a throwaway profile (and any extra command-line
    ``flags``), until the block ends."""
    from selenium import webdriver  # the test extra; imported here so the API tests do not need it
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for flag in (*CHROMIUM_FLAGS, *flags, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
        try:
            yield driver
        finally:
            driver.quit()
