"""The page in a real headless Chromium (Debian's chromium and chromium-driver, driven by selenium):
type a review, submit, read the verdict and count the chart's points; the keyboard alone; a phone's
width. (The docs' screenshots of the page are taken by ``python docs/screenshots.py``.)
Skipped only when chromium or chromedriver is not installed (CI installs both)."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from serve_helpers import chromium_installed, headless_chromium, running_server

pytestmark = pytest.mark.skipif(not chromium_installed(), reason="chromium and chromium-driver not installed")
WAIT = 20  # seconds for the page to answer on a loaded machine


@pytest.fixture(scope="module")
def server():
    with running_server("--no-access-log") as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as driver:
        yield driver


def _points(browser) -> int:
    return len(browser.find_elements(By.CSS_SELECTOR, "#chart circle.point"))


def _wait_for_points(browser, n: int) -> None:
    WebDriverWait(browser, WAIT).until(lambda b: _points(b) == n and not b.find_element(By.ID, "submit")
                                       .get_attribute("disabled"))


def _open(browser, server, width: int = 1100, height: int = 1000) -> None:
    browser.set_window_size(width, height)
    browser.get(server.url + "/")
    _wait_for_points(browser, 5)  # the page reads its first example when it opens


def _p_positive(server, text: str) -> float:
    return httpx.post(server.url + "/v1/predict", json={"text": text}, timeout=30).json()["results"][0]["p_positive"]


def test_type_a_review_submit_and_read_the_verdict_and_the_chart(browser, server):
    _open(browser, server)
    box = browser.find_element(By.ID, "text")
    box.clear()
    box.send_keys("not bad at all , actually quite fun")
    browser.find_element(By.ID, "submit").click()
    _wait_for_points(browser, 8)  # one point per token
    verdict = browser.find_element(By.ID, "verdict").text
    assert verdict.startswith("positive")
    assert f"{_p_positive(server, 'not bad at all , actually quite fun'):.3f}" in verdict
    ngram = httpx.post(server.url + "/v1/explain", json={"text": "not bad at all , actually quite fun"},
                       timeout=30).json()["bag_of_words"]["log_odds"]
    shown = browser.find_element(By.ID, "bow-verdict").text  # the model's own n-gram part, e.g. "+0.84 log-odds"
    assert shown == f"{'+' if ngram >= 0 else '−'}{abs(ngram):.2f} log-odds"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart rect.bar")) == 8  # a weight beside every point
    tokens = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#chart text.token")]
    assert tokens == ["not", "bad", "at", "all", ",", "actually", "quite", "fun"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#steps tbody tr")) == 8
    assert not browser.find_element(By.ID, "error").is_displayed()
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_the_rnn_swings_at_not_where_the_bag_of_words_adds_weight_for_good(browser, server):
    _open(browser, server)
    heights = browser.execute_script(
        "return [...document.querySelectorAll('#chart circle.point')].map(c => +c.getAttribute('cy'))")
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart rect.bar")
    assert heights[3] > heights[2] + 50  # "this movie is not": the line falls at "not" (SVG y grows downwards)
    assert "pos" in bars[4].get_attribute("class")  # "good": a positive bag-of-words weight
    assert browser.find_element(By.ID, "verdict").text.startswith("negative")


def test_a_long_review_shows_how_each_sentence_composes_the_verdict(browser, server):
    _open(browser, server)
    browser.find_element(By.CSS_SELECTOR, "[data-example='2']").click()  # the long review
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "by-sentence").is_displayed()
                                     and len(b.find_elements(By.CSS_SELECTOR, "#sentences li")) > 1)
    text = browser.find_element(By.ID, "text").get_attribute("value")
    rows = browser.find_elements(By.CSS_SELECTOR, "#sentences li")
    explained = httpx.post(server.url + "/v1/explain", json={"text": text}, timeout=30).json()["review"]
    assert len(rows) == len(explained["sentences"]) > 1  # one row per sentence of the review
    assert browser.find_element(By.ID, "verdict").text.startswith("positive" if explained["p_positive"] > 0.5
                                                                   else "negative")
    assert f"{_p_positive(server, text):.3f}" in browser.find_element(By.ID, "verdict").text  # = /v1/predict
    shares = [row.find_element(By.CSS_SELECTOR, ".share").text for row in rows]
    assert shares == [f"{'+' if r['log_odds'] >= 0 else '−'}{abs(r['log_odds']):.2f}" for r in explained["sentences"]]
    assert f"bias {'+' if explained['bias'] >= 0 else '−'}{abs(explained['bias']):.2f}" in browser.find_element(
        By.ID, "composition").text
    boundaries = browser.find_elements(By.CSS_SELECTOR, "#chart line.sentence-end")
    assert len(boundaries) == len(explained["sentences"]) - 1  # each sentence's chart starts afresh
    browser.find_element(By.CSS_SELECTOR, "[data-example='0']").click()  # one sentence: the same composition, one row
    WebDriverWait(browser, 30).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#sentences li")) == 1)


def test_the_keyboard_alone(browser, server):
    _open(browser, server)
    box = browser.find_element(By.ID, "text")
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("a dull and tedious mess")
    box.send_keys(Keys.CONTROL, Keys.ENTER)  # Ctrl+Enter in the box submits
    _wait_for_points(browser, 5)
    assert browser.find_element(By.ID, "verdict").text.startswith("negative")
    box.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "submit"
    for _ in range(3):
        browser.switch_to.active_element.send_keys(Keys.TAB)
    example = browser.switch_to.active_element
    assert example.get_attribute("data-example") == "2"  # the long review's button
    example.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda b: _points(b) > 50)
    assert browser.find_element(By.ID, "text").get_attribute("value").startswith("I expected little")


def test_a_phone_screen(browser, server):
    _open(browser, server, width=390, height=844)
    browser.find_element(By.CSS_SELECTOR, "[data-example='2']").click()
    WebDriverWait(browser, WAIT).until(lambda b: _points(b) > 50)
    page_width, window_width = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width <= window_width  # no sideways scrolling of the page; the chart scrolls in its box
    scroll = browser.find_element(By.CSS_SELECTOR, ".chart-scroll")
    assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", scroll)
    assert scroll.get_attribute("tabindex") == "0"  # reachable, and scrollable, from the keyboard


def test_the_whole_page_at_the_screenshots_width(browser, server):
    _open(browser, server, width=1000, height=1000)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert height > 600  # the verdicts, the chart and the table are on the page
