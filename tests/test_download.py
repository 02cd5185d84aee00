"""Downloads (sentiment_rnn.corpora) against a real HTTP server on 127.0.0.1 serving fixture archives.

Only loopback addresses are contacted: SENTIMENT_RNN_MIRROR replaces the official hosts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import socket
import threading
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from fixtures_data import (
    IMDB_ROWS,
    POLARITY,
    SST_ROOT_LABELS,
    acl_imdb_tar_bytes,
    sentence_polarity_zip_bytes,
    sst_zip_bytes,
)

from sentiment_rnn import corpora as data
from sentiment_rnn.corpora import SOURCES, download_corpus, download_file, load_corpus, mirror_url
from sentiment_rnn.errors import DownloadError


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _ShortHandler(http.server.BaseHTTPRequestHandler):
    """Promises 1000 bytes and sends 10, like a connection dropped mid-download."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.close_connection = True

    def log_message(self, format, *args):
        pass


def _serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def web_root(tmp_path):
    return tmp_path / "www"


@pytest.fixture
def mirror(web_root):
    """Base URL of an HTTP server on 127.0.0.1 serving ``web_root``."""
    web_root.mkdir()
    server, thread = _serve(partial(_QuietHandler, directory=str(web_root)))
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def cache(tmp_path, monkeypatch, mirror):
    folder = tmp_path / "cache"
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(folder))
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", mirror)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    return folder


@pytest.fixture
def dead_url():
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def publish(web_root: Path, name: str, payload: bytes) -> Path:
    """Put ``payload`` where the mirror serves the official URL of corpus ``name``."""
    path = web_root / urlsplit(SOURCES[name].url).path.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return path


def with_checksums(monkeypatch, name: str, **changes) -> None:
    monkeypatch.setitem(SOURCES, name, dataclasses.replace(SOURCES[name], **changes))


def leftovers(folder: Path) -> list[str]:
    """Temporary files a download may have left behind."""
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or p.name.endswith(".part"))


def md5(payload: bytes) -> str:
    return hashlib.md5(payload).hexdigest()


# ----------------------------------------------------------------------------------------------


def test_mirror_url_replaces_scheme_and_host(monkeypatch):
    url = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    monkeypatch.delenv("SENTIMENT_RNN_MIRROR", raising=False)
    assert mirror_url(url) == url
    assert mirror_url(url, "http://127.0.0.1:8/m/") == "http://127.0.0.1:8/m/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", "http://localhost:1")
    assert mirror_url(url) == "http://localhost:1/~amaas/data/sentiment/aclImdb_v1.tar.gz"


def test_download_file_checks_md5_and_moves_into_place(web_root, mirror, tmp_path):
    payload = bytes(range(256)) * 1000
    (web_root / "blob.bin").write_bytes(payload)
    dest = tmp_path / "out" / "blob.bin"
    assert download_file(f"{mirror}/blob.bin", dest, md5=md5(payload)) == dest
    assert dest.read_bytes() == payload
    assert leftovers(dest.parent) == []


def test_checksum_mismatch_leaves_no_file(web_root, mirror, tmp_path):
    (web_root / "blob.bin").write_bytes(b"not what we expected")
    dest = tmp_path / "out" / "blob.bin"
    with pytest.raises(DownloadError) as excinfo:
        download_file(f"{mirror}/blob.bin", dest, md5="0" * 32)
    message = str(excinfo.value)
    assert "checksum mismatch" in message and "0" * 32 in message and md5(b"not what we expected") in message
    assert not dest.exists()
    assert leftovers(dest.parent) == []


def test_http_error_is_a_download_error(mirror, tmp_path):
    dest = tmp_path / "missing.zip"
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_file(f"{mirror}/nothing/here.zip", dest)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_cut_short_download_leaves_no_file(tmp_path):
    server, thread = _serve(_ShortHandler)
    dest = tmp_path / "short.bin"
    try:
        with pytest.raises(DownloadError):
            download_file(f"http://127.0.0.1:{server.server_port}/short.bin", dest, timeout=10)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert not dest.exists() and leftovers(tmp_path) == []


def test_refused_connection_gives_one_helpful_line(tmp_path, monkeypatch, dead_url):
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", dead_url)
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    with pytest.raises(DownloadError) as excinfo:
        load_corpus("sst", "train")
    message = str(excinfo.value)
    assert "\n" not in message
    assert f"{dead_url}/sentiment/trainDevTestTrees_PTB.zip" in message  # what and from where
    assert "refused" in message.lower()
    assert str(tmp_path / "cache" / "sst" / "trainDevTestTrees_PTB.zip") in message  # where to put it
    assert "--data-dir" in message and "SENTIMENT_RNN_DATA" in message
    assert not (tmp_path / "cache" / "sst" / "trainDevTestTrees_PTB.zip").exists()
    assert leftovers(tmp_path / "cache") == []


# ----------------------------------------------------------------------------------------------
# Corpora end to end through load_corpus


def test_sst_is_downloaded_verified_and_extracted(web_root, cache, monkeypatch):
    archive, files = sst_zip_bytes()
    publish(web_root, "sst", archive)
    with_checksums(monkeypatch, "sst", sha256={name: hashlib.sha256(b).hexdigest() for name, b in files.items()})
    corpus = load_corpus("sst", "dev", classes=5)
    assert corpus.labels.tolist() == SST_ROOT_LABELS
    for name, content in files.items():
        assert (cache / "sst" / name).read_bytes() == content
    assert not (cache / "sst" / "trainDevTestTrees_PTB.zip").exists()  # the archive is not kept
    assert leftovers(cache) == []
    (web_root / "sentiment" / "trainDevTestTrees_PTB.zip").unlink()
    assert len(load_corpus("sst", "test", classes=5)) == len(SST_ROOT_LABELS)  # from the cache now


