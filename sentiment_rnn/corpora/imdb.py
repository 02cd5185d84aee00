"""The Large Movie Review Dataset (IMDB): 50,000 labelled reviews from one checked CSV."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from sentiment_rnn.corpora.corpus import BINARY_LABELS, Corpus, column_index
from sentiment_rnn.corpora.sources import IMDB_COLUMNS, SOURCES, Progress, locate
from sentiment_rnn.errors import DataError
from sentiment_rnn.text.tokenizer import normalize

__all__ = ["load_imdb"]


_IMDB_SPLIT_ROWS: dict[str, Callable[[str, int], bool]] = {
    "train": lambda split, review_id: split == "train" and review_id % 10 != 0,
    "dev": lambda split, review_id: split == "train" and review_id % 10 == 0,
    "test": lambda split, review_id: split == "test",
    "full-train": lambda split, review_id: split == "train",
}


def load_imdb(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool,
             progress: Progress | None = None) -> Corpus:
    path = locate("imdb", SOURCES["imdb"].installed, data_dir, download, progress)
    keep = _IMDB_SPLIT_ROWS[split]
    texts, labels = [], []
    for review, label, row_split, review_id in _read_imdb_csv(path):
        if keep(row_split, review_id):
            texts.append(normalize(review))
            labels.append(label)
    return Corpus("imdb", split, texts, np.asarray(labels, dtype=np.int64), BINARY_LABELS, source=str(path))


def _read_imdb_csv(path: Path) -> Iterator[tuple[str, int, str, int]]:
    """(review, label, split, id) of every row of imdb_50k.csv.gz, each row checked."""
    label_ids = {name: i for i, name in enumerate(BINARY_LABELS)}
    with _open_gzip_text(path) as file:
        reader = csv.reader(file, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise DataError("the file is empty, expected a CSV header", path)
            columns = {name: column_index(header, name, path, reader.line_num) for name in IMDB_COLUMNS}
            for row in reader:
                if len(row) != len(header):
                    raise DataError(f"row has {len(row)} fields, the header has {len(header)}", path, reader.line_num)
                review, sentiment, split, review_id = (row[columns[c]] for c in IMDB_COLUMNS[:4])
                if sentiment not in label_ids or split not in ("train", "test") or not review_id.isdigit():
                    raise DataError(f"bad row: sentiment={sentiment!r} split={split!r} id={review_id!r}", path, reader.line_num)
                yield review, label_ids[sentiment], split, int(review_id)
        except csv.Error as error:
            raise DataError(f"malformed CSV: {error}", path, reader.line_num) from None
        except UnicodeDecodeError:
            raise DataError("not valid UTF-8", path, reader.line_num + 1) from None
        except (OSError, EOFError) as error:
            raise DataError(f"cannot read the gzip file ({error})", path) from None


def _open_gzip_text(path: Path):
    try:
        return gzip.open(path, "rt", encoding="utf-8", errors="strict", newline="")
    except OSError as error:
        raise DataError(f"cannot open ({error})", path) from None


