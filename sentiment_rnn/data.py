"""Corpus loaders with one interface, the data and cache folders, and checked downloads.

Every loader returns a :class:`Corpus`: texts, int64 labels (n,), label names and lowercased tokens.
Corpora are looked up in the data folder (``--data-dir`` / ``SENTIMENT_RNN_DATA``), then in the cache
folder (``SENTIMENT_RNN_CACHE``, default ``~/.cache/sentiment-rnn``); a missing corpus is downloaded
from its official source into the cache, checksummed, and only then moved into place.

>>> corpus = load_corpus("sst", "dev")                                   # doctest: +SKIP
>>> len(corpus), corpus.label_names, corpus.tokens[0][:4]                 # doctest: +SKIP
(872, ('negative', 'positive'), ['it', "'s", 'a', 'lovely'])
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import DataError, DownloadError
from .serialization import atomic_write
from .text import normalize, tokenize, unescape_ptb

if TYPE_CHECKING:
    from nltk import Tree

__all__ = [
    "BINARY_LABELS",
    "CORPORA",
    "SOURCES",
    "SPLITS",
    "SST5_LABELS",
    "Corpus",
    "Source",
    "cache_dir",
    "download_corpus",
    "download_file",
    "load_corpus",
    "load_file",
    "mirror_url",
    "read_sst_trees",
    "resolve_data_dir",
    "sst_trees",
    "TrainingData",
    "load_training_data",
    "unlabeled_sentences",
    "unlabeled_texts",
]

BINARY_LABELS = ("negative", "positive")
SST5_LABELS = ("very negative", "negative", "neutral", "positive", "very positive")
SPLITS = ("train", "dev", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # train, dev, test for corpora without an official split
DATA_ENV = "SENTIMENT_RNN_DATA"
CACHE_ENV = "SENTIMENT_RNN_CACHE"
MIRROR_ENV = "SENTIMENT_RNN_MIRROR"
DOWNLOAD_TIMEOUT = 60.0  # seconds without data before a download gives up


# ----------------------------------------------------------------------------------------------
# Corpus


@dataclass(frozen=True, eq=False)
class Corpus:
    """A labelled split of a corpus.

    ``pretokenized`` holds the corpus's own tokens (lowercased) for tokenized corpora; when it is
    None, :attr:`tokens` tokenizes ``texts`` on first use and keeps the result. ``source`` is the file
    the examples were read from, when there is one (error messages name it). ``pair_ids`` (n,) int64,
    for corpora of pairs (cad), gives the two members of a pair the same id.
    """

    name: str
    split: str
    texts: list[str] = field(repr=False)
    labels: np.ndarray = field(repr=False)  # (n,) int64
    label_names: tuple[str, ...] = BINARY_LABELS
    pretokenized: list[list[str]] | None = field(default=None, repr=False)
    source: str | None = field(default=None, repr=False)
    pair_ids: np.ndarray | None = field(default=None, repr=False)  # (n,) int64

    def __post_init__(self):
        labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)  # (n,)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "label_names", tuple(self.label_names))
        if len(labels) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(labels)} labels")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self.label_names)):
            raise ValueError(f"labels must lie in 0..{len(self.label_names) - 1}")
        if self.pretokenized is not None and len(self.pretokenized) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(self.pretokenized)} token lists")
        if self.pair_ids is not None:
            object.__setattr__(self, "pair_ids", np.asarray(self.pair_ids, dtype=np.int64).reshape(-1))
            if len(self.pair_ids) != len(labels):
                raise ValueError(f"{len(labels)} labels but {len(self.pair_ids)} pair ids")

    @functools.cached_property
    def tokens(self) -> list[list[str]]:
        """Lowercased tokens of every text (computed once, on first use)."""
        if self.pretokenized is not None:
            return self.pretokenized
        return [tokenize(text) for text in self.texts]

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        return f"Corpus(name={self.name!r}, split={self.split!r}, n={len(self)}, label_names={self.label_names})"


def _pretokenized_corpus(name: str, split: str, token_lists: list[list[str]], labels, label_names,
                         source: str | None = None) -> Corpus:
    """A Corpus whose texts are the corpus tokens joined by spaces and whose tokens are lowercased."""
    texts = [" ".join(tokens) for tokens in token_lists]
    lowered = [[token.lower() for token in tokens] for tokens in token_lists]
    return Corpus(name, split, texts, np.asarray(labels, dtype=np.int64), label_names, lowered, source)


# ----------------------------------------------------------------------------------------------
# Folders


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The data folder: ``data_dir`` if given, else ``$SENTIMENT_RNN_DATA``, else None."""
    value = data_dir if data_dir is not None else os.environ.get(DATA_ENV) or None
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise DataError("the data folder does not exist (from --data-dir or SENTIMENT_RNN_DATA)", path)
    return path


