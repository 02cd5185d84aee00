"""Prediction over streams of reviews: line decoding with per-line errors, chunking, output records.

Every line gets an answer, and a bad line never stops the others:

- a line that is not valid UTF-8 (on stdin, in a file, or a command-line argument holding bytes that
  are not UTF-8), or a review with no words at all (empty, white space or control characters only),
  becomes an error record for that line alone;
- a review longer than ``MAX_REVIEW_CHARS`` characters is predicted from its last ``MAX_REVIEW_CHARS``
  characters (the end, where reviews usually sum up, as ``max_len`` keeps) and its record says
  ``truncated``: this bounds the time one review takes (tokenizing 1 MB takes seconds) and the
  memory one line takes, as the start of a longer line is skipped while it is read;
- the same bound holds after Unicode normalisation, which can make a text longer (one U+FDFA is 18
  characters and 4 words): a review is read from the end of its normalised text, at most
  ``MAX_REVIEW_CHARS`` characters, ``MAX_REVIEW_SENTENCES`` sentences and ``MAX_REVIEW_TOKENS``
  tokens (see :func:`read_review`), so no line costs more than the longest ordinary review;
- words the model never saw, emoji, other scripts and control characters inside a review are
  unknown words or spaces, and the review still gets a prediction.

Input is read and predicted a chunk of lines at a time, so memory stays bounded on large files.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import BinaryIO
from collections.abc import Iterator, Sequence

import numpy as np

from sentiment_rnn.text.tokenizer import normalize, review_end, tokenize

__all__ = ["MAX_REVIEW_CHARS", "MAX_REVIEW_TOKENS", "MAX_REVIEW_SENTENCES", "read_review", "iter_lines", "predict_labels", "predict_records", "format_record", "tsv_header"]

MAX_REVIEW_CHARS = 20_000  # about 4,000 words; the longest IMDB review has 13,704 characters
MAX_LINE_BYTES = 4 * MAX_REVIEW_CHARS + 4  # a line cut to this many bytes still holds more than MAX_REVIEW_CHARS
NOT_UTF8 = "not valid UTF-8; line skipped"
NO_WORDS = "no words to predict from (empty, or only white space or control characters); line skipped"
TRUNCATED = f"longer than {MAX_REVIEW_CHARS:,} characters; predicted from its last {MAX_REVIEW_CHARS:,}"
MAX_REVIEW_TOKENS = 5_000  # the longest IMDB review has about 2,900
MAX_REVIEW_SENTENCES = 200  # and about 130 sentences; Punkt takes about 1 ms a sentence
TOO_MUCH = (f"over {MAX_REVIEW_CHARS:,} characters, {MAX_REVIEW_SENTENCES:,} sentences or {MAX_REVIEW_TOKENS:,} "
            "tokens once its Unicode is normalised; predicted from its last ones")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")  # where Punkt may end a sentence
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # would break a line of text or TSV output
_LINE_BREAKS_JSON_KEEPS = re.compile(r"[\x7f-\x9f\u2028\u2029]")  # json.dumps escapes only \x00-\x1f
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # what Python makes of bytes that are not UTF-8 in argv

Line = tuple[int, "str | bytes"]  # (1-based line number, text, or raw bytes that failed to decode)


def iter_lines(stream: BinaryIO, chunk_size: int = 1000, max_line_bytes: int = MAX_LINE_BYTES,
               block_size: int = 1 << 16) -> Iterator[list[Line]]:
    """Chunks of (line number, text) from a binary stream; undecodable lines are kept as bytes.

    A line ends at LF, CRLF or a lone CR (old Mac files are not one huge line). Blank lines at the
    end of the input are no lines (a file's final newline, or a few more, are not reviews); blank
    lines between reviews are kept, so every line number is answered. A line longer than
    ``max_line_bytes`` is read in pieces and only its last ``max_line_bytes`` bytes are kept
    (starting at a character boundary).
    """
    chunk: list[Line] = []
    blank_run = 0  # blank lines seen since the last non-blank one: reviews only if one follows
    number = 0
    for raw in _raw_lines(stream, max_line_bytes, block_size):
        number += 1
        if not raw.strip():
            blank_run += 1
            continue
        lines = itertools.chain(((blank, "") for blank in range(number - blank_run, number)), [(number, _decoded(raw))])
        blank_run = 0
        for line in lines:
            chunk.append(line)
            if len(chunk) == chunk_size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _decoded(raw: bytes) -> str | bytes:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


_LINE_END = re.compile(rb"\r\n|\r|\n")


def _raw_lines(stream: BinaryIO, max_line_bytes: int, block_size: int) -> Iterator[bytes]:
    """The lines of a binary stream without their ends, each cut to its last ``max_line_bytes`` bytes.

    The stream is read ``block_size`` bytes at a time, so memory stays bounded whatever the line ends.
    """
    pending = b""  # the start of a line whose end is not read yet (its last max_line_bytes + 1 bytes)
    while True:
        block = stream.read(block_size)
        data = pending + block
        start = 0
        for end in _LINE_END.finditer(data):
            if end.group() == b"\r" and end.end() == len(data) and block:
                break  # a CR at the end of what was read may be the first half of a CRLF
            yield _line_tail(data[start : end.start()], max_line_bytes)
            start = end.end()
        pending = data[start:][-(max_line_bytes + 1) :]
        if not block:
            if pending:
                yield _line_tail(pending, max_line_bytes)
            return


def _line_tail(raw: bytes, max_line_bytes: int) -> bytes:
    """``raw``, or its last ``max_line_bytes`` bytes from a character boundary when it is longer."""
    if len(raw) <= max_line_bytes:
        return raw
    tail = raw[-max_line_bytes:]
    skip = 0
    while skip < 3 and skip < len(tail) and 0x80 <= tail[skip] < 0xC0:  # UTF-8 continuation bytes
        skip += 1
    return tail[skip:]


def predict_labels(model, texts: Sequence, progress=None, chunk_size: int = 1000) -> np.ndarray:
    """``model.predict(texts)`` (n,), ``chunk_size`` texts at a time with ``progress(done, total)`` after
    each chunk: scoring 25,000 reviews takes a minute or more."""
    predictions = []
    for start in range(0, len(texts), chunk_size):
        predictions.append(model.predict(texts[start : start + chunk_size]))
        if progress is not None:
            progress(min(start + chunk_size, len(texts)), len(texts))
    return np.concatenate(predictions) if predictions else model.predict([])


def read_review(text: str) -> tuple[str, list[str], str | None]:
    """What is read of a review: its text, its tokens, and why it was cut (TRUNCATED, TOO_MUCH) or None.

    The end of the text is kept: at most ``MAX_REVIEW_CHARS`` characters before and after Unicode
    normalisation, then at most ``MAX_REVIEW_SENTENCES`` sentences, then ``MAX_REVIEW_TOKENS`` tokens;
    a review cut after normalisation is given as its normalised end.

    >>> read_review("fine. " * 300)[1:] == (["fine", "."] * 200, TOO_MUCH)
    True
    """
    review, cut = review_end(text, MAX_REVIEW_CHARS)
    why = TRUNCATED if cut else None
    normal = normalize(review)
    if len(normal) > MAX_REVIEW_CHARS:
        normal, why = review_end(normal, MAX_REVIEW_CHARS)[0], TOO_MUCH
    ends = [end.end() for end in _SENTENCE_END.finditer(normal)]
    if len(ends) > MAX_REVIEW_SENTENCES:
        normal, why = normal[ends[-MAX_REVIEW_SENTENCES - 1] :].lstrip(), TOO_MUCH
    tokens = tokenize(normal)
    if len(tokens) > MAX_REVIEW_TOKENS:
        tokens, why = tokens[-MAX_REVIEW_TOKENS:], TOO_MUCH
    return (normal if why is TOO_MUCH else review), tokens, why


def predict_records(model, lines: Sequence[Line]) -> list[dict]:
    """One record per line, in order: ``{line, text, label, p_positive, probabilities}`` (plus
    ``truncated: True`` when only the review's end was read) or ``{line, error}``."""
    records: dict[int, dict] = {}
    good = []  # (line number, review, truncated, tokens)
    for number, text in lines:
        if isinstance(text, bytes) or _SURROGATE.search(text):
            records[number] = {"line": number, "error": NOT_UTF8}
            continue
        review, tokens, truncated = read_review(text)
        if not tokens:
            records[number] = {"line": number, "error": NO_WORDS}
            continue
        good.append((number, review, truncated, tokens))
    probabilities = (
        model.predict_proba([tokens for *_, tokens in good]) if good else np.zeros((0, len(model.classes_)))
    )  # (n, C)
    names = list(model.label_names_)
    for (number, review, truncated, _), p in zip(good, probabilities, strict=True):
        record = {"line": number, "text": review, "label": names[int(p.argmax())]}
        if "positive" in names:
            record["p_positive"] = round(float(p[names.index("positive")]), 6)
        record["probabilities"] = {name: round(float(q), 6) for name, q in zip(names, p, strict=True)}
        if truncated:
            record["truncated"] = True
            record["why"] = truncated  # TRUNCATED or TOO_MUCH, for the message on stderr
        records[number] = record
    return [records[number] for number, _ in lines]


def format_record(record: dict, output_format: str, id_column: str | None = None) -> str:
    """A record as a JSON object ("jsonl"), a TSV row ("tsv", columns of :func:`tsv_header`) or a line
    of text ("text"; an error record is a line ``error - line N: why``, so every input line has one).

    JSON records start with the line number, then the input's kept columns (or the review's
    ``text``), then ``label`` and ``p_positive`` (``probabilities`` when the model has no positive
    class) and ``truncated``, or ``error``. One record is always one output line: in text and TSV
    output, control characters and line separators become spaces; in JSON they are escaped.
    """
    if output_format == "jsonl":
        out = {"line": record["line"], **record.get("fields", {})}
        if "fields" not in record and "text" in record:
            out["text"] = record["text"]
        keys = ("error",) if "error" in record else ("label", "p_positive") if "p_positive" in record else (
            "label", "probabilities")
        out.update((key, record[key]) for key in keys + (("truncated",) if record.get("truncated") else ()))
        line = json.dumps(out, ensure_ascii=False)
        return _LINE_BREAKS_JSON_KEEPS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    if output_format == "tsv":
        ids = [str(record.get("fields", {}).get(id_column, ""))] if id_column else []
        if "error" in record:
            values = [str(record["line"]), *ids, "", "", "", record["error"]]
        else:
            values = [str(record["line"]), *ids, record["label"], f"{_score(record):.4f}", record["text"], ""]
        return "\t".join(_UNPRINTABLE.sub(" ", value) for value in values)
    if "error" in record:
        return f"{'error':<9s} {'-':>5s}  line {record['line']}: {record['error']}"
    return f"{record['label']:<9s} {_score(record):.3f}  {_UNPRINTABLE.sub(' ', record['text'])}"


def tsv_header(label_names, id_column: str | None = None) -> str:
    """The header row of TSV output: line, the id column, label, p_positive (or probability, of the
    label, when the model has no positive class), text, error."""
    score = "p_positive" if "positive" in label_names else "probability"
    return "\t".join(["line", *([_UNPRINTABLE.sub(" ", id_column)] if id_column else []), "label", score, "text", "error"])


def _score(record: dict) -> float:
    return record.get("p_positive", max(record["probabilities"].values()))
