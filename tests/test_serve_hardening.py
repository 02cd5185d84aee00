"""``serve`` against a hostile network (issue 22, item 15): the Host header is checked against the server's
names (DNS rebinding), with ``--allowed-host`` for more, and ``GET /v1/model`` shows no path of the machine
that trained the model."""

from __future__ import annotations

import re

import httpx
import pytest

from sentiment_rnn.io.serialization import default_model_path
from serve_helpers import running_server
from test_robustness import _metadata


def _with_teacher_path(metadata):
    metadata.setdefault("training", {})["data"] = "sst phrases; teacher /home/ann/private/teacher-ensemble.npz"
    metadata["provenance_note"] = r"C:\Users\ann\models\seed3.npz"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    model = tmp_path_factory.mktemp("model") / "with-paths.npz"
    _metadata(_with_teacher_path)(default_model_path(), model)
    with running_server("--model", str(model), "--allowed-host", "sentiment.example") as running:
        yield running


@pytest.mark.parametrize("host, status", [("evil.example", 400), ("evil.example:80", 400),
                                          ("127.0.0.1.evil.example", 400), ("localhost", 200),
                                          ("127.0.0.1:8000", 200), ("sentiment.example", 200)])
def test_the_host_header_must_name_the_server(server, host, status):
    response = httpx.get(server.url + "/healthz", headers={"Host": host}, timeout=30)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error"]["code"] == "host_not_allowed"
        response = httpx.post(server.url + "/v1/predict", json={"text": "good"}, headers={"Host": host}, timeout=30)
        assert response.status_code == 400


def test_the_model_description_holds_no_path(server):
    response = httpx.get(server.url + "/v1/model", timeout=30)
    assert response.status_code == 200
    text = response.text
    assert "teacher-ensemble.npz" in text and "/home/ann" not in text and "Users" not in text
    assert not re.search(r'"/|[A-Za-z]:\\\\', text), text


def test_kill_9_of_a_two_worker_supervisor_leaves_no_worker_holding_the_port():
    import contextlib
    import os
    import signal
    import socket
    import time
    from pathlib import Path

    with running_server("--workers", "2") as server:
        supervisor = server.process.pid
        children = [int(pid) for pid in Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()]
        host, port = server.url.removeprefix("http://").split(":")
        os.kill(supervisor, signal.SIGKILL)
        server.process.wait()
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                with socket.socket() as probe:
                    if probe.connect_ex((host, int(port))) != 0:
                        break
                time.sleep(0.2)
            else:
                pytest.fail("a worker still accepts connections 20 s after its supervisor was killed")
        finally:
            for pid in children:  # whatever is left of what this test started
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def test_a_request_cut_by_the_shutdown_grace_period_is_answered_json_503():
    import json
    import signal
    import time

    from test_serve_api import _connect, _read_response

    with running_server("--shutdown-timeout", "1") as server:
        body = json.dumps({"texts": ["a good film"]}).encode()
        with _connect(server) as connection:
            connection.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])  # the rest never comes
            time.sleep(0.3)
            server.process.send_signal(signal.SIGTERM)
            head, payload = _read_response(connection)
        assert head.startswith(b"HTTP/1.1 503 "), head
        assert json.loads(payload)["error"]["code"] == "shutting_down"
        server.process.wait(30)
        assert "Traceback" not in server.log and "CancelledError" not in server.log, server.log