def cache_dir() -> Path:
    """The download cache: ``$SENTIMENT_RNN_CACHE``, else ``~/.cache/sentiment-rnn`` (not created here)."""
    value = os.environ.get(CACHE_ENV)
    return Path(value).expanduser() if value else Path.home() / ".cache" / "sentiment-rnn"


def _search_roots(data_dir) -> list[Path]:
    """Folders a corpus is looked up in, in order: the data folder, then the cache."""
    resolved = resolve_data_dir(data_dir)
    return [root for root in (resolved, cache_dir()) if root is not None]


def _first_existing(roots: list[Path], relative: str) -> Path | None:
    for root in roots:
        if (root / relative).exists():
            return root / relative
    return None


# ----------------------------------------------------------------------------------------------
# Sources and downloads


@dataclass(frozen=True)
class Source:
    """Where a corpus comes from and how its download is checked.

    ``md5`` is the checksum of the downloaded file; ``sha256`` maps files extracted from it to theirs.
    ``archive`` is the file name the download is saved under, inside ``folder`` of the cache.
    """

    title: str
    url: str
    folder: str
    archive: str
    installed: str  # what the loader looks for, relative to a data or cache folder
    md5: str | None = None
    sha256: Mapping[str, str] = field(default_factory=dict)


SOURCES: dict[str, Source] = {
    "sst": Source(
        title="the Stanford Sentiment Treebank",
        url="https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
        folder="sst",
        archive="trainDevTestTrees_PTB.zip",
        installed="sst/{split}.txt",
        sha256={
            "train.txt": "e2f3f41b0b1e6d4dddc0effe3bfc2d27ed8928079aa9a03d652311614fc5feb7",
            "dev.txt": "0e9336aed6e4730e19f58d00a77b3f0297efdb755f7b5e598c98a05e3f97ea40",
            "test.txt": "6e54806dee95cf80cd918e7dfb3f6770f6df24bf826f289a4d1f709e1c8f6761",
        },
    ),
    "sentence-polarity": Source(
        title="the NLTK sentence_polarity corpus",
        url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/sentence_polarity.zip",
        folder="nltk_data/corpora",
        archive="sentence_polarity.zip",
        installed="nltk_data/corpora/sentence_polarity",
        md5="5cdc0cae7f558040d050c90eb2b72e97",
    ),
    "movie-reviews": Source(
        title="the NLTK movie_reviews corpus",
        url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/movie_reviews.zip",
        folder="nltk_data/corpora",
        archive="movie_reviews.zip",
        installed="nltk_data/corpora/movie_reviews",
        md5="155de2b77c6834dd8eea7cbe88e93acb",
    ),
    "imdb": Source(
        title="the Large Movie Review Dataset (IMDB)",
        url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        folder="imdb",
        archive="aclImdb_v1.tar.gz",
        installed="imdb/imdb_50k.csv.gz",
        md5="7c2ac02c03563afcf9b574c7e56c153a",
    ),
    "cad": Source(  # two files, each checked by sha256 (sentiment_rnn.cad.download_cad)
        title="the counterfactually augmented IMDb review pairs (CAD)",
        url="https://raw.githubusercontent.com/acmi-lab/counterfactually-augmented-data/master/sentiment/combined/paired/{file}",
        folder="cad",
        archive="train_paired.tsv",
        installed="cad/{split}_paired.tsv",
        sha256={
            "train_paired.tsv": "7ac50ca3d70890f80e11ee59955cdbfc43f26b5078d0603717817ab224d2af18",
            "dev_paired.tsv": "4c2d8a70cbce23eba27fb1f0bb5043cf044811912435cf8d10c3ea6fc7a51363",
        },
    ),
}