def test_sst_file_checksum_mismatch_installs_nothing(web_root, cache, monkeypatch):
    archive, files = sst_zip_bytes()
    publish(web_root, "sst", archive)
    wrong = {name: hashlib.sha256(b).hexdigest() for name, b in files.items()} | {"dev.txt": "ab" * 32}
    with_checksums(monkeypatch, "sst", sha256=wrong)
    with pytest.raises(DownloadError) as excinfo:
        load_corpus("sst", "train")
    message = str(excinfo.value)
    assert "dev.txt" in message and "ab" * 32 in message and hashlib.sha256(files["dev.txt"]).hexdigest() in message
    assert not any((cache / "sst" / name).exists() for name in files)
    assert leftovers(cache) == []


def test_the_real_sst_checksums_reject_a_fixture(web_root, cache):
    publish(web_root, "sst", sst_zip_bytes()[0])
    with pytest.raises(DownloadError, match="e2f3f41b0b1e6d4dddc0effe3bfc2d27ed8928079aa9a03d652311614fc5feb7"):
        load_corpus("sst", "train")


def test_an_archive_saved_by_hand_is_used_offline(tmp_path, monkeypatch, dead_url):
    archive, files = sst_zip_bytes()
    cache = tmp_path / "cache"
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(cache))
    monkeypatch.setenv("SENTIMENT_RNN_MIRROR", dead_url)
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    with_checksums(monkeypatch, "sst", sha256={name: hashlib.sha256(b).hexdigest() for name, b in files.items()})
    (cache / "sst").mkdir(parents=True)
    (cache / "sst" / "trainDevTestTrees_PTB.zip").write_bytes(archive)
    assert len(load_corpus("sst", "train", classes=5)) == len(SST_ROOT_LABELS)


def test_nltk_corpus_is_downloaded_checked_and_unpacked(web_root, cache, monkeypatch):
    payload = sentence_polarity_zip_bytes()
    publish(web_root, "sentence-polarity", payload)
    with_checksums(monkeypatch, "sentence-polarity", md5=md5(payload))
    corpus = load_corpus("sentence-polarity", "train")
    n_pos, n_neg = len(POLARITY["pos"]), len(POLARITY["neg"])
    assert np.bincount(corpus.labels).tolist() == [round(0.8 * n_neg), round(0.8 * n_pos)]
    corpora = cache / "nltk_data" / "corpora"
    assert (corpora / "sentence_polarity.zip").read_bytes() == payload
    assert (corpora / "sentence_polarity" / "rt-polarity.pos").is_file()
    assert leftovers(cache) == []


def test_nltk_md5_mismatch_keeps_nothing(web_root, cache):
    payload = sentence_polarity_zip_bytes()
    publish(web_root, "sentence-polarity", payload)
    with pytest.raises(DownloadError) as excinfo:
        load_corpus("sentence-polarity", "train")
    message = str(excinfo.value)
    assert SOURCES["sentence-polarity"].md5 in message and md5(payload) in message
    assert not (cache / "nltk_data" / "corpora" / "sentence_polarity.zip").exists()
    assert leftovers(cache) == []


def test_imdb_archive_is_converted_once(web_root, cache, monkeypatch):
    payload = acl_imdb_tar_bytes()
    publish(web_root, "imdb", payload)
    with_checksums(monkeypatch, "imdb", md5=md5(payload))
    test = load_corpus("imdb", "test")
    assert len(test) == sum(row[2] == "test" for row in IMDB_ROWS)
    assert (cache / "imdb" / "imdb_50k.csv.gz").is_file()
    assert not (cache / "imdb" / "aclImdb_v1.tar.gz").exists()
    dev = load_corpus("imdb", "dev")
    expected = {row[0].replace("<br /><br />", " "): int(row[1] == "positive") for row in IMDB_ROWS}
    assert sorted(dev.texts) == sorted(r[0].replace("<br /><br />", " ") for r in IMDB_ROWS if r[2] == "train" and r[3] % 10 == 0)
    assert [expected[t] for t in dev.texts] == dev.labels.tolist()
    assert leftovers(cache) == []


def test_download_corpus_rejects_unknown_names(tmp_path):
    with pytest.raises(ValueError):
        download_corpus("wikipedia", tmp_path)


def test_official_sources_are_the_documented_ones():
    assert SOURCES["sst"].url == "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"
    assert SOURCES["imdb"].md5 == "7c2ac02c03563afcf9b574c7e56c153a"
    base = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/"
    assert SOURCES["movie-reviews"].url == base + "movie_reviews.zip"
    assert SOURCES["sentence-polarity"].url == base + "sentence_polarity.zip"
    extra = {"pros-cons": "pros_cons.zip", "subjectivity": "subjectivity.zip", "opinion-lexicon": "opinion_lexicon.zip"}
    assert set(SOURCES) == set(data.CORPORA) | set(extra)  # three NLTK sources read by tune-sentence, not corpora
    assert all(SOURCES[name].url == base + archive for name, archive in extra.items())
