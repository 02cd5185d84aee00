"""Reviews in tables: reading CSV, TSV and JSONL inputs a chunk of rows at a time, and predicting them.

A row is predicted from its text column and keeps all its columns, so an output record joins back
to its input by the line number (where the row starts) or by an id column of the user's:

- **CSV** follows RFC 4180: a quoted field may hold delimiters, quotes (doubled) and line breaks,
  so one row may span several lines; its record carries the line it starts on;
- **TSV** has no quoting: every line is one row, a quote is an ordinary character and a field can
  never hold a tab or a line break;
- **JSONL** is one object a line;
- anything else (``.txt``, stdin) is one review a line (see :func:`sentiment_rnn.io.predict.iter_lines`).

LF, CRLF and a lone CR all end a line. A row that cannot be predicted (wrong number of fields, not
JSON, no text field, no words, not UTF-8) gets a record with an ``error`` and the others go on; a
header without the text column, broken CSV quoting or a CSV/TSV field over the csv module's limit
(131,072 characters) stops the file with a one-line DataError. A JSONL line is read like a line of
text, so one over ``MAX_LINE_BYTES`` loses its start and becomes an error record. Blank lines at
the end are not rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from typing import BinaryIO
from collections.abc import Iterator

from sentiment_rnn.errors import DataError
from sentiment_rnn.io.predict import NO_WORDS, iter_lines, predict_records

__all__ = ["INPUT_FORMATS", "Row", "input_format", "iter_rows", "score_rows"]

INPUT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
OUTPUT_FIELDS = ("line", "label", "p_positive", "probabilities", "truncated", "error")  # an input column
# of one of these names is kept as input_<name>


@dataclass(frozen=True)
class Row:
    """One input row: where it starts, the text to predict (bytes when it is not UTF-8), the input's
    columns to keep (None for plain lines), or why it cannot be predicted."""

    line: int
    text: str | bytes = ""
    fields: dict | None = None
    error: str | None = None


def input_format(name: str | os.PathLike) -> str:
    """"csv", "tsv" or "jsonl" from the file name's suffix; "lines" for anything else (and stdin)."""
    return INPUT_FORMATS.get(os.path.splitext(str(name))[1].lower(), "lines")


def iter_rows(stream: BinaryIO, file_format: str, *, text_column: str = "text", id_column: str | None = None,
              chunk_size: int = 1000, source: str = "<stdin>") -> Iterator[list[Row]]:
    """Chunks of at most ``chunk_size`` rows of a binary stream in ``file_format``, in input order."""
    if file_format == "lines":
        for lines in iter_lines(stream, chunk_size):
            yield [Row(number, text) for number, text in lines]
        return
    rows = (_jsonl_rows(stream, text_column, id_column) if file_format == "jsonl"
            else _delimited_rows(stream, file_format, text_column, id_column, source))
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _delimited_rows(stream: BinaryIO, file_format: str, text_column: str, id_column: str | None,
                    source: str) -> Iterator[Row]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    quoting = {"quoting": csv.QUOTE_NONE} if file_format == "tsv" else {"strict": True}
    reader = csv.reader(text, delimiter="\t" if file_format == "tsv" else ",", **quoting)
    header, blank_lines, start = None, [], 1
    try:
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(value.strip() for value in values):
                blank_lines.append(line)  # rows only if a row follows
                continue
            if header is None:
                header = [name.strip() for name in values]
                _check_columns(header, text_column, id_column, source, line)
                blank_lines = []
                continue
            yield from (Row(blank, error=NO_WORDS) for blank in blank_lines)
            blank_lines = []
            if len(values) != len(header):
                yield Row(line, error=f"row has {len(values)} fields, the header has {len(header)}; row skipped")
                continue
            fields = dict(zip(header, values, strict=True))
            yield Row(line, fields[text_column], _kept(fields, id_column))
    except csv.Error as error:
        name = "TSV" if file_format == "tsv" else "CSV"
        if str(error).startswith("field larger than field limit"):
            raise DataError(f"a field is longer than {csv.field_size_limit():,} characters, the most a {name} field "
                            "may hold here (one review a line has no such limit)", source, start) from None
        raise DataError(f"malformed {name}: {error}", source, reader.line_num) from None
    finally:
        text.detach()  # the caller owns the stream
    if header is None:
        raise DataError("no header row (the file is empty)", source)


def _check_columns(header: list[str], text_column: str, id_column: str | None, source: str, line: int) -> None:
    for column in (text_column, id_column):
        if column is not None and column not in header:
            raise DataError(f"no column {column!r}; the columns are: {', '.join(header)}", source, line)


def _jsonl_rows(stream: BinaryIO, text_column: str, id_column: str | None) -> Iterator[Row]:
    for chunk in iter_lines(stream):
        for number, line in chunk:
            if isinstance(line, bytes):
                yield Row(number, line)
                continue
            if not line.strip():
                yield Row(number, error=NO_WORDS)
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield Row(number, error=f"not valid JSON: {error.msg} (column {error.colno}); line skipped")
                continue
            missing = [key for key in (text_column, id_column) if key is not None and key not in record] if (
                isinstance(record, dict)) else None
            if missing is None:
                yield Row(number, error=f"expected a JSON object, got {type(record).__name__}; line skipped")
            elif missing:
                yield Row(number, fields=_kept(record, id_column), error=f"no field {missing[0]!r}; line skipped")
            elif not isinstance(record[text_column], str):
                yield Row(number, fields=_kept(record, id_column), error=f"field {text_column!r} is not a string; line skipped")
            else:
                yield Row(number, record[text_column], _kept(record, id_column))


def _kept(fields: dict, id_column: str | None) -> dict:
    """The input's columns as the output keeps them: the id column first, a column named like an
    output field renamed input_<name>, text that was not UTF-8 with U+FFFD in place of its bad bytes."""
    order = ([id_column] if id_column in fields else []) + [name for name in fields if name != id_column]
    return {(f"input_{name}" if name in OUTPUT_FIELDS else name): _printable(fields[name]) for name in order}


def _printable(value):
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def score_rows(model, rows: list[Row]) -> list[dict]:
    """One record per row, in order: the prediction record of :func:`predict_records` (or
    ``{line, error}``), with the row's kept columns under ``fields``."""
    predicted = iter(predict_records(model, [(row.line, row.text) for row in rows if row.error is None]))
    records = []
    for row in rows:
        record = {"line": row.line, "error": row.error} if row.error is not None else next(predicted)
        if row.fields is not None:
            record["fields"] = row.fields
        records.append(record)
    return records
