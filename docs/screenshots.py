"""Retake the screenshots of the `serve` page shown in the docs: docs/serve.png (one sentence, the page as
it opens) and docs/serve-review.png (the long example review: the verdict, what each sentence adds, the
chart).

    pip install ".[serve,test]"       # Starlette, uvicorn, selenium
    python docs/screenshots.py        # also needs Debian's chromium and chromium-driver

It starts `sentiment-rnn serve` on 127.0.0.1 at a free port, drives headless Chromium through selenium
(as tests/test_serve_browser.py does), writes the two PNGs and stops the server.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

DOCS = Path(__file__).resolve().parent
HOST = "127.0.0.1"
WIDTH = 1000  # pixels; the page's height is measured
WAIT = 60  # seconds, for the server to start and the page to answer on a loaded machine
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_server(model: str | None):
    """`sentiment-rnn serve` on 127.0.0.1 until the block ends (SIGTERM); yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "sentiment_rnn", "serve", "--host", HOST, "--port", str(port), "--no-access-log"]
    if model:
        command += ["--model", model]
    process = subprocess.Popen(command, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            if process.poll() is not None:
                raise SystemExit(f"screenshots: the server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"screenshots: the server did not answer within {WAIT} s") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def headless_chromium():
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        raise SystemExit("screenshots: needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")
    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},1000"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(chromedriver))
        try:
            yield driver
        finally:
            driver.quit()


def _points(browser) -> int:
    return len(browser.find_elements(By.CSS_SELECTOR, "#chart circle.point"))


def _ready(browser) -> bool:
    return not browser.find_element(By.ID, "submit").get_attribute("disabled")


def whole_page(browser, path: Path) -> None:
    """The whole page at WIDTH pixels, however tall it is."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(WIDTH, height + 100)
    time.sleep(0.5)  # let the chart redraw at the new size
    browser.save_screenshot(str(path))
    print(f"screenshots: wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model file to serve (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the PNGs (default: docs/)")
    args = parser.parse_args(argv)
    with running_server(args.model) as url, headless_chromium() as browser:
        browser.set_window_size(WIDTH, 1000)
        browser.get(url + "/")
        WebDriverWait(browser, WAIT).until(lambda b: _points(b) == 5 and _ready(b))  # it reads its first example
        whole_page(browser, args.out / "serve.png")
        browser.set_window_size(WIDTH, 1000)
        browser.find_element(By.CSS_SELECTOR, "[data-example='2']").click()  # the long review
        WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "by-sentence").is_displayed()
                                           and _points(b) > 50 and _ready(b))
        whole_page(browser, args.out / "serve-review.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
