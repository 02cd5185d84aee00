"""Reviews per second for `predict --output` (scoring files): one process, and Dask with 1 and 2 workers.

    python bench/dask_scoring.py                          # 8 files x 2,000 SST sentences, 3 repeats, ~2-3 min
    python bench/dask_scoring.py --files 4 --rows 500 --repeats 1     # a quick look

A benchmark, not a test. The inputs are CSV files of the treebank's test and dev sentences
(``SENTIMENT_RNN_DATA`` or --data-dir), repeated to fill them, scored with the shipped model.
Each repeat runs the three setups one after the other (the order turns every repeat) and times the
whole job as a user sees it once the cluster is up: planning, connecting the client, every worker
loading the model, reading, predicting and writing every file. Workers are Dask worker processes of
a ``LocalCluster`` on 127.0.0.1 with one thread each (and OPENBLAS_NUM_THREADS=1, as everywhere
here). The report gives the median of the repeats, the engine's overhead (one process over one
worker) and the scaling (two workers over one), and the median time a file took inside its task:
when it grows with the workers, they are waiting for a core, not for Dask. Between repeats a
pure-Python loop in one process and in two tells how much a second process can get done on the
machine at that moment (the cores here are shared with other jobs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def write_inputs(folder: Path, files: int, rows: int, data_dir: str | None) -> int:
    """``files`` CSV files of ``rows`` treebank sentences each; return the number of reviews."""
    import csv

    from sentiment_rnn.corpora import load_corpus

    sentences = [" ".join(tokens) for split in ("test", "dev")
                 for tokens in load_corpus("sst", split, data_dir, level="sentence").tokens]
    for i in range(files):
        with open(folder / f"part{i:03d}.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["id", "review"])
            for j in range(rows):
                writer.writerow([f"{i}-{j}", sentences[(i * rows + j) % len(sentences)]])
    return files * rows


def run_job(inputs: Path, output: Path, scheduler: str | None) -> tuple[float, list[float]]:
    """Seconds to score every file of ``inputs`` into a fresh ``output``, and the seconds each file took
    where it was scored (reading, predicting, writing)."""
    from sentiment_rnn.distributed.scoring import ScoringJob, plan_outputs, score_files

    shutil.rmtree(output, ignore_errors=True)
    start = time.perf_counter()
    results = score_files(ScoringJob(text_column="review"), plan_outputs(str(inputs / "*.csv"), output),
                          scheduler=scheduler)
    seconds = time.perf_counter() - start
    assert not any(result.failure for result in results), results
    return seconds, [result.seconds for result in results]


def _spin(n: int = 10_000_000) -> float:
    """Seconds of wall time for a pure-Python loop: a probe of the CPU this process gets."""
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - start


def machine_parallelism() -> float:
    """How much more work two processes get done than one, on this machine now (2.0 on two idle cores)."""
    import multiprocessing

    alone = _spin()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_spin, [10_000_000] * 2)
        together = time.perf_counter() - start
    return 2 * alone / together


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rows", type=int, default=2000, help="reviews per file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=os.environ.get("SENTIMENT_RNN_DATA"))
    args = parser.parse_args()
    from distributed import LocalCluster

    work = Path(tempfile.mkdtemp(prefix="dask-scoring-"))
    try:
        inputs = work / "in"
        inputs.mkdir()
        reviews = write_inputs(inputs, args.files, args.rows, args.data_dir)
        clusters, setups = [], {"one process": None}
        for workers in (1, 2):
            start = time.perf_counter()
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=":0")
            clusters.append(cluster)
            print(f"LocalCluster with {workers} worker(s) up in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            setups[f"dask, {workers} worker{'s' if workers > 1 else ''}"] = cluster.scheduler_address
        rates = {name: [] for name in setups}
        file_seconds = {name: [] for name in setups}
        parallelism = [machine_parallelism()]
        for repeat in range(args.repeats):
            order = list(setups) if repeat % 2 == 0 else list(setups)[::-1]
            for name in order:
                seconds, per_file = run_job(inputs, work / "out", setups[name])
                rates[name].append(reviews / seconds)
                file_seconds[name].extend(per_file)
                print(f"repeat {repeat + 1}: {name}: {seconds:.2f} s, {reviews / seconds:,.0f} reviews/s", file=sys.stderr)
            parallelism.append(machine_parallelism())
        for cluster in clusters:
            cluster.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in rates.items()}
    one, two = median["dask, 1 worker"], median["dask, 2 workers"]
    print(f"{args.files} files x {args.rows:,} reviews (SST sentences, CSV), shipped model, median of {args.repeats}:\n")
    print("| setup | reviews/s (median) | all repeats | seconds per file where it was scored (median) |")
    print("| --- | ---: | --- | ---: |")
    for name, values in rates.items():
        print(f"| {name} | {median[name]:,.0f} | {', '.join(f'{v:,.0f}' for v in values)} | "
              f"{statistics.median(file_seconds[name]):.2f} |")
    print(f"\nengine overhead (one process / 1 worker): {median['one process'] / one:.2f}x; "
          f"scaling (2 workers / 1 worker): {two / one:.2f}x; per-worker rate {one:,.0f} reviews/s")
    print(f"the machine meanwhile: two processes of a pure-Python loop got "
          f"{', '.join(f'{p:.2f}' for p in parallelism)}x the work of one (2.00x on two idle cores)")


if __name__ == "__main__":
    main()
