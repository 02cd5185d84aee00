"""Load test of ``sentiment-rnn serve`` on 127.0.0.1, beside ``predict_proba`` called in-process on the
same texts: what does HTTP cost?

    python bench/serve_load.py                                  # 5,000 requests, 64 clients, 1 worker
    python bench/serve_load.py --requests 20000 --workers 2 --max-seconds 300

A benchmark, not a test. It starts the server itself (``--host 127.0.0.1`` on a free port, so no
traffic leaves the machine), waits for ``/healthz``, and sends at most ``--requests`` requests and
for at most ``--max-seconds`` seconds, from ``--concurrency`` clients on keep-alive connections (a
small HTTP/1.1 client on asyncio streams, so the clients cost little CPU beside the server). Each
request is ``POST /v1/predict {"text": ...}``, one text, drawn from a mix of treebank test
sentences and IMDB reviews (``--review-share`` of them; their lengths as in the corpus) when the
corpora are in ``--data-dir`` / ``SENTIMENT_RNN_DATA``, else from the project's negation contrast
set and reviews made by joining its sentences.

Reported: requests/s, latency percentiles, errors (anything but a 200, or a broken connection), the
server's resident memory (RSS, summed over its processes) after start-up, after a warm-up of
``--warmup`` requests and at the end, and the batches the server formed. Then, with the server
stopped, the same texts through ``load_model().predict_proba`` in this process: in batches of 64
(what micro-batching can reach) and one text per call (what a naive server would do).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 100_000  # hard bounds, whatever the options say
MAX_SECONDS = 600


# --- the texts -------------------------------------------------------------------------------------
def _treebank_sentences(path: Path) -> list[str]:
    leaves = re.compile(r"\(\d ([^()]+)\)")
    return [" ".join(leaves.findall(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _imdb_reviews(path: Path, limit: int) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as stream:
        rows = csv.DictReader(stream)
        return [row["review"] for row, _ in zip((r for r in rows if r["split"] == "test"), range(limit), strict=False)]


def load_texts(n: int, review_share: float, data_dir: Path | None, seed: int = 0) -> tuple[list[str], str]:
    rng = random.Random(seed)
    if data_dir is not None and (data_dir / "sst" / "test.txt").is_file() and (data_dir / "imdb").is_dir():
        sentences = _treebank_sentences(data_dir / "sst" / "test.txt")
        reviews = _imdb_reviews(data_dir / "imdb" / "imdb_50k.csv.gz", 2_000)
        source = "SST-2 test sentences and IMDB test reviews"
    else:
        with open(ROOT / "data" / "negation" / "contrast_set.tsv", encoding="utf-8") as stream:
            sentences = [row["text"] for row in csv.DictReader(stream, delimiter="\t")]
        reviews = [" ".join(rng.choices(sentences, k=rng.randint(8, 40))) for _ in range(500)]
        source = "the negation contrast set, and reviews made of 8-40 of its sentences"
    texts = [rng.choice(reviews) if rng.random() < review_share else rng.choice(sentences) for _ in range(n)]
    return texts, source


# --- the server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the workers), MiB."""
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def start_server(workers: int, access_log: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "sentiment_rnn", "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers), "--access-log" if access_log else "--no-access-log"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read().decode(errors='replace')}")
        try:
            status, _ = asyncio.run(_one_request(port, "GET", "/healthz", b""))
            if status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not answer /healthz within 120 s")


