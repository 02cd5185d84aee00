"""Labelled files of the user's own: CSV or TSV with a header row, or JSONL, checked line by line."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np

from sentiment_rnn.corpora.corpus import BINARY_LABELS, Corpus, check_choice, column_index, read_utf8
from sentiment_rnn.errors import DataError
from sentiment_rnn.files import loads_bounded
from sentiment_rnn.text.tokenizer import normalize

__all__ = ["load_file"]


_FILE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_LABEL_VALUES = {"negative": 0, "neg": 0, "0": 0, "positive": 1, "pos": 1, "1": 1}


def load_file(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    label_column: str = "label",
    file_format: str | None = None,
) -> Corpus:
    """Load a labelled file of your own: CSV or TSV with a header row, or JSONL (one object a line).

    The format comes from the suffix (.csv, .tsv, .jsonl) unless ``file_format`` is given. Labels may
    be positive/negative, pos/neg or 1/0 in any case. Any problem raises a one-line DataError that
    names the file and line.
    """
    path = Path(path)
    file_format = _file_format(path, file_format)
    content = read_utf8(path)
    if not content.strip():
        raise DataError("the file is empty", path)
    if file_format == "jsonl":
        records = _jsonl_records(content, path, text_column, label_column)
    else:
        delimiter = "\t" if file_format == "tsv" else ","
        records = _delimited_records(content, path, delimiter, text_column, label_column)
    texts, labels = [], []
    for line, text, label in records:
        labels.append(_parse_label(label, label_column, path, line))
        texts.append(normalize(text))
        if not texts[-1]:
            raise DataError(f"empty text in {text_column!r}", path, line)
    if not texts:
        raise DataError("the file has no rows, only a header", path)
    return Corpus(path.name, "all", texts, np.asarray(labels, dtype=np.int64), BINARY_LABELS, source=str(path))


def _file_format(path: Path, file_format: str | None) -> str:
    if file_format is not None:
        check_choice("file_format", file_format.lower(), ("csv", "tsv", "jsonl"))
        return file_format.lower()
    if path.suffix.lower() not in _FILE_FORMATS:
        raise DataError(f"cannot tell the format from the suffix {path.suffix!r}; use .csv, .tsv or .jsonl", path)
    return _FILE_FORMATS[path.suffix.lower()]




def _delimited_records(content: str, path: Path, delimiter: str, text_column: str, label_column: str):
    """(line, text, label) of every non-blank row of a CSV or TSV file with a header."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next((row for row in reader if any(field.strip() for field in row)), None)
        if header is None:
            raise DataError("the file is empty", path)
        text_i = column_index(header, text_column, path, reader.line_num)
        label_i = column_index(header, label_column, path, reader.line_num)
        for row in reader:
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(header):
                raise DataError(f"row has {len(row)} fields, the header has {len(header)}", path, reader.line_num)
            yield reader.line_num, row[text_i], row[label_i]
    except csv.Error as error:
        raise DataError(f"malformed {'TSV' if delimiter == chr(9) else 'CSV'}: {error}", path, reader.line_num) from None


def _jsonl_records(content: str, path: Path, text_column: str, label_column: str):
    """(line, text, label) of every non-blank line of a JSON Lines file."""
    for line_no, line in enumerate(content.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = loads_bounded(line)
        except json.JSONDecodeError as error:
            raise DataError(f"not valid JSON: {error.msg} (column {error.colno})", path, line_no) from None
        except ValueError as error:  # nested deeper than any record needs
            raise DataError(f"not a record: {error}", path, line_no) from None
        if not isinstance(record, dict):
            raise DataError(f"expected a JSON object on each line, got {type(record).__name__}", path, line_no)
        for key in (text_column, label_column):
            if key not in record:
                raise DataError(f"no field {key!r}; this record has: {', '.join(record)}", path, line_no)
        if not isinstance(record[text_column], str):
            raise DataError(f"field {text_column!r} is not a string", path, line_no)
        yield line_no, record[text_column], record[label_column]


def _parse_label(value, label_column: str, path: Path, line: int) -> int:
    key = str(value).strip().lower()
    if isinstance(value, bool) or key not in _LABEL_VALUES:
        if key == label_column.strip().lower():
            raise DataError(f"the header row is repeated here (label {value!r}); remove this line", path, line)
        problem = f"missing label in {label_column!r}" if value is None or key == "" else (
            f"unknown label {value!r} in {label_column!r}")
        raise DataError(f"{problem} (expected positive/negative, pos/neg or 1/0)", path, line)
    return _LABEL_VALUES[key]


