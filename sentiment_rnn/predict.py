"""Prediction over streams of reviews: line decoding with per-line errors, chunking, output records.

A bad line (invalid UTF-8) becomes an error record for that line alone; the other lines are still
predicted. Input is read and predicted a chunk at a time, so memory stays bounded on large files.
"""

from __future__ import annotations

import json
from typing import BinaryIO, Iterator, Sequence

import numpy as np

__all__ = ["iter_lines", "predict_records", "format_record"]

Line = tuple[int, "str | bytes"]  # (1-based line number, text, or raw bytes that failed to decode)


def iter_lines(stream: BinaryIO, chunk_size: int = 1000) -> Iterator[list[Line]]:
    """Chunks of (line number, text) from a binary stream; undecodable lines are kept as bytes."""
    chunk: list[Line] = []
    for number, raw in enumerate(stream, start=1):
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


def _error_for(text) -> str | None:
    if isinstance(text, bytes):
        return "not valid UTF-8; line skipped"
    return None


def predict_records(model, lines: Sequence[Line]) -> list[dict]:
    """One record per line: ``{line, text, label, p_positive, probabilities}`` or ``{line, error}``."""
    good = [(n, t) for n, t in lines if _error_for(t) is None]
    probabilities = model.predict_proba([t for _, t in good]) if good else np.zeros((0, len(model.classes_)))
    names = list(model.label_names_)
    by_line = {}
    for (number, text), p in zip(good, probabilities):
        record = {"line": number, "text": text, "label": names[int(p.argmax())]}
        if "positive" in names:
            record["p_positive"] = round(float(p[names.index("positive")]), 6)
        record["probabilities"] = {name: round(float(q), 6) for name, q in zip(names, p)}
        by_line[number] = record
    return [by_line.get(n) or {"line": n, "error": _error_for(t)} for n, t in lines]


def format_record(record: dict, output_format: str) -> str:
    """A prediction record as a text line ("text", "tsv") or a JSON object ("jsonl")."""
    if output_format == "jsonl":
        keys = ("text", "label", "p_positive") if "p_positive" in record else ("text", "label", "probabilities")
        return json.dumps({k: record[k] for k in keys}, ensure_ascii=False)
    text = record["text"].replace("\t", " ").replace("\n", " ")
    score = record.get("p_positive", max(record["probabilities"].values()))
    if output_format == "tsv":
        return f"{record['label']}\t{score:.4f}\t{text}"
    return f"{record['label']:<9s} {score:.3f}  {text}"
