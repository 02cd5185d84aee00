"""The HTTP API through a real ``sentiment-rnn serve`` on 127.0.0.1: every endpoint, every class of
bad input (a 4xx with a JSON error, never a 500 or a traceback), slow clients, micro-batching,
a client that leaves mid-request and a graceful SIGTERM."""

from __future__ import annotations

import concurrent.futures
import json
import re
import signal
import socket
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentiment_rnn.cli import main
from sentiment_rnn.io.predict import MAX_REVIEW_SENTENCES, MAX_REVIEW_TOKENS, read_review
from sentiment_rnn.io.serialization import load_model, read_metadata
from sentiment_rnn.text.tokenizer import tokenize
from serve_helpers import HOST, running_server

TIMEOUT = 1.0  # --timeout of the test server: seconds for a request's headers, and for its body
LIMITS = ("--max-texts", "8", "--max-text-chars", "30000", "--max-body-bytes", "60000", "--timeout", str(TIMEOUT),
          "--max-request-tokens", "6100")
TEXTS = ["this movie is not good", "not bad at all , actually quite fun", "a wonderful , moving film"]


@pytest.fixture(scope="module")
def server():
    with running_server(*LIMITS) as running:
        yield running
        log = running.log
    assert "Traceback" not in log, log
    assert '" 500' not in log, log


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as session:
        yield session


@pytest.fixture(scope="module")
def model():
    return load_model()


def _post(client, path, payload):
    return client.post(path, json=payload)


# --- the endpoints ---------------------------------------------------------------------------------
def test_healthz(client, server):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["model"] == "default"
    assert body["pid"] == server.process.pid  # one worker: the process we started


