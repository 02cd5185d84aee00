"""`sentiment-rnn predict`: texts, streams and CSV/TSV/JSONL files, here or on a Dask cluster."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sentiment_rnn.cli.options import fail_cleanly, load, model_option, optional_str

PREDICT_CHUNK = 1000  # lines read, predicted and written at a time: memory stays bounded on big inputs


@click.command()
@click.argument("texts", nargs=-1)
@click.option("--input", "-i", "input_path", default=None,
              help="Read reviews from FILE ('-' for stdin): one per line, or the rows of a .csv, .tsv or .jsonl "
                   "file; with --output, a glob pattern such as 'reviews/*.csv'.")
@click.option("--text-column", default=None, help="The text column of CSV/TSV/JSONL input  [default: text]")
@click.option("--id-column", default=None, help="A column of CSV/TSV/JSONL input that identifies each row: "
                                                "first after the line number in every record.")
@click.option("--format", "output_format", type=click.Choice(["text", "jsonl", "tsv"]), default="text",
              help="Output format (with --output: jsonl unless tsv).")
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Score every file of --input into this folder, one output file per input, written atomically; "
                   "a rerun skips the files already scored.")
@click.option("--scheduler", default=None,
              help="With --output: address of a Dask scheduler (tcp://HOST:8786) whose workers score the files  "
                   "[default: this process]")
@model_option
@fail_cleanly
def predict(texts, input_path, text_column, id_column, output_format, output_dir, scheduler, model_path):
    """Predict the sentiment of each TEXT (or of each line or row of --input).

    Every input line (or CSV/TSV/JSONL row) gets one record, carrying its line number: a line that
    is not UTF-8 or has no words gets an `error` (also said on stderr; exit 1 at the end) and the
    others are still predicted. Blank lines at the end are not reviews. A CSV field may span lines
    when quoted; TSV has no quoting (one line, one row). A review over 20,000 characters is
    predicted from its end.

    \b
    Example:
      sentiment-rnn predict "this movie is not good" "not bad at all , actually quite fun"
      cat reviews.txt | sentiment-rnn predict --input - --format jsonl
      sentiment-rnn predict --input 'reviews/*.csv' --text-column review --output scored/
    """
    from sentiment_rnn.io.records import input_format

    if texts and input_path is not None:
        raise click.UsageError("give TEXT arguments or --input FILE, not both")
    if not texts and input_path is None:
        raise click.UsageError("give at least one TEXT or --input FILE")
    if scheduler is not None and output_dir is None:
        raise click.UsageError("--scheduler scores files into --output DIR: give both")
    if output_dir is not None:
        if input_path == "-":
            raise click.UsageError("--output scores files: --input must name files, not stdin")
        return _predict_files(input_path, text_column, id_column, output_format, output_dir, scheduler, model_path)
    file_format = input_format(input_path) if input_path not in (None, "-") else "lines"
    if file_format == "lines" and (text_column or id_column):
        raise click.UsageError("--text-column and --id-column need a .csv, .tsv or .jsonl --input")
    model = load(model_path)
    if input_path is None:
        from sentiment_rnn.io.records import Row

        _print_records(model, [[Row(number, text) for number, text in enumerate(texts, start=1)]], output_format, None)
        return
    with _open_input(input_path) as stream:
        from sentiment_rnn.io.records import iter_rows

        chunks = iter_rows(stream, file_format, text_column=text_column or "text", id_column=id_column,
                           chunk_size=PREDICT_CHUNK, source="<stdin>" if input_path == "-" else input_path)
        _print_records(model, chunks, output_format, id_column)


def counted(number: int, noun: str) -> str:
    """``number`` and ``noun``, plural unless one: "1 line", "2 lines"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _open_input(path: str):
    if path == "-" and getattr(sys.stdin, "name", None) == os.devnull:  # what __main__ puts for a closed stdin
        raise click.ClickException("standard input is closed: there is nothing to predict (pipe reviews in, "
                                   "or give --input FILE)")
    try:
        return click.open_file(path, "rb")
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror or error}") from None


def _print_records(model, chunks, output_format, id_column):
    """Predict each chunk of rows and print its records; errors also go to stderr, and exit 1 at the end."""
    from sentiment_rnn.io.predict import TRUNCATED, format_record, tsv_header
    from sentiment_rnn.io.records import score_rows

    if output_format == "tsv":
        click.echo(tsv_header(model.label_names_, id_column))
    failures = lines = 0
    for chunk in chunks:
        for record in score_rows(model, chunk):
            lines += 1
            if "error" in record:
                failures += 1
                click.echo(f"line {record['line']}: {record['error']}", err=True)
            elif record.get("truncated"):
                click.echo(f"line {record['line']}: {record.get('why', TRUNCATED)}", err=True)
            click.echo(format_record(record, output_format, id_column))
    if failures:
        raise click.ClickException(f"{failures:,} of {counted(lines, 'line')} could not be predicted (said above); "
                                   f"{counted(lines - failures, 'line')} {'was' if lines - failures == 1 else 'were'}")


def _predict_files(pattern, text_column, id_column, output_format, output_dir, scheduler, model_path):
    """`predict --output`: one output file per input file, here or on a Dask cluster."""
    from sentiment_rnn.distributed.scoring import ScoringJob, plan_outputs, score_files

    job = ScoringJob(model_path=optional_str(model_path), text_column=text_column or "text", id_column=id_column,
                     output_format="tsv" if output_format == "tsv" else "jsonl", chunk_size=PREDICT_CHUNK)
    results = score_files(job, plan_outputs(pattern, output_dir, job.output_format), scheduler=scheduler,
                          log=lambda message: click.echo(message, err=True))
    failed = [result for result in results if result.failure]
    rows, errors = sum(result.rows for result in results), sum(result.errors for result in results)
    click.echo(f"{counted(len(results) - len(failed), 'file')} scored into {output_dir}: {counted(rows, 'record')}, "
               f"{errors:,} with an error")
    for result in failed:
        click.echo(result.failure, err=True)
    if failed or errors:
        problems = ([f"{len(failed):,} of {counted(len(results), 'file')} could not be scored"] if failed else []) + (
            [f"{counted(errors, 'row')} could not be predicted (records with an error field)"] if errors else [])
        raise click.ClickException("; ".join(problems))