def mirror_url(url: str, mirror: str | None = None) -> str:
    """``url`` with its scheme and host replaced by ``mirror`` (or ``$SENTIMENT_RNN_MIRROR``).

    >>> mirror_url("https://nlp.stanford.edu/sentiment/a.zip", "http://127.0.0.1:8000/m")
    'http://127.0.0.1:8000/m/sentiment/a.zip'
    """
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None
    if not mirror:
        return url
    original, base = urllib.parse.urlsplit(url), urllib.parse.urlsplit(mirror)
    path = base.path.rstrip("/") + original.path
    return urllib.parse.urlunsplit((base.scheme, base.netloc, path, original.query, ""))


def download_file(
    url: str,
    dest: str | os.PathLike,
    *,
    md5: str | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
    hint: str = "",
) -> Path:
    """Download ``url`` to ``dest`` through a temporary file in the same folder, check its md5, then
    move it into place: a failed, partial or corrupt download never leaves ``dest`` behind.

    ``hint`` ends the one-line DownloadError raised when the server cannot be reached.
    """
    dest = Path(dest)
    with atomic_write(dest) as out:  # a raise inside (offline, bad checksum) leaves no dest behind
        digest = _stream_to(url, out, timeout, hint)
        if md5 is not None:
            _check_digest("md5", md5, digest, url)
    return dest


def _stream_to(url: str, out, timeout: float, hint: str) -> str:
    """Copy the body of ``url`` into the binary file ``out``; return its md5 hex digest."""
    md5 = hashlib.md5(usedforsecurity=False)
    received = 0
    with _open_url(url, timeout, hint) as response:
        expected = response.headers.get("Content-Length")
        expected = int(expected) if expected and expected.isdigit() else None
        with _progress(expected, f"Downloading {url.rsplit('/', 1)[-1]}") as bar:
            while chunk := _read_chunk(response, url, hint):
                out.write(chunk)
                md5.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if expected is not None and received != expected:
        raise DownloadError(f"download of {url} was cut short: got {received} of {expected} bytes{hint}")
    return md5.hexdigest()


def _open_url(url: str, timeout: float, hint: str):
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"cannot download {url}: HTTP {error.code} {error.reason}{hint}") from None
    except urllib.error.URLError as error:
        raise DownloadError(f"cannot download {url} ({error.reason}){hint}") from None
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(f"cannot download {url} ({error or type(error).__name__}){hint}") from None


def _read_chunk(response, url: str, hint: str) -> bytes:
    try:
        return response.read(1 << 16)
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(f"download of {url} failed ({error or type(error).__name__}){hint}") from None


class _NoProgress:
    def update(self, n: int) -> None:
        pass


@contextlib.contextmanager
def _progress(length: int | None, label: str):
    """A click progress bar on stderr when stderr is a terminal and the length is known."""
    if length is None or not sys.stderr.isatty():
        yield _NoProgress()
        return
    import click

    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar


def _check_digest(kind: str, expected: str, actual: str, what: str) -> None:
    if actual != expected.lower():
        raise DownloadError(f"checksum mismatch for {what}: expected {kind} {expected}, got {actual}; nothing was saved")


