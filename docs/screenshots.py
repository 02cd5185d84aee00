"""Retake the screenshots of the `serve` page shown in the docs: docs/serve.png (one sentence, the page as
it opens) and docs/serve-review.png (the long example review: the verdict, what each sentence adds, the
chart).

    pip install ".[serve,test]"       # Starlette, uvicorn, selenium
    python docs/screenshots.py        # also needs Debian's chromium and chromium-driver

It starts `sentiment-rnn serve` on 127.0.0.1 at a free port, drives headless Chromium through selenium
(with the helpers of tests/serve_helpers.py, as tests/test_serve_browser.py does), writes the two PNGs and stops the server.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "tests"))
from serve_helpers import chromium_installed, headless_chromium, running_server  # noqa: E402  (the tests' own)

WIDTH = 1000  # pixels; the page's height is measured
WAIT = 60  # seconds for the page to answer on a loaded machine


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
    if not chromium_installed():
        raise SystemExit("screenshots: needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")
    options = ("--no-access-log", *(("--model", args.model) if args.model else ()))
    with running_server(*options) as server, headless_chromium(WIDTH, 1000, "--hide-scrollbars") as browser:
        browser.get(server.url + "/")
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
