"""Where corpora live and where they come from: the data and cache folders, the official sources
with their checksums, and checked downloads installed atomically into the cache.

A download reports its progress through an optional ``progress(received_bytes, total_bytes_or_None)``
callback (the command line draws a bar with it); this module prints nothing itself.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import shutil
import tempfile
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sentiment_rnn.errors import DataError, DownloadError
from sentiment_rnn.files import atomic_write, file_digest

__all__ = ["DATA_ENV", "CACHE_ENV", "MIRROR_ENV", "DOWNLOAD_TIMEOUT", "IMDB_COLUMNS", "Progress", "Source",
           "SOURCES", "resolve_data_dir", "cache_dir", "search_roots", "mirror_url", "download_file",
           "download_corpus", "locate"]

DATA_ENV = "SENTIMENT_RNN_DATA"
CACHE_ENV = "SENTIMENT_RNN_CACHE"
MIRROR_ENV = "SENTIMENT_RNN_MIRROR"
DOWNLOAD_TIMEOUT = 60.0  # seconds without data before a download gives up

Progress = Callable[[int, "int | None"], None]  # (bytes received so far, total bytes or None)


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


def search_roots(data_dir) -> list[Path]:
    """Folders a corpus is looked up in, in order: the data folder, then the cache."""
    resolved = resolve_data_dir(data_dir)
    return [root for root in (resolved, cache_dir()) if root is not None]


def first_existing(roots: list[Path], relative: str) -> Path | None:
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
    "pros-cons": Source(
        title="the NLTK pros_cons corpus (product review pros and cons, Ganapathibhotla & Liu 2008)",
        url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/pros_cons.zip",
        folder="nltk_data/corpora",
        archive="pros_cons.zip",
        installed="nltk_data/corpora/pros_cons",
        md5="c4c7e61fb4d57a2f6c95317194da0f17",
    ),
    "subjectivity": Source(
        title="the NLTK subjectivity corpus (Pang & Lee 2004; objective sentences are IMDB plot summaries)",
        url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/subjectivity.zip",
        folder="nltk_data/corpora",
        archive="subjectivity.zip",
        installed="nltk_data/corpora/subjectivity",
        md5="a81a44513903ba6bb86f85aeff149561",
    ),
    "opinion-lexicon": Source(
        title="the NLTK opinion_lexicon (Hu & Liu 2004: about 2,000 positive and 4,800 negative words)",
        url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/opinion_lexicon.zip",
        folder="nltk_data/corpora",
        archive="opinion_lexicon.zip",
        installed="nltk_data/corpora/opinion_lexicon",
        md5="43a521f055063e001845b9d484a50173",
    ),
    "imdb": Source(
        title="the Large Movie Review Dataset (IMDB)",
        url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        folder="imdb",
        archive="aclImdb_v1.tar.gz",
        installed="imdb/imdb_50k.csv.gz",
        md5="7c2ac02c03563afcf9b574c7e56c153a",
    ),
    "cad": Source(  # two files, each checked by sha256 (sentiment_rnn.corpora.cad.download_cad)
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
    progress: Progress | None = None,
) -> Path:
    """Download ``url`` to ``dest`` through a temporary file in the same folder, check its md5, then
    move it into place: a failed, partial or corrupt download never leaves ``dest`` behind.

    ``hint`` ends the one-line DownloadError raised when the server cannot be reached;
    ``progress(received, total)`` is called after every chunk (total is None when the server does not say).
    """
    dest = Path(dest)
    with atomic_write(dest) as out:  # a raise inside (offline, bad checksum) leaves no dest behind
        digest = _stream_to(url, out, timeout, hint, progress)
        if md5 is not None:
            _check_digest("md5", md5, digest, url)
    return dest


def _stream_to(url: str, out, timeout: float, hint: str, progress: Progress | None) -> str:
    """Copy the body of ``url`` into the binary file ``out``; return its md5 hex digest."""
    md5 = hashlib.md5(usedforsecurity=False)
    received = 0
    with _open_url(url, timeout, hint) as response:
        expected = response.headers.get("Content-Length")
        expected = int(expected) if expected and expected.isdigit() else None
        while chunk := _read_chunk(response, url, hint):
            out.write(chunk)
            md5.update(chunk)
            received += len(chunk)
            if progress is not None:
                progress(received, expected)
    if expected is not None and received != expected:
        raise DownloadError(f"download of {url} was cut short: got {received} of {expected} bytes{hint}")
    return md5.hexdigest()


def _open_url(url: str, timeout: float, hint: str):
    import http.client  # the network modules load only when something is downloaded
    import urllib.error
    import urllib.request

    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"cannot download {url}: HTTP {error.code} {error.reason}{hint}") from None
    except urllib.error.URLError as error:
        raise DownloadError(f"cannot download {url} ({error.reason}){hint}") from None
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(f"cannot download {url} ({error or type(error).__name__}){hint}") from None


def _read_chunk(response, url: str, hint: str) -> bytes:
    import http.client

    try:
        return response.read(1 << 16)
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(f"download of {url} failed ({error or type(error).__name__}){hint}") from None


def _check_digest(kind: str, expected: str, actual: str, what: str) -> None:
    if actual != expected.lower():
        raise DownloadError(f"checksum mismatch for {what}: expected {kind} {expected}, got {actual}; nothing was saved")


def write_bytes_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` through a temporary file in the same folder and os.replace."""
    with atomic_write(dest) as out:
        out.write(data)


