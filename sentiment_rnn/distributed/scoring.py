"""`predict --input PATTERN --output DIR`: score many review files, one output file per input file.

Each output holds one record per input row, in input order (the records of `predict --format
jsonl`, or TSV), and is written atomically: it exists only once it is whole. Each finished output is
then recorded with its size in the folder's ``.sentiment-rnn-scored``, so a rerun skips the files
recorded whole and a killed job resumes where it stopped; an output that is not recorded, or whose size
changed since (an empty or cut file of another program, an older run's), is scored again. Files are streamed a chunk of rows at
a time. Without a scheduler the files are scored one after the other in this process; with one,
each file is a task on the Dask workers, each worker loading the model once. The predictions do not
depend on where a file is scored.
"""

from __future__ import annotations

import glob
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sentiment_rnn.errors import DataError, SentimentRNNError

__all__ = ["ScoringJob", "FileResult", "plan_outputs", "score_file", "score_files", "finished_outputs", "SCORED_LOG"]

SCORED_LOG = ".sentiment-rnn-scored"  # in the output folder: one JSON line {"file", "bytes"} per finished output


@dataclass(frozen=True)
class ScoringJob:
    """How every file is scored: the model (None: the shipped one), the columns, the output format."""

    model_path: str | None = None
    text_column: str = "text"
    id_column: str | None = None
    output_format: str = "jsonl"  # or "tsv"
    chunk_size: int = 1000
    model_digest: str | None = None  # the sha256 of the client's model file: a worker with another refuses


@dataclass(frozen=True)
class FileResult:
    """What scoring one file gave: its rows, how many of them are error records, and the time it took;
    or why the file could not be scored (``failure``; no output was written)."""

    source: str
    output: str
    rows: int = 0
    errors: int = 0
    seconds: float = 0.0
    failure: str | None = None
    bytes: int = 0  # the size of the output written


def plan_outputs(pattern: str, output_dir: str | Path, output_format: str = "jsonl") -> list[tuple[Path, Path]]:
    """(input, output) pairs: the files matching the glob ``pattern`` (or the one file it names),
    sorted, each with ``output_dir/<its stem>.jsonl`` (or ``.tsv``)."""
    sources = sorted(Path(name) for name in glob.glob(pattern) if Path(name).is_file()) if glob.has_magic(
        pattern) else [Path(pattern)]
    if not sources:
        raise DataError(f"no file matches {pattern!r}")
    if not sources[0].is_file():
        raise DataError("no such file", sources[0])
    pairs, taken = [], {}
    inputs = {os.path.realpath(source) for source in sources}
    for source in sources:
        output = Path(output_dir) / f"{source.stem}.{output_format}"
        if output in taken:
            raise DataError(f"{taken[output]} and {source} would both be scored into {output}; rename one")
        if os.path.realpath(output) in inputs:
            raise DataError(f"{source} would be scored into {output}, which is an input file too (it matches "
                            f"{pattern!r}); give another --output folder")
        taken[output] = source
        pairs.append((source, output))
    return pairs


def score_file(job: ScoringJob, model, source: Path, output: Path) -> FileResult:
    """Score ``source`` into ``output`` (atomically) with ``model``; a malformed file gives a failure."""
    from sentiment_rnn.files import atomic_write
    from sentiment_rnn.io.predict import format_record, tsv_header
    from sentiment_rnn.io.records import input_format, iter_rows, score_rows

    start = time.perf_counter()
    rows = errors = size = 0
    try:
        with open(source, "rb") as stream, atomic_write(output, remove_stale=False) as out:  # see score_files
            if job.output_format == "tsv":
                size += out.write((tsv_header(model.label_names_, job.id_column) + "\n").encode())
            chunks = iter_rows(stream, input_format(source), text_column=job.text_column, id_column=job.id_column,
                               chunk_size=job.chunk_size, source=str(source))
            for chunk in chunks:
                records = score_rows(model, chunk)
                size += out.write("".join(format_record(r, job.output_format, job.id_column) + "\n"
                                          for r in records).encode())
                rows += len(records)
                errors += sum("error" in record for record in records)
    except DataError as error:
        return FileResult(str(source), str(output), failure=str(error))
    except OSError as error:
        return FileResult(str(source), str(output), failure=f"{source}: {error.strerror or error}")
    return FileResult(str(source), str(output), rows, errors, time.perf_counter() - start, bytes=size)


