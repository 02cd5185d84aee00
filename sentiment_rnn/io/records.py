"""Reviews in tables: reading CSV, TSV and JSONL inputs a chunk of rows at a time, and predicting them.

A row is predicted from its text column and keeps all its columns, so an output record joins back
to its input by the line number (where the row starts) or by an id column of the user's:

- **CSV** follows RFC 4180: a quoted field may hold delimiters, quotes (doubled) and line breaks,
  so one row may span several lines; its record carries the line it starts on;
- **TSV** has no quoting: every line is one row, a quote is an ordinary character and a field can
  never hold a tab or a line break;
- **JSONL** is one object a line;
- anything else (``.txt``, stdin) is one review a line (see :func:`sentiment_rnn.io.predict.iter_lines`).

Input is UTF-8; a file in UTF-16 or UTF-32 (with a byte-order mark, or UTF-16 without one, told by
the NUL bytes of its ASCII characters) is decoded as such. LF, CRLF and a lone CR all end a line. A
row that cannot be predicted (wrong number of fields, not JSON, no text field, no words, not UTF-8)
gets a record with an ``error`` and the others go on; a header without the text column or with a
name twice, broken CSV quoting, a CSV/TSV field over the csv module's limit (131,072 characters) or
a row over ``MAX_ROW_CHARS`` stops the file with a one-line DataError. A JSONL line is read like a
line of text, so one over ``MAX_LINE_BYTES`` loses its start and becomes an error record. Blank
lines at the end are not rows.

Memory stays bounded whatever the rows' shape: a CSV/TSV row is read a line at a time and never
past ``MAX_ROW_CHARS`` (a file without line ends, such as ``/dev/zero``, stops there), and a chunk
ends after ``chunk_size`` rows or once its rows' estimated size reaches ``CHUNK_BYTES`` (wide rows
of many columns, JSONL objects packed with ``{}``: each value kept costs far more than its characters).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from sentiment_rnn.corpora.corpus import check_unique_columns
from sentiment_rnn.errors import DataError
from sentiment_rnn.io.predict import NO_WORDS, iter_lines, predict_records

__all__ = ["INPUT_FORMATS", "Row", "as_utf8", "input_format", "iter_rows", "score_rows", "unicode_encoding"]

INPUT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MAX_ROW_CHARS = 1 << 20  # a CSV/TSV row (all its lines) longer than this stops the file: 1,048,576 characters
CHUNK_BYTES = 16 << 20  # a chunk of rows ends once their estimated size (see _size) reaches this
VALUE_BYTES = 100  # about what one kept value costs: a str or dict, its key, its slot in a dict, its JSON
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
    size: int = 0  # its estimated size in memory (see _size)


def input_format(name: str | os.PathLike) -> str:
    """"csv", "tsv" or "jsonl" from the file name's suffix; "lines" for anything else (and stdin)."""
    return INPUT_FORMATS.get(os.path.splitext(str(name))[1].lower(), "lines")


def iter_rows(stream: BinaryIO, file_format: str, *, text_column: str = "text", id_column: str | None = None,
              chunk_size: int = 1000, source: str = "<stdin>") -> Iterator[list[Row]]:
    """Chunks of at most ``chunk_size`` rows of a binary stream in ``file_format``, in input order."""
    stream = as_utf8(stream)
    if file_format == "lines":
        for chunk in iter_lines(stream, chunk_size):
            yield [Row(number, text) for number, text in chunk]
        return
    rows = (_jsonl_rows(stream, text_column, id_column) if file_format == "jsonl"
            else _delimited_rows(stream, file_format, text_column, id_column, source))
    chunk, size = [], 0
    for row in rows:
        chunk.append(row)
        size += row.size
        if len(chunk) == chunk_size or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _size(text: str, values: int) -> int:
    """A row's estimated size in memory once read: its characters, and about ``VALUE_BYTES`` for each
    value it holds (a string, a dict or list and its slot in its container)."""
    return len(text) + VALUE_BYTES * values


def as_utf8(stream: BinaryIO) -> BinaryIO:
    """``stream`` as UTF-8 bytes: itself, or its text decoded from the UTF-16 or UTF-32 that its
    first bytes show (see :func:`unicode_encoding`), a block at a time."""
    head = stream.read(_SNIFF_BYTES)
    encoding = unicode_encoding(head)
    raw = _Recoded(head, stream, encoding) if encoding else _Prefixed(head, stream)
    return io.BufferedReader(raw, 1 << 16)


_SNIFF_BYTES = 4096
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16")]  # UTF-32's before UTF-16's: FF FE 00 00 starts with FF FE