def _fetch_archive(name: str, cache: Path, mirror: str | None, progress: Progress | None) -> Path:
    """The corpus's archive in the cache: one put there by hand (md5-checked), else downloaded."""
    source = SOURCES[name]
    archive = cache / source.folder / source.archive
    if archive.exists():
        if source.md5 is not None:
            _check_digest("md5", source.md5, file_digest(archive, "md5"), str(archive))
        return archive
    url = mirror_url(source.url, mirror)
    return download_file(url, archive, md5=source.md5, hint=offline_hint(name, url, cache), progress=progress)


def offline_hint(name: str, url: str, cache: Path) -> str:
    source = SOURCES[name]
    return (
        f"; to get {source.title} ({name}) without this download, fetch {url} yourself and save it as "
        f"{cache / source.folder / source.archive}, or pass --data-dir / set {DATA_ENV} to a folder that has "
        f"{source.installed.format(split='train')}"
    )


def download_corpus(name: str, cache: str | os.PathLike | None = None, *, mirror: str | None = None,
                    progress: Progress | None = None) -> Path:
    """Download corpus ``name`` from its official source (or ``mirror``) into the cache folder and
    install it in the form the loaders read; return the installed path."""
    if name not in SOURCES:
        raise ValueError(f"unknown corpus {name!r}; choose from {', '.join(SOURCES)}")
    cache = Path(cache) if cache is not None else cache_dir()
    if name == "cad":  # two files, each checked by its sha256, rather than an archive
        return _download_cad(cache, mirror, progress)
    installers = {"sst": _install_sst, "imdb": _install_imdb}
    installer = installers.get(name, _install_nltk_corpus)
    return installer(name, _fetch_archive(name, cache, mirror, progress), cache)


MAX_EXTRACTED_BYTES = 16 << 20  # one file of the treebank archive (train.txt has 2,160,058 bytes)


def _download_cad(cache: Path, mirror: str | None, progress: Progress | None) -> Path:
    """Download the paired train and dev files from the authors' repository (or ``mirror``) into
    ``<cache>/cad/``; each is checked against its sha256 before it is moved into place."""
    source = SOURCES["cad"]
    folder = cache / source.folder
    for file, sha256 in source.sha256.items():
        dest = folder / file
        if dest.exists():
            continue
        url = mirror_url(source.url.format(file=file), mirror)
        unverified = folder / f".{file}.unverified"
        download_file(url, unverified, hint=offline_hint("cad", url, cache), progress=progress)
        try:
            _check_digest("sha256", sha256, file_digest(unverified), url)
        except DownloadError:
            unverified.unlink()
            raise
        os.replace(unverified, dest)
    return folder


def _install_sst(name: str, archive: Path, cache: Path) -> Path:
    """Extract trees/{train,dev,test}.txt, each checked against its sha256, into cache/sst/.

    The archive has no published checksum of its own, so its directory is checked before anything is
    decompressed (the three files are there, none over MAX_EXTRACTED_BYTES, none a zip bomb), each file's
    sha256 after; an archive that fails is removed from the cache, never decompressed again."""
    folder = cache / SOURCES[name].folder
    try:
        contents = _checked_members(name, archive)
    except DownloadError:
        archive.unlink(missing_ok=True)
        raise
    for file, data in contents.items():
        write_bytes_atomic(folder / file, data)
    archive.unlink()
    return folder


def _checked_members(name: str, archive: Path) -> dict[str, bytes]:
    """The files of the treebank archive, its directory checked before they are decompressed and their
    sha256 after; DownloadError (saying the archive is removed) otherwise."""
    removed = "; it was removed from the cache, run again to download it anew"
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = {file: zipped.getinfo(f"trees/{file}") for file in SOURCES[name].sha256}
            for file, member in members.items():
                if member.file_size > MAX_EXTRACTED_BYTES or member.file_size > 100 * max(member.compress_size, 1):
                    raise DownloadError(f"{archive}:trees/{file} would inflate {member.compress_size:,} bytes to "
                                        f"{member.file_size:,}: not the treebank archive{removed}")
            contents = {file: zipped.read(member) for file, member in members.items()}
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        raise DownloadError(f"{archive} is not the treebank archive ({error}){removed}") from None
    for file, data in contents.items():
        _check_digest("sha256", SOURCES[name].sha256[file], hashlib.sha256(data).hexdigest(),
                      f"{archive}:trees/{file}")
    return contents


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
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped, \
            io.TextIOWrapper(zipped, encoding="utf-8", newline="") as text:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(IMDB_COLUMNS)
        writer.writerows(rows)
    write_bytes_atomic(dest, buffer.getvalue())
    archive.unlink()
    return dest


def _acl_imdb_rows(archive: Path) -> Iterator[tuple[str, str, str, int, int]]:
    """(review, sentiment, split, id, rating) for every labelled review in the archive."""
    sentiments = {"pos": "positive", "neg": "negative"}
    import tarfile

    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                match = _ACL_MEMBER.match(member.name)
                if match and member.isfile():
                    split, folder, review_id, rating = match.groups()
                    review = tar.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]  # a file has one
                    yield review, sentiments[folder], split, int(review_id), int(rating)
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as error:
        raise DownloadError(f"cannot read {archive} ({error}); delete it and try again") from None


def locate(name: str, relative: str, data_dir, download: bool, progress: Progress | None = None) -> Path:
    """The path of an installed corpus file, downloading the corpus into the cache if allowed."""
    roots = search_roots(data_dir)
    found = first_existing(roots, relative)
    if found is not None:
        return found
    if not download:
        places = " or ".join(str(root) for root in roots)
        url = SOURCES[name].url
        raise DataError(
            f"{SOURCES[name].title} ({name}) is not installed: no {relative} in {places}; allow downloads"
            + offline_hint(name, url, cache_dir())
        )
    download_corpus(name, progress=progress)
    return cache_dir() / relative