def _score_on_worker(job: ScoringJob, source: Path, output: Path) -> FileResult:
    """The task of one file on a Dask worker, with the model the worker loaded once."""
    from sentiment_rnn.distributed.cluster import worker_model

    try:
        model = worker_model(job.model_path, job.model_digest)
    except SentimentRNNError as error:
        return FileResult(str(source), str(output), failure=str(error))
    return score_file(job, model, source, output)


def score_files(job: ScoringJob, pairs: list[tuple[Path, Path]], *, scheduler: str | None = None,
                log: Callable[[str], None] = lambda message: None) -> list[FileResult]:
    """Score each (input, output) pair whose output does not exist yet, here or on the Dask cluster at
    ``scheduler``; log a progress line per file. Returns the results in the order the files ended."""
    from sentiment_rnn.distributed.progress import Progress
    from sentiment_rnn.files import remove_stale_temporaries
    from sentiment_rnn.io.serialization import load_model

    done = {}
    for folder in {output.parent for _, output in pairs}:  # one scan of each output folder, not one a file
        remove_stale_temporaries(folder)
        done[folder] = finished_outputs(folder)
    todo = [(source, output) for source, output in pairs if output.name not in done[output.parent]]
    if len(todo) < len(pairs):
        log(f"{len(pairs) - len(todo)} of {len(pairs)} files are scored already; skipping them")
    model = load_model(job.model_path)  # here too: a bad model is one error before any work starts
    progress = Progress(len(todo), "files", unit="reviews")
    results = []

    def finished(result: FileResult) -> None:
        if result.failure is None:
            _record_finished(Path(result.output), result.bytes)
        results.append(result)
        log(progress.done(Path(result.source).name, result.rows, f" (failed: {result.failure})" if result.failure else ""))

    if scheduler is None:
        for source, output in todo:
            finished(score_file(job, model, source, output))
        return results
    from dataclasses import replace

    from sentiment_rnn.distributed.cluster import (
        SchedulerLost,
        connect,
        model_digest,
        run_tasks,
        scheduler_address,
    )

    job = replace(job, model_digest=job.model_digest or model_digest(job.model_path))

    # absolute paths: a worker started in another folder reads and writes the client's files, not its own
    pairs_by_name = {output.name: (Path(os.path.abspath(source)), Path(os.path.abspath(output)))
                     for source, output in todo}  # output names are unique

    def ended(name, result, failure):
        source, output = pairs_by_name[name]
        if result is not None and result.failure is None and not _landed(output, result.bytes):
            failure = (f"{output} was written by a worker but is not here: the workers must see the client's "
                       "files at the same paths (a shared folder)")
            result = None
        finished(result or FileResult(str(source), str(output), failure=failure))

    try:
        with connect(scheduler, log) as client:
            run_tasks(client, _score_on_worker, [(name, (job, *pair)) for name, pair in pairs_by_name.items()], ended)
    except SchedulerLost:
        kept = len(pairs) - len(todo) + sum(result.failure is None for result in results)
        raise SentimentRNNError(f"the Dask scheduler at {scheduler_address(scheduler)} went away after {kept:,} of "
                                f"{len(pairs):,} files; the finished files are kept, run again to score the "
                                "rest") from None
    return results


def _landed(output: Path, size: int) -> bool:
    """Whether ``output`` is here with the size the worker wrote."""
    try:
        return output.stat().st_size == size
    except OSError:
        return False


def finished_outputs(folder: str | Path) -> set[str]:
    """The names of the outputs in ``folder`` that a run finished: recorded in its ``SCORED_LOG`` with
    the size they still have (one read of the log and one scan of the folder, whatever the number of files)."""
    folder = Path(folder)
    try:
        lines = (folder / SCORED_LOG).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:  # no log (a new folder, or outputs of an older version): nothing counts as finished
        return set()
    recorded: dict[str, int] = {}
    for line in lines:
        try:
            entry = json.loads(line)
            recorded[str(entry["file"])] = int(entry["bytes"])
        except (ValueError, KeyError, TypeError):  # a line cut by a crash: its file is scored again
            continue
    with os.scandir(folder) as entries:
        return {entry.name for entry in entries
                if entry.name in recorded and entry.is_file() and entry.stat().st_size == recorded[entry.name]}


def _record_finished(output: Path, size: int) -> None:
    """Append ``output``'s name and size to its folder's ``SCORED_LOG`` (after the output itself is
    written and synced, so a recorded file is whole)."""
    with open(output.parent / SCORED_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps({"file": output.name, "bytes": size}) + "\n")