# --- the clients -----------------------------------------------------------------------------------
async def _exchange(reader, writer, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    return status, await reader.readexactly(length)


async def _one_request(port: int, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        return await _exchange(reader, writer, method, path, body)
    finally:
        writer.close()


async def load(port: int, bodies: list[bytes], concurrency: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    next_index = 0
    deadline = time.perf_counter() + max_seconds

    async def client():
        nonlocal next_index
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while next_index < len(bodies) and time.perf_counter() < deadline:
                body = bodies[next_index]
                next_index += 1
                start = time.perf_counter()
                try:
                    status, _ = await _exchange(reader, writer, "POST", "/v1/predict", body)
                except (OSError, asyncio.IncompleteReadError) as error:
                    errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return {"latencies": latencies, "seconds": time.perf_counter() - start, "error_kinds": errors}


def _combine(slices: list[dict]) -> dict:
    latencies = sorted(t for s in slices for t in s["latencies"])
    seconds = sum(s["seconds"] for s in slices)
    errors: dict[str, int] = {}
    for s in slices:
        for kind, count in s["error_kinds"].items():
            errors[kind] = errors.get(kind, 0) + count
    quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"requests": len(latencies) + sum(v for k, v in errors.items() if not k.startswith("HTTP")),
            "seconds": seconds, "requests_per_second": len(latencies) / seconds,
            "p50_ms": quantile(0.50), "p90_ms": quantile(0.90), "p99_ms": quantile(0.99), "max_ms": latencies[-1] * 1000,
            "errors": sum(errors.values()), "error_kinds": errors}


def in_process(texts: list[str]) -> dict:
    """predict_proba on the same texts in this process: batches of 64, and one text per call."""
    from sentiment_rnn.io.serialization import load_model

    model = load_model()
    model.predict_proba(texts[:64])  # warm-up
    start = time.perf_counter()
    for i in range(0, len(texts), 64):
        model.predict_proba(texts[i : i + 64])
    batched = time.perf_counter() - start
    single_texts = texts[:1000]
    start = time.perf_counter()
    for text in single_texts:
        model.predict_proba([text])
    single = time.perf_counter() - start
    return {"batched_texts_per_second": len(texts) / batched, "single_texts_per_second": len(single_texts) / single}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-seconds", type=float, default=180)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--review-share", type=float, default=0.2, help="share of requests that are IMDB reviews")
    parser.add_argument("--access-log", action="store_true", help="run the server with its access log (on stderr)")
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("SENTIMENT_RNN_DATA"))
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    requests = min(args.requests, MAX_REQUESTS)
    max_seconds = min(args.max_seconds, MAX_SECONDS)

    texts, source = load_texts(requests + args.warmup, args.review_share, args.data_dir)
    warmup, texts = texts[: args.warmup], texts[args.warmup :]
    bodies = [json.dumps({"text": text}).encode() for text in texts]
    process, port = start_server(args.workers, args.access_log)
    try:
        rss_start = rss_mib(process.pid)
        asyncio.run(load(port, [json.dumps({"text": t}).encode() for t in warmup], args.concurrency, 60))
        rss_warm = rss_mib(process.pid)
        slices, rss_after_slice, started = [], [], time.perf_counter()
        for k in range(4):  # four quarters, to see whether memory keeps growing
            left = max_seconds - (time.perf_counter() - started)
            slices.append(asyncio.run(load(port, bodies[k * len(bodies) // 4 : (k + 1) * len(bodies) // 4],
                                           args.concurrency, left)))
            rss_after_slice.append(round(rss_mib(process.pid), 1))
        result = _combine(slices)
        health = json.loads(asyncio.run(_one_request(port, "GET", "/healthz", b""))[1])
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    local = in_process(texts[: result["requests"]])
    chars = sorted(len(t) for t in texts)
    report = {
        **result, "concurrency": args.concurrency, "workers": args.workers, "access_log": args.access_log,
        "texts": source, "review_share": args.review_share,
        "text_chars_median": chars[len(chars) // 2], "text_chars_max": chars[-1],
        "rss_mib_after_start": rss_start, "rss_mib_after_warmup": rss_warm, "rss_mib_after_each_quarter": rss_after_slice,
        "mean_batch_texts": health["texts_scored"] / max(1, health["batches"]) if args.workers == 1 else None,
        **local,
        "http_over_batched_in_process": result["requests_per_second"] / local["batched_texts_per_second"],
        "http_over_single_in_process": result["requests_per_second"] / local["single_texts_per_second"],
        "python": platform.python_version(), "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['requests']:,} requests in {report['seconds']:.1f} s from {args.concurrency} clients "
          f"({args.workers} worker{'s' if args.workers > 1 else ''}): {report['requests_per_second']:.0f} requests/s")
    print(f"latency p50 {report['p50_ms']:.1f} ms, p90 {report['p90_ms']:.1f} ms, p99 {report['p99_ms']:.1f} ms, "
          f"max {report['max_ms']:.1f} ms; errors {report['errors']} {report['error_kinds'] or ''}")
    print(f"server RSS: {rss_start:.1f} MiB after start, {rss_warm:.1f} after warm-up, after each quarter of the "
          f"requests {', '.join(f'{r:.1f}' for r in rss_after_slice)}")
    if report["mean_batch_texts"] is not None:
        print(f"mean batch: {report['mean_batch_texts']:.1f} texts")
    print(f"in-process predict_proba on the same texts: {local['batched_texts_per_second']:.0f} texts/s in batches of 64, "
          f"{local['single_texts_per_second']:.0f} texts/s one at a time")
    print(f"HTTP / in-process: {report['http_over_batched_in_process']:.2f} of batched, "
          f"{report['http_over_single_in_process']:.2f} of one at a time")
    print(f"texts: {source}; {args.review_share:.0%} reviews; median {report['text_chars_median']} chars, "
          f"max {report['text_chars_max']}")


if __name__ == "__main__":
    main()