def test_predict_matches_the_model_in_process(client, model):
    response = _post(client, "/v1/predict", {"texts": TEXTS})
    assert response.status_code == 200
    results = response.json()["results"]
    expected = model.predict_proba(TEXTS)  # (3, 2)
    assert [r["label"] for r in results] == ["negative", "positive", "positive"]
    for result, p in zip(results, expected, strict=True):
        assert result["probabilities"]["negative"] == pytest.approx(p[0], abs=1e-6)
        assert result["p_positive"] == pytest.approx(p[1], abs=1e-6)
        assert sum(result["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert result["truncated"] is False
    assert [r["tokens_read"] for r in results] == [5, 8, 5]


def test_predict_one_text(client):
    response = _post(client, "/v1/predict", {"text": "this movie is not good"})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["label"] == "negative" and result["tokens_read"] == 5


def test_a_review_over_20000_characters_is_read_from_its_end(client, model):
    review = "the opening is dreadful and dull . " * 600 + "but in the end it is a wonderful film ."  # 21,039 chars
    response = _post(client, "/v1/predict", {"texts": [review, "good"]})
    assert response.status_code == 200
    long, short = response.json()["results"]
    assert long["truncated"] is True and short["truncated"] is False
    read = len(read_review(review)[1])  # its last 20,000 characters, and of them its last 200 sentences
    assert long["tokens_read"] == read < len(tokenize(review))


def test_a_text_that_grows_under_normalisation_or_holds_thousands_of_sentences_is_read_within_the_bound(client):
    texts = ["\ufdfa" * 8_000, "ab! " * 2_000, "good"]  # 144,000 characters once normalised; 2,000 sentences
    response = _post(client, "/v1/predict", {"texts": texts})
    assert response.status_code == 200
    grown, sentences, short = response.json()["results"]
    assert grown["truncated"] is True and grown["tokens_read"] <= MAX_REVIEW_TOKENS
    assert sentences["truncated"] is True and sentences["tokens_read"] == 2 * MAX_REVIEW_SENTENCES
    assert short["truncated"] is False and short["tokens_read"] == 1


def test_a_request_over_the_token_budget_once_normalised_is_413(client):
    grown = "\ufdfa" * 1_000  # 1,000 characters, about 3,000 tokens once normalised
    read = len(read_review(grown)[1])
    assert 3 * read > 6100 >= 2 * read
    response = _post(client, "/v1/predict", {"texts": [grown] * 3})  # over --max-request-tokens 6100
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_many_tokens" and error["limit"] == 6100 and f"{3 * read:,}" in error["message"]
    allowed = _post(client, "/v1/predict", {"texts": [grown] * 2})  # within the budget
    assert allowed.status_code == 200 and len(allowed.json()["results"]) == 2


def test_a_tiny_request_is_answered_between_the_parts_of_a_heavy_one(model):
    heavy = {"texts": [f"a good film , number {i} . " * 25 for i in range(120)]}  # 24,000 tokens: 60 batches of 400
    with running_server("--max-batch-tokens", "400", "--no-access-log") as server:
        finished = []
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            def post(payload, name):
                response = httpx.post(server.url + "/v1/predict", json=payload, timeout=300)
                finished.append(name)
                return response
            before = httpx.get(server.url + "/healthz", timeout=30).json()["batches"]
            heavy_response = pool.submit(post, heavy, "heavy")
            while httpx.get(server.url + "/healthz", timeout=30).json()["batches"] == before:  # heavy is being scored
                assert not heavy_response.done(), heavy_response.result().text
                time.sleep(0.01)
            tiny = post({"text": "not bad at all"}, "tiny")
            heavy_response = heavy_response.result()
        assert finished == ["tiny", "heavy"]  # the tiny one did not wait for the whole heavy one
        assert tiny.status_code == 200 and heavy_response.status_code == 200
        assert tiny.json()["results"][0]["p_positive"] == pytest.approx(model.predict_proba(["not bad at all"])[0, 1],
                                                                      abs=1e-6)
        served = [r["p_positive"] for r in heavy_response.json()["results"]]
        assert np.allclose(served, model.predict_proba(heavy["texts"])[:, 1], atol=1e-6)  # parts in order
        assert "Traceback" not in server.log


def test_explain_of_a_review_says_what_each_sentence_adds(client, model):
    review = "the plot is never boring . the acting is wooden . still , i loved the ending ."
    response = _post(client, "/v1/explain", {"text": review})
    assert response.status_code == 200
    served = response.json()
    assert len(served["trajectory"]) == len(tokenize(review))  # the token-level chart is still there
    by_sentence = served["review"]["sentences"]
    assert [row["sentence"] for row in by_sentence] == ["the plot is never boring .", "the acting is wooden .",
                                                         "still , i loved the ending ."]
    own = model.explain_review(review)  # the review model's own account
    assert [row["log_odds"] for row in by_sentence] == pytest.approx([row["log_odds"] for row in own["sentences"]],
                                                                    abs=1e-5)
    assert served["review"]["p_positive"] == pytest.approx(own["p_positive"], abs=1e-6)
    total = served["review"]["bias"] + sum(row["log_odds"] for row in by_sentence)
    assert total == pytest.approx(served["review"]["log_odds"], abs=1e-4)  # the sentences sum to the verdict


def test_explain_is_what_the_explain_command_prints(client):
    response = _post(client, "/v1/explain", {"text": "this movie is not good"})
    assert response.status_code == 200
    served = response.json()
    printed = json.loads(CliRunner().invoke(main, ["explain", "--json", "this movie is not good"]).output)
    assert served.pop("model") == "default"
    assert served == printed
    assert [step["token"] for step in served["trajectory"]] == ["this", "movie", "is", "not", "good"]
    not_, good = served["trajectory"][3], served["trajectory"][4]
    assert not_["p_positive"] < 0.5 and good["bow_weight"] > 0  # the RNN swings at "not"; "good" weighs for


def test_model_description(client):
    body = client.get("/v1/model").json()
    metadata = read_metadata()
    assert body["name"] == "default" and body["shipped"] is True
    assert body["classes"] == ["negative", "positive"]
    assert body["accuracy"]["test_accuracy"] == metadata["training"]["test_accuracy"]
    assert body["training"]["data"] == metadata["training"].get("data")
    assert body["config"]["cell"] == metadata["config"]["cell"]


def test_openapi_describes_every_endpoint(client):
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/", "/healthz", "/openapi.json", "/v1/model", "/v1/predict", "/v1/explain"}
    predict = document["paths"]["/v1/predict"]["post"]
    assert {"200", "400", "413", "415", "422"} <= set(predict["responses"])
    texts = predict["requestBody"]["content"]["application/json"]["schema"]["oneOf"][0]["properties"]["texts"]
    assert texts["maxItems"] == 8  # the server's own limits


def test_page_and_its_files(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert '<textarea id="text"' in html and 'id="chart"' in html
    for name, kind in (("page.js", "text/javascript"), ("page.css", "text/css")):
        assert f"/static/{name}" in html
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
    assert "/v1/explain" in client.get("/static/page.js").text
    assert "https://" not in html + client.get("/static/page.js").text  # nothing from a CDN
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


# --- bad input: 4xx with a JSON error that says what is wrong ---------------------------------------
JSON = {"Content-Type": "application/json"}
BAD_REQUESTS = {
    # name: (path, headers, body, status, error code, words in the message)
    "invalid JSON": ("/v1/predict", JSON, b'{"texts": ["good"', 400, "invalid_json", "not valid JSON"),
    "JSON nested too deeply": ("/v1/predict", JSON, b"[" * 50_000, 400, "invalid_json", "not valid JSON"),
    "a number of 5,000 digits": ("/v1/predict", JSON, b'{"text": ' + b"7" * 5000 + b"}", 400, "invalid_json",
                                 "cannot be read as JSON"),
    "empty body": ("/v1/predict", JSON, b"", 400, "empty_body", "empty"),
    "body not UTF-8": ("/v1/predict", JSON, b'{"text": "caf\xe9"}', 400, "invalid_utf8", "UTF-8"),
    "body not an object": ("/v1/predict", JSON, b'["good"]', 422, "wrong_type", "JSON object"),
    "texts not a list": ("/v1/predict", JSON, b'{"texts": "good"}', 422, "wrong_type", "'texts' must be a list"),
    "a text not a string": ("/v1/predict", JSON, b'{"texts": ["good", 3]}', 422, "wrong_type", "texts[1]"),
    "text null": ("/v1/predict", JSON, b'{"text": null}', 422, "wrong_type", "not null"),
    "empty list": ("/v1/predict", JSON, b'{"texts": []}', 422, "empty_list", "empty list"),
    "too many texts": ("/v1/predict", JSON, json.dumps({"texts": ["good"] * 9}).encode(), 413, "too_many_texts",
                       "the limit is 8"),
    "text over the limit": ("/v1/predict", JSON, json.dumps({"text": "a" * 30_001}).encode(), 413, "text_too_long",
                            "30,001 characters"),
    "body over the limit": ("/v1/predict", JSON, json.dumps({"texts": ["good " * 5000] * 3}).encode(), 413,
                            "body_too_large", "the limit is 60,000"),
    "empty text": ("/v1/predict", JSON, b'{"texts": ["good", "  \\n "]}', 422, "empty_text", "texts[1]"),
    "no words": ("/v1/predict", JSON, b'{"texts": ["good", "\\u0001\\u0002"]}', 422, "no_words", "texts[1]"),
    "lone surrogate": ("/v1/predict", JSON, b'{"text": "\\ud800"}', 422, "invalid_text", "surrogate"),
    "unknown field": ("/v1/predict", JSON, b'{"txt": "good"}', 422, "unknown_field", "'txt'"),
    "text and texts": ("/v1/predict", JSON, b'{"text": "good", "texts": ["bad"]}', 422, "ambiguous", "not both"),
    "form data": ("/v1/predict", {"Content-Type": "application/x-www-form-urlencoded"}, b"text=good", 415,
                  "unsupported_media_type", "application/json"),
    "no media type": ("/v1/predict", {}, b'{"text": "good"}', 415, "unsupported_media_type", "application/json"),
    "explain: no text": ("/v1/explain", JSON, b'{"texts": ["good"]}', 422, "unknown_field", "'texts'"),
    "explain: too many tokens": ("/v1/explain", JSON, json.dumps({"text": "good " * 1001}).encode(), 413,
                                 "too_many_tokens", "1,000"),
    "explain: invalid JSON": ("/v1/explain", JSON, b"{'text': 'good'}", 400, "invalid_json", "not valid JSON"),
}


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_bad_input_is_a_4xx_saying_what_is_wrong(client, name):
    path, headers, body, status, code, words = BAD_REQUESTS[name]
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code and words in error["message"], error


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["text", "texts", "x"]) | st.text(max_size=5), inner, max_size=3),
    max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/v1/predict", "/v1/explain"]),
       body=JSON_VALUES.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=200))
