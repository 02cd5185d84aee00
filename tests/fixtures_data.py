"""Tiny corpora in the real layouts, written by the tests into tmp_path (used by test_data and
test_download). Expected values are derived from these definitions, not typed in."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tarfile
import zipfile
from pathlib import Path

# Four SST trees: a positive sentence, a neutral one, a negative one whose first leaf holds a
# no-break space (like "8 1\/2" in the real train.txt) and PTB bracket escapes, a very positive one.
SST_TREES = [
    "(3 (2 (2 Paul) (2 Bettany)) (3 (2 (2 is) (3 cool)) (2 .)))",
    "(2 (2 Fine) (2 .))",
    "(0 (2 8\u00a01\\/2) (0 (2 -LRB-) (0 (0 Awful) (2 -RRB-))))",
    "(4 (4 Great) (2 (2 is) (2 n't)))",
]
SST_ROOT_LABELS = [int(tree[1]) for tree in SST_TREES]
SST_NODE_LABELS = [int(label) for tree in SST_TREES for label in re.findall(r"\((\d)", tree)]


def write_sst(folder: Path, lines: list[str] = SST_TREES) -> Path:
    """Write the same trees as sst/{train,dev,test}.txt under ``folder``; return the sst folder."""
    sst = folder / "sst"
    sst.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev", "test"):
        (sst / f"{split}.txt").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return sst


def sst_zip_bytes(lines: list[str] = SST_TREES) -> tuple[bytes, dict[str, bytes]]:
    """trainDevTestTrees_PTB.zip with trees/{train,dev,test}.txt; also returns each file's bytes."""
    files = {f"{split}.txt": "".join(line + "\n" for line in lines).encode() for split in ("train", "dev", "test")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in files.items():
            zipped.writestr(f"trees/{name}", data)
    return buffer.getvalue(), files


# sentence_polarity: unique tokenized lines, 20 positive and 10 negative.
POLARITY = {
    "pos": [f"a fine film number {i} , really ." for i in range(20)],
    "neg": [f"a dull film number {i} ; sadly ." for i in range(10)],
}


def write_sentence_polarity(nltk_data: Path) -> Path:
    folder = nltk_data / "corpora" / "sentence_polarity"
    folder.mkdir(parents=True, exist_ok=True)
    for category, lines in POLARITY.items():
        (folder / f"rt-polarity.{category}").write_text("".join(f"{line} \n" for line in lines), encoding="utf-8")
    (folder / "README.txt").write_text("fixture\n", encoding="utf-8")
    return folder


def sentence_polarity_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("sentence_polarity/", "")
        for category, lines in POLARITY.items():
            zipped.writestr(f"sentence_polarity/rt-polarity.{category}", "".join(f"{line} \n" for line in lines))
    return buffer.getvalue()


# movie_reviews: documents of several lines (one sentence a line), 10 per category.
REVIEWS = {
    category: {f"cv{i:03d}_{i}.txt": f"the {word} film {i} .\nit is {word} , i say . \n" for i in range(10)}
    for category, word in (("pos", "great"), ("neg", "awful"))
}


def write_movie_reviews(nltk_data: Path) -> Path:
    folder = nltk_data / "corpora" / "movie_reviews"
    for category, files in REVIEWS.items():
        (folder / category).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / category / name).write_text(text, encoding="ascii")
    (folder / "README").write_text("fixture\n", encoding="ascii")
    return folder


# IMDB: (review, sentiment, split, id, rating) rows; ids 0..19 in each split, labels alternating.
IMDB_ROWS = [
    (f"Review {split} {i}, \"quoted\"<br /><br />and done.", "positive" if i % 2 else "negative", split, i,
     8 if i % 2 else 2)
    for split in ("train", "test")
    for i in range(20)
]


def write_imdb_csv(folder: Path, rows=IMDB_ROWS, header=("review", "sentiment", "split", "id", "rating")) -> Path:
    """imdb/imdb_50k.csv.gz under ``folder``; the columns follow ``header`` (by name)."""
    path = folder / "imdb" / "imdb_50k.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ("review", "sentiment", "split", "id", "rating")
    with gzip.open(path, "wt", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            record = dict(zip(columns, row, strict=False))
            writer.writerow([record.get(name, "") for name in header])
    return path


def acl_imdb_tar_bytes(rows=IMDB_ROWS) -> bytes:
    """aclImdb_v1.tar.gz laid out like the original release, with an unlabelled review to skip."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        members = {"aclImdb/README": b"fixture\n", "aclImdb/train/unsup/0_0.txt": b"unlabelled review"}
        for review, sentiment, split, review_id, rating in rows:
            members[f"aclImdb/{split}/{sentiment[:3]}/{review_id}_{rating}.txt"] = review.encode()
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# (label, text, pair id): an original and its edit share the id; one text has a quoted field with a tab.
CAD_TRAIN = [
    ("Negative", "Long, boring, blasphemous.<br /><br />Never again.", 4),
    ("Positive", "Long, fascinating, soulful.<br /><br />Again!", 4),
    ("Positive", 'A "great"\tfilm, really.', 7),
    ("Negative", 'A "dull"\tfilm, really.', 7),
    ("Negative", "Not good at all.", 12),
    ("Positive", "Good at all times.", 12),
]
CAD_DEV = [("Positive", "Fun and warm.", 3), ("Negative", "Dull and cold.", 3)]


def cad_tsv(rows) -> str:
    """A ``*_paired.tsv`` file's text: header, then (Sentiment, Text, batch_id) rows, CSV quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["Sentiment", "Text", "batch_id"])
    writer.writerows(rows)
    return buffer.getvalue()


def write_cad(folder: Path, train=CAD_TRAIN, dev=CAD_DEV) -> Path:
    """cad/{train,dev}_paired.tsv under ``folder``; return the cad folder."""
    cad = folder / "cad"
    cad.mkdir(parents=True, exist_ok=True)
    for split, rows in (("train", train), ("dev", dev)):
        (cad / f"{split}_paired.tsv").write_text(cad_tsv(rows), encoding="utf-8")
    return cad