def _write_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` through a temporary file in the same folder and os.replace."""
    with atomic_write(dest) as out:
        out.write(data)


def _fetch_archive(name: str, cache: Path, mirror: str | None) -> Path:
    """The corpus's archive in the cache: one put there by hand (md5-checked), else downloaded."""
    source = SOURCES[name]
    archive = cache / source.folder / source.archive
    if archive.exists():
        if source.md5 is not None:
            _check_digest("md5", source.md5, _file_md5(archive), str(archive))
        return archive
    url = mirror_url(source.url, mirror)
    return download_file(url, archive, md5=source.md5, hint=_offline_hint(name, url, cache))


def _offline_hint(name: str, url: str, cache: Path) -> str:
    source = SOURCES[name]
    return (
        f"; to get {source.title} ({name}) without this download, fetch {url} yourself and save it as "
        f"{cache / source.folder / source.archive}, or pass --data-dir / set {DATA_ENV} to a folder that has "
        f"{source.installed.format(split='train')}"
    )


def _file_md5(path: Path) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            md5.update(chunk)
    return md5.hexdigest()


def download_corpus(name: str, cache: str | os.PathLike | None = None, *, mirror: str | None = None) -> Path:
    """Download corpus ``name`` from its official source (or ``mirror``) into the cache folder and
    install it in the form the loaders read; return the installed path."""
    if name not in SOURCES:
        raise ValueError(f"unknown corpus {name!r}; choose from {', '.join(SOURCES)}")
    cache = Path(cache) if cache is not None else cache_dir()
    if name == "cad":
        from .cad import download_cad

        return download_cad(cache, mirror=mirror)
    installers = {"sst": _install_sst, "imdb": _install_imdb}
    installer = installers.get(name, _install_nltk_corpus)
    return installer(name, _fetch_archive(name, cache, mirror), cache)


def _install_sst(name: str, archive: Path, cache: Path) -> Path:
    """Extract trees/{train,dev,test}.txt, each checked against its sha256, into cache/sst/."""
    folder = cache / SOURCES[name].folder
    try:
        with zipfile.ZipFile(archive) as zipped:
            contents = {file: zipped.read(f"trees/{file}") for file in SOURCES[name].sha256}
    except (zipfile.BadZipFile, KeyError) as error:
        raise DownloadError(f"{archive} is not the treebank archive ({error}); delete it and try again") from None
    for file, data in contents.items():
        _check_digest("sha256", SOURCES[name].sha256[file], hashlib.sha256(data).hexdigest(), f"{archive}:trees/{file}")
    for file, data in contents.items():
        _write_atomic(folder / file, data)
    archive.unlink()
    return folder


def _install_nltk_corpus(name: str, archive: Path, cache: Path) -> Path:
    """Unpack ``<id>.zip`` next to itself, as nltk.download() does (the zip is kept)."""
    corpus_id = archive.name.removesuffix(".zip")
    folder = archive.parent / corpus_id
    staging = Path(tempfile.mkdtemp(dir=archive.parent, prefix=f".{corpus_id}."))
    try:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(staging)
        if not (staging / corpus_id).is_dir():
            raise DownloadError(f"{archive} has no folder {corpus_id}/; delete it and try again")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging / corpus_id, folder)
    except zipfile.BadZipFile as error:
        raise DownloadError(f"{archive} is not a zip archive ({error}); delete it and try again") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


_ACL_MEMBER = re.compile(r"^aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
IMDB_COLUMNS = ("review", "sentiment", "split", "id", "rating")


def _install_imdb(name: str, archive: Path, cache: Path) -> Path:
    """Convert aclImdb_v1.tar.gz once into imdb_50k.csv.gz (columns IMDB_COLUMNS)."""
    dest = cache / SOURCES[name].folder / "imdb_50k.csv.gz"
    rows = sorted(_acl_imdb_rows(archive), key=lambda r: (r[2] != "train", r[1], r[3]))
    if not rows:
        raise DownloadError(f"{archive} holds no aclImdb/{{train,test}}/{{pos,neg}}/*.txt reviews")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped:
        with io.TextIOWrapper(zipped, encoding="utf-8", newline="") as text:
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(IMDB_COLUMNS)
            writer.writerows(rows)
    _write_atomic(dest, buffer.getvalue())
    archive.unlink()
    return dest


def _acl_imdb_rows(archive: Path) -> Iterator[tuple[str, str, str, int, int]]:
    """(review, sentiment, split, id, rating) for every labelled review in the archive."""
    sentiments = {"pos": "positive", "neg": "negative"}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                match = _ACL_MEMBER.match(member.name)
                if match and member.isfile():
                    split, folder, review_id, rating = match.groups()
                    review = tar.extractfile(member).read().decode("utf-8")
                    yield review, sentiments[folder], split, int(review_id), int(rating)
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as error:
        raise DownloadError(f"cannot read {archive} ({error}); delete it and try again") from None


def _locate(name: str, relative: str, data_dir, download: bool) -> Path:
    """The path of an installed corpus file, downloading the corpus into the cache if allowed."""
    roots = _search_roots(data_dir)
    found = _first_existing(roots, relative)
    if found is not None:
        return found
    if not download:
        places = " or ".join(str(root) for root in roots)
        url = SOURCES[name].url
        raise DataError(
            f"{SOURCES[name].title} ({name}) is not installed: no {relative} in {places}; allow downloads"
            + _offline_hint(name, url, cache_dir())
        )
    download_corpus(name)
    return cache_dir() / relative


# ----------------------------------------------------------------------------------------------
# Stanford Sentiment Treebank


_SST_PIECES = re.compile(r"[()]|[^ ()]+")  # split on ASCII space only: leaves may hold U+00A0
_SST_LABEL = re.compile(r"[0-4]")


class _TreeSyntaxError(ValueError):
    pass


def read_sst_trees(path: str | os.PathLike) -> list[Tree]:
    """Parse a treebank file, one tree per line, into ``nltk.Tree`` objects whose labels are ints
    0..4 and whose leaves are unescaped words in their original case.

    A malformed line raises DataError naming the file and the line.
    """
    path = Path(path)
    lines = _read_utf8(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    if not lines:
        raise DataError("the file is empty, expected one tree per line", path)
    trees = []
    for line_no, line in enumerate(lines, 1):
        try:
            trees.append(_parse_sst_tree(line.rstrip("\r")))
        except _TreeSyntaxError as error:
            raise DataError(f"bad tree: {error}", path, line_no) from None
    return trees


def _parse_sst_tree(line: str) -> Tree:
    """One tree from ``(3 (2 word) (3 (2 is) (3 cool)))``; raises _TreeSyntaxError."""
    tree_class = _tree_class()
    pieces = iter(_SST_PIECES.findall(line))
    stack: list[tuple[int, list]] = []  # open nodes: (label, children so far)
    root = None
    for piece in pieces:
        if piece == ")" and not stack:
            raise _TreeSyntaxError("unbalanced brackets: ')' without '('")
        if root is not None:
            raise _TreeSyntaxError(f"text after the end of the tree: {piece!r}")
        if piece == "(":
            label = next(pieces, ")")
            if not _SST_LABEL.fullmatch(label):
                raise _TreeSyntaxError(f"node label {label!r} is not an integer from 0 to 4")
            stack.append((int(label), []))
        elif piece == ")":
            label, children = stack.pop()
            _check_sst_children(label, children)
            node = tree_class(label, children)
            if stack:
                stack[-1][1].append(node)
            else:
                root = node
        elif not stack:
            raise _TreeSyntaxError(f"word {piece!r} outside brackets")
        else:
            stack[-1][1].append(unescape_ptb(piece))
    if stack:
        raise _TreeSyntaxError(f"unbalanced brackets: {len(stack)} '(' not closed")
    if root is None:
        raise _TreeSyntaxError("empty line, expected a tree")
    return root


def _check_sst_children(label: int, children: list) -> None:
    """A node holds one word (a leaf) or two subtrees; anything else is a syntax error."""
    words = sum(type(child) is str for child in children)
    if (words, len(children)) not in ((1, 1), (0, 2)):
        raise _TreeSyntaxError(
            f"a node labelled {label} has {words} word(s) and {len(children) - words} subtree(s); "
            "a node holds one word or two subtrees"
        )


@functools.cache
def _tree_class():
    """nltk.Tree, imported on first use (importing nltk takes a second or two)."""
    from nltk import Tree

    return Tree


def sst_trees(split: str = "train", data_dir=None, download: bool = True) -> list[Tree]:
    """The treebank's trees of ``split`` (train, dev or test), downloading the treebank if needed."""
    _check_choice("split", split, SPLITS)
    return read_sst_trees(_locate("sst", f"sst/{split}.txt", data_dir, download))


def _sst_phrases(tree: Tree) -> list[tuple[list[str], int]]:
    """(leaves, label) of every node, root first (pre-order), leaf nodes included."""
    leaves = tree.leaves()
    phrases: list = []

    def visit(node, start: int) -> int:
        slot = len(phrases)
        phrases.append(None)
        if isinstance(node[0], str):
            end = start + 1
        else:
            end = visit(node[1], visit(node[0], start))
        phrases[slot] = (leaves[start:end], node.label())
        return end

    visit(tree, 0)
    return phrases


def _load_sst(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool) -> Corpus:
    path = _locate("sst", f"sst/{split}.txt", data_dir, download)
    trees = read_sst_trees(path)
    if level == "sentence":
        examples = [(tree.leaves(), tree.label()) for tree in trees]
    else:
        examples = [phrase for tree in trees for phrase in _sst_phrases(tree)]
    if classes == 2:
        examples = [(leaves, int(label > 2)) for leaves, label in examples if label != 2]
    label_names = BINARY_LABELS if classes == 2 else SST5_LABELS
    return _pretokenized_corpus(
        "sst", split, [e[0] for e in examples], [e[1] for e in examples], label_names, str(path)
    )


# ----------------------------------------------------------------------------------------------
# NLTK corpora: sentence_polarity, movie_reviews


def _nltk_corpus_root(name: str, data_dir, download: bool) -> Path:
    """The nltk_data folder that holds corpus ``name`` (unpacked or as a zip), downloading if allowed.

    Looks in <data>/nltk_data, <cache>/nltk_data, then NLTK's own path (which holds $NLTK_DATA).
    """
    import nltk

    corpus_id = _nltk_id(name)
    roots = [root / "nltk_data" for root in _search_roots(data_dir)] + [Path(p) for p in nltk.data.path]
    root = next((r for r in roots if _has_nltk_corpus(r, corpus_id)), None)
    if root is None:
        _locate(name, SOURCES[name].installed, data_dir, download)
        root = cache_dir() / "nltk_data"
    return root


@contextlib.contextmanager
def _nltk_corpus(name: str, root: Path):
    """An NLTK path pointer to corpus ``name`` under ``root``, valid inside the block.

    NLTK (3.10) reads corpora, unpacked or zipped, only under a folder on ``nltk.data.path``, so
    ``root`` is put on it for the block and taken off afterwards.
    """
    import nltk

    corpus_id = _nltk_id(name)
    unpacked = (root / "corpora" / corpus_id).is_dir()
    resource = f"corpora/{corpus_id}" if unpacked else f"corpora/{corpus_id}.zip/{corpus_id}/"
    added = str(root) not in nltk.data.path
    if added:
        nltk.data.path.append(str(root))
    try:
        yield nltk.data.find(resource, paths=[str(root)])
    except LookupError:
        raise DataError(f"NLTK cannot read corpora/{corpus_id} here (see its warning above)", root) from None
    except PermissionError as error:
        raise DataError(f"NLTK refused to read corpora/{corpus_id} ({error})", root) from None
    except UnicodeDecodeError as error:
        raise DataError(f"corpora/{corpus_id} holds a file that is not valid text ({error.reason})", root) from None
    finally:
        if added:
            nltk.data.path.remove(str(root))


def _nltk_id(name: str) -> str:
    return SOURCES[name].archive.removesuffix(".zip")


def _has_nltk_corpus(root: Path, corpus_id: str) -> bool:
    return (root / "corpora" / corpus_id).is_dir() or (root / "corpora" / f"{corpus_id}.zip").is_file()


def _stratified_split(labels: np.ndarray, split: str, seed: int) -> np.ndarray:
    """Indices of ``split`` in a deterministic 80/10/10 split stratified by label, in shuffled order.

    labels: (n,) int64. Returns: (n_split,) int64.
    """
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))  # (n_label,)
        n_train = round(SPLIT_FRACTIONS[0] * len(members))
        n_dev = round(SPLIT_FRACTIONS[1] * len(members))
        parts["train"].append(members[:n_train])
        parts["dev"].append(members[n_train : n_train + n_dev])
        parts["test"].append(members[n_train + n_dev :])
    chosen = np.concatenate(parts[split])  # (n_split,)
    return rng.permutation(chosen)  # (n_split,)


def _split_pretokenized(name, split, seed, token_lists, labels) -> Corpus:
    labels = np.asarray(labels, dtype=np.int64)  # (n,)
    chosen = _stratified_split(labels, split, seed)  # (n_split,)
    return _pretokenized_corpus(name, split, [token_lists[i] for i in chosen], labels[chosen], BINARY_LABELS)


def _load_sentence_polarity(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool):
    from nltk.corpus.reader import CategorizedSentencesCorpusReader

    pattern = r"rt-polarity\.(neg|pos)"
    token_lists, labels = [], []
    with _nltk_corpus("sentence-polarity", _nltk_corpus_root("sentence-polarity", data_dir, download)) as root:
        reader = CategorizedSentencesCorpusReader(root, pattern, cat_pattern=pattern, encoding="utf-8")
        for label, category in enumerate(("neg", "pos")):
            sentences = [list(sentence) for sentence in reader.sents(categories=category)]
            token_lists += sentences
            labels += [label] * len(sentences)
    return _split_pretokenized("sentence-polarity", split, seed, token_lists, labels)


def _load_movie_reviews(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool):
    from nltk.corpus.reader import CategorizedPlaintextCorpusReader

    token_lists, labels = [], []
    with _nltk_corpus("movie-reviews", _nltk_corpus_root("movie-reviews", data_dir, download)) as root:
        reader = CategorizedPlaintextCorpusReader(root, r"(?!\.).*\.txt", cat_pattern=r"(neg|pos)/.*", encoding="ascii")
        for label, category in enumerate(("neg", "pos")):
            for fileid in reader.fileids(categories=category):
                token_lists.append(reader.raw(fileid).split())  # one sentence a line, tokens between spaces
                labels.append(label)
    return _split_pretokenized("movie-reviews", split, seed, token_lists, labels)


# ----------------------------------------------------------------------------------------------
# IMDB


_IMDB_SPLIT_ROWS: dict[str, Callable[[str, int], bool]] = {
    "train": lambda split, review_id: split == "train" and review_id % 10 != 0,
    "dev": lambda split, review_id: split == "train" and review_id % 10 == 0,
    "test": lambda split, review_id: split == "test",
    "full-train": lambda split, review_id: split == "train",
}


def _load_imdb(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool) -> Corpus:
    path = _locate("imdb", SOURCES["imdb"].installed, data_dir, download)
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
            columns = {name: _column_index(header, name, path, reader.line_num) for name in IMDB_COLUMNS}
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


# ----------------------------------------------------------------------------------------------
# load_corpus


def _load_cad(split: str, data_dir, **options) -> Corpus:
    from .cad import load_cad  # cad.py builds on this module

    return load_cad(split, data_dir, **options)


_LOADERS = {
    "sst": _load_sst,
    "sentence-polarity": _load_sentence_polarity,
    "movie-reviews": _load_movie_reviews,
    "imdb": _load_imdb,
    "cad": _load_cad,
}
CORPORA = tuple(_LOADERS)


def load_corpus(
    name: str,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    *,
    level: str = "sentence",
    classes: int = 2,
    seed: int = 0,
    download: bool = True,
) -> Corpus:
    """Load ``split`` (train, dev or test; imdb also full-train; cad only train and dev) of corpus ``name``.

    ``level="phrase"`` (sst only) makes every labelled node of every tree an example;
    ``classes=5`` (sst only) keeps the five labels, ``classes=2`` drops neutral.
    ``seed`` fixes the 80/10/10 split of corpora without an official split (sentence-polarity,
    movie-reviews). A missing corpus is downloaded into the cache unless ``download=False``.
    """
    _check_choice("corpus", name, CORPORA)
    _check_choice("split", split, (*SPLITS, "full-train") if name == "imdb" else SPLITS)
    _check_choice("level", level, ("sentence", "phrase") if name == "sst" else ("sentence",))
    _check_choice("classes", classes, (2, 5) if name == "sst" else (2,))
    corpus = _LOADERS[name](split, data_dir, level=level, classes=classes, seed=seed, download=download)
    if not len(corpus):
        dropped = " (2 classes drop the neutral ones)" if name == "sst" and classes == 2 else ""
        raise DataError(f"the {split} split of {name} has no examples{dropped}", _where(corpus))
    return corpus


def _where(corpus: Corpus) -> str:
    """What an error message about ``corpus`` names: its file, else the corpus and split."""
    return corpus.source or f"{corpus.name} ({corpus.split} split)"


def _check_choice(what: str, value, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(map(str, choices))}; got {value!r}")


# ----------------------------------------------------------------------------------------------
# User files: CSV, TSV, JSONL


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
    content = _read_utf8(path)
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
        _check_choice("file_format", file_format.lower(), ("csv", "tsv", "jsonl"))
        return file_format.lower()
    if path.suffix.lower() not in _FILE_FORMATS:
        raise DataError(f"cannot tell the format from the suffix {path.suffix!r}; use .csv, .tsv or .jsonl", path)
    return _FILE_FORMATS[path.suffix.lower()]


def _read_utf8(path: Path) -> str:
    """The file's text, decoded strictly as UTF-8 (a leading BOM is dropped)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("no such file", path) from None
    except OSError as error:
        raise DataError(f"cannot read ({error.strerror or error})", path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8", path, line
        ) from None


def _column_index(header: list[str], column: str, path: Path, line: int) -> int:
    names = [name.strip() for name in header]
    if column not in names:
        raise DataError(f"no column {column!r}; the columns are: {', '.join(names)}", path, line)
    return names.index(column)


def _delimited_records(content: str, path: Path, delimiter: str, text_column: str, label_column: str):
    """(line, text, label) of every non-blank row of a CSV or TSV file with a header."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next((row for row in reader if any(field.strip() for field in row)), None)
        if header is None:
            raise DataError("the file is empty", path)
        text_i = _column_index(header, text_column, path, reader.line_num)
        label_i = _column_index(header, label_column, path, reader.line_num)
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
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"not valid JSON: {error.msg} (column {error.colno})", path, line_no) from None
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


# ----------------------------------------------------------------------------------------------
# What a training run reads


@dataclass(frozen=True)
class TrainingData:
    """The splits a training run uses: train, dev (early stopping) and test (reported), if any."""

    train: Corpus
    dev: Corpus | None
    test: Corpus | None
    description: dict


def load_training_data(
    corpus: str = "sst",
    level: str = "phrase",
    train_file: str | os.PathLike | None = None,
    dev_file: str | os.PathLike | None = None,
    text_column: str = "text",
    label_column: str = "label",
    data_dir: str | os.PathLike | None = None,
    train_classes: int = 2,
) -> TrainingData:
    """Train/dev/test of a corpus (``level`` applies to the treebank's train split only; dev and
    test are always binary sentences), or a user's train file with an optional dev file.
    ``train_classes=5`` gives the treebank's train split with its five labels, neutral included."""
    if train_file is not None:
        columns = {"text_column": text_column, "label_column": label_column}
        train = load_file(train_file, **columns)
        dev = load_file(dev_file, **columns) if dev_file is not None else None
        description = {"train_file": str(train_file), "dev_file": None if dev_file is None else str(dev_file)}
        _check_two_classes(train)
        return TrainingData(train, dev, None, description)
    sst = corpus == "sst"
    train = load_corpus(corpus, "train", data_dir, level=level if sst else "sentence", classes=train_classes)
    _check_two_classes(train)
    dev = load_corpus(corpus, "dev", data_dir)
    test = load_corpus(corpus, "test", data_dir)
    description = {"corpus": corpus, "level": level if sst else "sentence", "train_classes": train_classes}
    return TrainingData(train, dev, test, description)


def _check_two_classes(train: Corpus) -> None:
    present = np.unique(train.labels)  # (k,)
    if len(present) < 2:
        only = ", ".join(repr(train.label_names[i]) for i in present)
        raise DataError(f"training needs at least two classes, but every example is {only}", _where(train))


def unlabeled_sentences(
    corpus: str = "imdb", size: int | None = None, *, seed: int = 0, min_tokens: int = 3, max_tokens: int = 60,
    data_dir=None, n_jobs: int = 1,
) -> list[list[str]]:
    """Tokenized sentences of ``unlabeled_texts((corpus,))`` (for imdb its *training* reviews only)
    with ``min_tokens`` to ``max_tokens`` tokens, e.g. for a teacher to label in knowledge
    distillation; ``size`` of them drawn at random with ``seed`` (all when None or fewer exist)."""
    from .text import tokenize_many

    documents = unlabeled_texts((corpus,), data_dir)
    split = tokenize_many([doc for doc in documents if isinstance(doc, str)], n_jobs, sentences=True)
    split += [[list(doc)] for doc in documents if not isinstance(doc, str)]  # pretokenized: one "sentence"
    sentences = [s for doc in split for s in doc if min_tokens <= len(s) <= max_tokens]
    if size is not None and size < len(sentences):
        chosen = np.sort(np.random.default_rng(seed).choice(len(sentences), size, replace=False))
        sentences = [sentences[i] for i in chosen]
    return sentences


def unlabeled_texts(corpora=("imdb", "movie-reviews"), data_dir=None) -> list[str | list[str]]:
    """Review documents for pretraining word vectors, as raw texts (imdb) or token lists (the
    tokenized movie-reviews); labels are not returned.

    imdb gives its 25,000 official *training* reviews only, movie-reviews all 2,000 documents: no
    text from an evaluation split of IMDB, and none from the treebank or sentence_polarity (whose
    sentences come from the same Rotten Tomatoes snippets as the treebank's test set).
    """
    documents: list[str | list[str]] = []
    for name in corpora:
        splits = ("full-train",) if name == "imdb" else SPLITS
        if name not in ("imdb", "movie-reviews"):
            raise ValueError(f"unlabeled text comes from imdb or movie-reviews, not {name!r}")
        for split in splits:
            corpus = load_corpus(name, split, data_dir)
            documents.extend(corpus.texts if corpus.pretokenized is None else corpus.tokens)
    return documents