def test_nothing_a_client_sends_is_a_500(client, path, body):
    response = client.post(path, content=body, headers=JSON)
    assert response.status_code in (200, 400, 413, 422), response.text
    assert ("error" in response.json()) == (response.status_code != 200)


def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(client):
    def pieces():  # no Content-Length: the size is only known while reading
        yield b'{"texts": ["'
        for _ in range(100):
            yield b"good " * 200
        yield b'"]}'

    response = client.post("/v1/predict", content=pieces(), headers=JSON)
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("method, path, status", [("GET", "/v1/predict", 405), ("DELETE", "/v1/model", 405),
                                                  ("GET", "/v2/predict", 404), ("POST", "/", 405)])
def test_wrong_method_or_path(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] in ("method_not_allowed", "not_found")


# --- slow and vanishing clients --------------------------------------------------------------------
def _connect(server) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1])
    return socket.create_connection((HOST, port), timeout=10 * TIMEOUT + 10)


def _read_response(connection: socket.socket) -> tuple[bytes, bytes]:
    """(head, body) of one HTTP response, read until Content-Length bytes of body have arrived."""
    answer = b""
    while b"\r\n\r\n" not in answer and (chunk := connection.recv(65536)):
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
    while len(body) < length and (chunk := connection.recv(65536)):
        body += chunk
    return head, body


