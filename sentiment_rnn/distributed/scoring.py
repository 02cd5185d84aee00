"""`predict --input PATTERN --output DIR`: score many review files, one output file per input file.

Each output holds one record per input row, in input order (the records of `predict --format
jsonl`, or TSV), and is written atomically: it exists only once it is whole, so a rerun skips the
files that are done and a killed job resumes where it stopped. Files are streamed a chunk of rows at
a time. Without a scheduler the files are scored one after the other in this process; with one,
each file is a task on the Dask workers, each worker loading the model once. The predictions do not
depend on where a file is scored.
"""

from __future__ import annotations

import glob
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from sentiment_rnn.errors import DataError, SentimentRNNError

__all__ = ["ScoringJob", "FileResult", "plan_outputs", "score_file", "score_files"]


@dataclass(frozen=True)
class ScoringJob:
    """How every file is scored: the model (None: the shipped one), the columns, the output format."""

    model_path: str | None = None
    text_column: str = "text"
    id_column: str | None = None
    output_format: str = "jsonl"  # or "tsv"
    chunk_size: int = 1000


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


def plan_outputs(pattern: str, output_dir: str | Path, output_format: str = "jsonl") -> list[tuple[Path, Path]]:
    """(input, output) pairs: the files matching the glob ``pattern`` (or the one file it names),
    sorted, each with ``output_dir/<its stem>.jsonl`` (or ``.tsv``)."""
    sources = sorted(Path(name) for name in glob.glob(pattern) if Path(name).is_file()) if glob.has_magic(
        pattern) else [Path(pattern)]
    if not sources:
        raise DataError(f"no file matches {pattern!r}")
    if not sources[0].is_file():
        raise DataError("no such file", sources[0])
    pairs: list[tuple[Path, Path]] = []
    taken: dict[Path, Path] = {}  # output -> the source scored into it
    for source in sources:
        output = Path(output_dir) / f"{source.stem}.{output_format}"
        if output in taken:
            raise DataError(f"{taken[output]} and {source} would both be scored into {output}; rename one")
        taken[output] = source
        pairs.append((source, output))
    return pairs


def score_file(job: ScoringJob, model, source: Path, output: Path) -> FileResult:
    """Score ``source`` into ``output`` (atomically) with ``model``; a malformed file gives a failure."""
    from sentiment_rnn.io.predict import format_record, tsv_header
    from sentiment_rnn.io.records import input_format, iter_rows, score_rows
    from sentiment_rnn.files import atomic_write

    start = time.perf_counter()
    rows = errors = 0
    try:
        with open(source, "rb") as stream, atomic_write(output) as out:
            if job.output_format == "tsv":
                out.write((tsv_header(model.label_names_, job.id_column) + "\n").encode())
            chunks = iter_rows(stream, input_format(source), text_column=job.text_column, id_column=job.id_column,
                               chunk_size=job.chunk_size, source=str(source))
            for chunk in chunks:
                records = score_rows(model, chunk)
                out.write("".join(format_record(r, job.output_format, job.id_column) + "\n" for r in records).encode())
                rows += len(records)
                errors += sum("error" in record for record in records)
    except DataError as error:
        return FileResult(str(source), str(output), failure=str(error))
    except OSError as error:
        return FileResult(str(source), str(output), failure=f"{source}: {error.strerror or error}")
    return FileResult(str(source), str(output), rows, errors, time.perf_counter() - start)


def _score_on_worker(job: ScoringJob, source: Path, output: Path) -> FileResult:
    """The task of one file on a Dask worker, with the model the worker loaded once."""
    from sentiment_rnn.distributed.cluster import worker_model

    try:
        model = worker_model(job.model_path)
    except SentimentRNNError as error:
        return FileResult(str(source), str(output), failure=str(error))
    return score_file(job, model, source, output)


def score_files(job: ScoringJob, pairs: list[tuple[Path, Path]], *, scheduler: str | None = None,
                log: Callable[[str], None] = lambda message: None) -> list[FileResult]:
    """Score each (input, output) pair whose output does not exist yet, here or on the Dask cluster at
    ``scheduler``; log a progress line per file. Returns the results in the order the files ended."""
    from sentiment_rnn.distributed.progress import Progress
    from sentiment_rnn.io.serialization import load_model

    todo = [(source, output) for source, output in pairs if not output.exists()]
    if len(todo) < len(pairs):
        log(f"{len(pairs) - len(todo)} of {len(pairs)} files are scored already; skipping them")
    model = load_model(job.model_path)  # here too: a bad model is one error before any work starts
    progress = Progress(len(todo), "files", unit="reviews")
    results = []

    def finished(result: FileResult) -> None:
        results.append(result)
        log(progress.done(Path(result.source).name, result.rows, f" (failed: {result.failure})" if result.failure else ""))

    if scheduler is None:
        for source, output in todo:
            finished(score_file(job, model, source, output))
        return results
    from sentiment_rnn.distributed.cluster import connect, run_tasks

    pairs_by_name = {output.name: (source, output) for source, output in todo}  # output names are unique

    def ended(name, result, failure):
        source, output = pairs_by_name[name]
        finished(result or FileResult(str(source), str(output), failure=failure))

    with connect(scheduler, log) as client:
        run_tasks(client, _score_on_worker, [(name, (job, *pair)) for name, pair in pairs_by_name.items()], ended)
    return results