def unicode_encoding(head: bytes) -> str | None:
    r"""The UTF-16 or UTF-32 encoding of a text starting with ``head`` (None: read it as UTF-8): from its
    byte-order mark, or UTF-16 without one when most of its characters have a NUL byte on one side
    (as Latin letters, digits and punctuation do) and almost none on the other.

    >>> [unicode_encoding(text) for text in (b"\xff\xfeg\x00", "good film".encode("utf-16-be"), b"good film")]
    ['utf-16', 'utf-16-be', None]
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):  # and what follows looks like it, not like UTF-8 after two stray bytes
            rest = head[len(bom) :]
            looks = rest.count(0) >= len(rest) / 2 if encoding == "utf-32" else _nul_order(rest) is not None
            return encoding if looks or not _utf8_start(rest) else None
    return _nul_order(head)


def _utf8_start(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, but for a character cut at its end."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(data) - 3
    return True


def _nul_order(head: bytes) -> str | None:
    pairs = len(head) // 2
    if pairs == 0:
        return None
    even_nuls, odd_nuls = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if odd_nuls >= 0.4 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.4 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


class _Prefixed(io.RawIOBase):
    """The bytes ``head`` then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self.pending, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.pending:
            self.pending = self.stream.read(len(buffer))
        count = min(len(buffer), len(self.pending))
        buffer[:count], self.pending = self.pending[:count], self.pending[count:]
        return count


class _Recoded(_Prefixed):
    """The text of ``head`` + ``stream`` decoded from ``encoding`` (bad sequences as U+FFFD), as UTF-8."""

    def __init__(self, head: bytes, stream: BinaryIO, encoding: str):
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        super().__init__(self.decoder.decode(head).encode("utf-8", "surrogatepass"), stream)

    def readinto(self, buffer) -> int:
        while not self.pending:
            block = self.stream.read(1 << 16)
            self.pending = self.decoder.decode(block, final=not block).encode("utf-8", "surrogatepass")
            if not block:
                break
        return super().readinto(buffer)


def _delimited_rows(stream: BinaryIO, file_format: str, text_column: str, id_column: str | None,
                    source: str) -> Iterator[Row]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    row_chars = [0]  # the characters of the row being read, over all its lines

    def lines() -> Iterator[str]:  # what the csv reader reads: whole lines, never past MAX_ROW_CHARS a row
        while line := text.readline(MAX_ROW_CHARS - row_chars[0] + 1):
            row_chars[0] += len(line)
            if row_chars[0] > MAX_ROW_CHARS:
                raise DataError(f"a row is longer than {MAX_ROW_CHARS:,} characters, the most a {name} row may "
                                "hold here (one review a line has no such limit)", source, start)
            yield line

    name = "TSV" if file_format == "tsv" else "CSV"
    quoting = {"quoting": csv.QUOTE_NONE} if file_format == "tsv" else {"strict": True}
    reader = csv.reader(lines(), delimiter="\t" if file_format == "tsv" else ",", **quoting)
    header, blank_lines, start = None, [], 1
    try:
        for values in reader:
            line, start, size, row_chars[0] = start, reader.line_num + 1, _size("", len(values)) + row_chars[0], 0
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
            fields = dict(zip(header, values))
            yield Row(line, fields[text_column], _kept(fields, id_column), size=size)
    except csv.Error as error:
        if str(error).startswith("field larger than field limit"):
            raise DataError(f"a field is longer than {csv.field_size_limit():,} characters, the most a {name} field "
                            "may hold here (one review a line has no such limit)", source, start) from None
        raise DataError(f"malformed {name}: {error}", source, reader.line_num) from None
    finally:
        text.detach()  # the caller owns the stream
    if header is None:
        raise DataError("no header row (the file is empty)", source)


def _check_columns(header: list[str], text_column: str, id_column: str | None, source: str, line: int) -> None:
    check_unique_columns(header, source, line)
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
                size = _size(line, line.count("{") + line.count("[") + line.count(","))
                yield Row(number, record[text_column], _kept(record, id_column), size=size)


def _kept(fields: dict, id_column: str | None) -> dict:
    """The input's columns as the output keeps them: the id column first, a column named like an
    output field renamed input_<name>, text that was not UTF-8 with U+FFFD in place of its bad bytes."""
    order = ([id_column] if id_column in fields else []) + [name for name in fields if name != id_column]
    values = [fields[name] for name in order]
    if _SURROGATE.search("".join(value for value in values if isinstance(value, str))):  # one search a row
        values = [_printable(value) for value in values]
    return dict(zip([f"input_{name}" if name in OUTPUT_FIELDS else name for name in order], values))


_SURROGATE = re.compile(r"[\ud800-\udfff]")  # what surrogateescape makes of bytes that are not UTF-8


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