def test_a_client_slow_to_send_its_headers_is_disconnected(server):
    with _connect(server) as connection:
        connection.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: localhost\r\n")  # and never the rest
        start = time.monotonic()
        assert connection.recv(1000) == b""  # closed by the server
        assert TIMEOUT * 0.8 < time.monotonic() - start < TIMEOUT + 8


def test_a_client_slow_to_send_its_body_gets_408(server):
    with _connect(server) as connection:
        connection.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 100\r\n\r\n{\"text\": ")
        start = time.monotonic()
        head, body = _read_response(connection)
        assert head.startswith(b"HTTP/1.1 408 ")
        assert json.loads(body)["error"]["code"] == "body_timeout"
        assert TIMEOUT * 0.8 < time.monotonic() - start < TIMEOUT + 8


def test_a_client_that_leaves_mid_request_does_not_stop_the_others(server, client):
    body = json.dumps({"texts": ["a long and winding review , " * 200] * 8}).encode()
    for cut in (len(body) // 2, len(body)):  # leaves while sending, and while the batch is scored
        with _connect(server) as connection:
            connection.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(body) + body[:cut])
    response = _post(client, "/v1/predict", {"texts": TEXTS})
    assert response.status_code == 200 and len(response.json()["results"]) == 3


def test_concurrent_requests_are_scored_together(model):
    # a wait bound of 200 ms: on a busy machine, requests that a 2 ms bound would catch one by one still meet
    with running_server("--batch-wait-ms", "200", "--no-access-log") as server:
        before = httpx.get(server.url + "/healthz", timeout=30).json()
        texts = [f"{adjective} film number {i}" for i, adjective in enumerate(["good", "bad", "dull", "fun"] * 12)]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            responses = list(pool.map(lambda text: httpx.post(server.url + "/v1/predict", json={"text": text},
                                                              timeout=30), texts))
        assert all(r.status_code == 200 for r in responses), [(r.status_code, r.text[:200]) for r in responses
                                                              if r.status_code != 200]
        served = np.array([r.json()["results"][0]["p_positive"] for r in responses])
        assert np.allclose(served, model.predict_proba(texts)[:, 1], atol=1e-6)  # each got its own answer
        after = httpx.get(server.url + "/healthz", timeout=30).json()
        assert after["texts_scored"] - before["texts_scored"] == len(texts)
        assert after["batches"] - before["batches"] < len(texts)  # some requests shared a batch


def test_two_workers_each_with_the_model(model):
    with running_server("--workers", "2", "--no-access-log") as server:
        pids = set()
        for text in TEXTS * 4:  # a new connection each time: the kernel hands them to either worker
            response = httpx.post(server.url + "/v1/predict", json={"text": text}, timeout=30)
            assert response.json()["results"][0]["p_positive"] == pytest.approx(model.predict_proba([text])[0, 1],
                                                                              abs=1e-6)
            pids.add(httpx.get(server.url + "/healthz", timeout=30).json()["pid"])
        assert server.process.pid not in pids  # answered by worker processes, not the supervisor
        assert server.stop() in (0, -signal.SIGTERM)
        for pid in pids:  # SIGTERM to the supervisor stops the workers too
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        assert "Traceback" not in server.log


# --- graceful shutdown -----------------------------------------------------------------------------
def test_sigterm_lets_the_request_in_flight_finish_and_refuses_new_ones():
    with running_server() as server:
        body = json.dumps({"texts": TEXTS}).encode()
        with _connect(server) as connection:
            connection.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
            time.sleep(0.3)  # the server has the request's head: it is in flight
            server.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            while True:  # new connections are refused once the listening socket is closed
                try:
                    socket.create_connection((HOST, int(server.url.rsplit(":", 1)[1])), timeout=1).close()
                except ConnectionRefusedError:
                    break
                assert time.monotonic() < deadline, "still accepting connections 10 s after SIGTERM"
                time.sleep(0.05)
            assert server.process.poll() is None  # still finishing the request in flight
            connection.sendall(body[10:])
            head, payload = _read_response(connection)
        assert head.startswith(b"HTTP/1.1 200 ")
        assert [r["label"] for r in json.loads(payload)["results"]] == ["negative", "positive", "positive"]
        assert server.process.wait(30) == -signal.SIGTERM  # uvicorn re-raises the signal once it has shut down
        assert "Application shutdown complete" in server.log  # ... after the graceful path: batcher closed
        assert "Traceback" not in server.log
