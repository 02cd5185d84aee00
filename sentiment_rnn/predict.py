"""Prediction over streams of reviews: line decoding with per-line errors, chunking, output records.

Every line gets an answer, and a bad line never stops the others:

- a line that is not valid UTF-8 (on stdin, in a file, or a command-line argument holding bytes that
  are not UTF-8), or a review with no words at all (empty, white space or control characters only),
  becomes an error record for that line alone;
- a review longer than ``MAX_REVIEW_CHARS`` characters is predicted from its last ``MAX_REVIEW_CHARS``
  characters (the end, where reviews usually sum up, as ``max_len`` keeps) and its record says
  ``truncated``: this bounds the time one review takes (tokenizing 1 MB takes seconds) and the
  memory one line takes, as the start of a longer line is skipped while it is read;
- words the model never saw, emoji, other scripts and control characters inside a review are
  unknown words or spaces, and the review still gets a prediction.

Input is read and predicted a chunk of lines at a time, so memory stays bounded on large files.
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO, Iterator, Sequence

import numpy as np

from sentiment_rnn.text import review_end, tokenize

__all__ = ["MAX_REVIEW_CHARS", "iter_lines", "predict_records", "format_record"]

MAX_REVIEW_CHARS = 20_000  # about 4,000 words; the longest IMDB review has 13,704 characters
MAX_LINE_BYTES = 4 * MAX_REVIEW_CHARS + 4  # a line cut to this many bytes still holds more than MAX_REVIEW_CHARS
NOT_UTF8 = "not valid UTF-8; line skipped"
NO_WORDS = "no words to predict from (empty, or only white space or control characters); line skipped"
TRUNCATED = f"longer than {MAX_REVIEW_CHARS:,} characters; predicted from its last {MAX_REVIEW_CHARS:,}"
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # would break a line of text or TSV output
_LINE_BREAKS_JSON_KEEPS = re.compile(r"[\x7f-\x9f\u2028\u2029]")  # json.dumps escapes only \x00-\x1f
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # what Python makes of bytes that are not UTF-8 in argv

Line = tuple[int, "str | bytes"]  # (1-based line number, text, or raw bytes that failed to decode)


def iter_lines(stream: BinaryIO, chunk_size: int = 1000, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[list[Line]]:
    """Chunks of (line number, text) from a binary stream; undecodable lines are kept as bytes.

    A line longer than ``max_line_bytes`` is read in pieces and only its last ``max_line_bytes``
    bytes are kept (starting at a character boundary).
    """
    chunk: list[Line] = []
    number = 0
    while raw := stream.readline(max_line_bytes + 1):
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            raw = _end_of_long_line(stream, raw, max_line_bytes)
        raw = raw.rstrip(b"\r\n")
        try:
            chunk.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError:
            chunk.append((number, raw))
        if len(chunk) == chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _end_of_long_line(stream: BinaryIO, start: bytes, max_line_bytes: int) -> bytes:
    """Read the rest of a line whose first bytes are ``start``; return its last ``max_line_bytes`` bytes."""
    tail = start
    while not tail.endswith(b"\n") and (piece := stream.readline(max_line_bytes)):
        tail = (tail + piece)[-max_line_bytes - 1 :]
    tail = tail[-max_line_bytes - 1 :] if tail.endswith(b"\n") else tail[-max_line_bytes:]
    skip = 0
    while skip < 3 and skip < len(tail) and 0x80 <= tail[skip] < 0xC0:  # UTF-8 continuation bytes
        skip += 1
    return tail[skip:]


def _review(text: str) -> tuple[str, bool]:
    """The part of ``text`` that is predicted, and whether it was cut: its last MAX_REVIEW_CHARS
    characters, from the first word boundary among them."""
    return review_end(text, MAX_REVIEW_CHARS)


def predict_records(model, lines: Sequence[Line]) -> list[dict]:
    """One record per line, in order: ``{line, text, label, p_positive, probabilities}`` (plus
    ``truncated: True`` when only the review's end was read) or ``{line, error}``."""
    records: dict[int, dict] = {}
    good = []  # (line number, review, truncated, tokens)
    for number, text in lines:
        if isinstance(text, bytes) or _SURROGATE.search(text):
            records[number] = {"line": number, "error": NOT_UTF8}
            continue
        review, truncated = _review(text)
        tokens = tokenize(review)
        if not tokens:
            records[number] = {"line": number, "error": NO_WORDS}
            continue
        good.append((number, review, truncated, tokens))
    probabilities = (
        model.predict_proba([tokens for *_, tokens in good]) if good else np.zeros((0, len(model.classes_)))
    )  # (n, C)
    names = list(model.label_names_)
    for (number, review, truncated, _), p in zip(good, probabilities):
        record = {"line": number, "text": review, "label": names[int(p.argmax())]}
        if "positive" in names:
            record["p_positive"] = round(float(p[names.index("positive")]), 6)
        record["probabilities"] = {name: round(float(q), 6) for name, q in zip(names, p)}
        if truncated:
            record["truncated"] = True
        records[number] = record
    return [records[number] for number, _ in lines]


def format_record(record: dict, output_format: str) -> str:
    """A prediction record as a text line ("text", "tsv") or a JSON object ("jsonl").

    One review is always one output line: in text and TSV output, control characters and line
    separators of the echoed review become spaces; in JSON they are escaped.
    """
    if output_format == "jsonl":
        keys = ("text", "label", "p_positive") if "p_positive" in record else ("text", "label", "probabilities")
        keys += ("truncated",) if record.get("truncated") else ()
        line = json.dumps({k: record[k] for k in keys}, ensure_ascii=False)
        return _LINE_BREAKS_JSON_KEEPS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    text = _UNPRINTABLE.sub(" ", record["text"])
    score = record.get("p_positive", max(record["probabilities"].values()))
    if output_format == "tsv":
        return f"{record['label']}\t{score:.4f}\t{text}"
    return f"{record['label']:<9s} {score:.3f}  {text}"
