"""NLTK's sentence_polarity and movie_reviews corpora, read from an nltk_data folder, split 80/10/10; and
two sentence sources for the sentence network's behaviour training: pros_cons (product pros and cons,
many of them negated complaints: "no flaws", "not very expensive") and subjectivity's objective
sentences (IMDB plot summaries: statements without an opinion)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from sentiment_rnn.corpora.corpus import BINARY_LABELS, Corpus, pretokenized_corpus, stratified_split
from sentiment_rnn.corpora.sources import SOURCES, Progress, cache_dir, locate, search_roots
from sentiment_rnn.errors import DataError

__all__ = ["load_sentence_polarity", "load_movie_reviews", "pros_cons_sentences", "objective_sentences",
           "opinion_words"]


def _nltk_corpus_root(name: str, data_dir, download: bool, progress: Progress | None) -> Path:
    """The nltk_data folder that holds corpus ``name`` (unpacked or as a zip), downloading if allowed.

    Looks in <data>/nltk_data, <cache>/nltk_data, then NLTK's own path (which holds $NLTK_DATA).
    """
    import nltk

    corpus_id = _nltk_id(name)
    roots = [root / "nltk_data" for root in search_roots(data_dir)] + [Path(p) for p in nltk.data.path]
    root = next((r for r in roots if _has_nltk_corpus(r, corpus_id)), None)
    if root is None:
        locate(name, SOURCES[name].installed, data_dir, download, progress)
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


def _split_pretokenized(name, split, seed, token_lists, labels) -> Corpus:
    labels = np.asarray(labels, dtype=np.int64)  # (n,)
    chosen = stratified_split(labels, split, seed)  # (n_split,)
    return pretokenized_corpus(name, split, [token_lists[i] for i in chosen], labels[chosen], BINARY_LABELS)


def load_sentence_polarity(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool,
             progress: Progress | None = None) -> Corpus:
    from nltk.corpus.reader import CategorizedSentencesCorpusReader

    pattern = r"rt-polarity\.(neg|pos)"
    token_lists, labels = [], []
    with _nltk_corpus("sentence-polarity", _nltk_corpus_root("sentence-polarity", data_dir, download, progress)) as root:
        reader = CategorizedSentencesCorpusReader(root, pattern, cat_pattern=pattern, encoding="utf-8")
        for label, category in enumerate(("neg", "pos")):
            sentences = [list(sentence) for sentence in reader.sents(categories=category)]
            token_lists += sentences
            labels += [label] * len(sentences)
    return _split_pretokenized("sentence-polarity", split, seed, token_lists, labels)


def load_movie_reviews(split: str, data_dir, *, level: str, classes: int, seed: int, download: bool,
             progress: Progress | None = None) -> Corpus:
    from nltk.corpus.reader import CategorizedPlaintextCorpusReader

    token_lists, labels = [], []
    with _nltk_corpus("movie-reviews", _nltk_corpus_root("movie-reviews", data_dir, download, progress)) as root:
        reader = CategorizedPlaintextCorpusReader(root, r"(?!\.).*\.txt", cat_pattern=r"(neg|pos)/.*", encoding="ascii")
        for label, category in enumerate(("neg", "pos")):
            for fileid in reader.fileids(categories=category):
                token_lists.append(reader.raw(fileid).split())  # one sentence a line, tokens between spaces
                labels.append(label)
    return _split_pretokenized("movie-reviews", split, seed, token_lists, labels)




def pros_cons_sentences(data_dir=None, download: bool = True, progress: Progress | None = None
                        ) -> tuple[list[list[str]], np.ndarray]:
    """Every sentence of NLTK's pros_cons corpus, lowercased tokens, with its label (n,): 1 for a pro,
    0 for a con (cons first)."""
    from nltk.corpus.reader import ProsConsCorpusReader

    token_lists, labels = [], []
    with _nltk_corpus("pros-cons", _nltk_corpus_root("pros-cons", data_dir, download, progress)) as root:
        reader = ProsConsCorpusReader(root, r"Integrated(Cons|Pros)\.txt", cat_pattern=r"Integrated(Cons|Pros)\.txt",
                                      encoding="ISO-8859-2")
        for label, category in enumerate(("Cons", "Pros")):
            sentences = [[word.lower() for word in sentence] for sentence in reader.sents(categories=category)]
            token_lists += sentences
            labels += [label] * len(sentences)
    return token_lists, np.asarray(labels, dtype=np.int64)


def objective_sentences(data_dir=None, download: bool = True, progress: Progress | None = None) -> list[list[str]]:
    """The 5,000 objective sentences (plot summaries) of NLTK's subjectivity corpus, as token lists."""
    from nltk.corpus.reader import CategorizedSentencesCorpusReader

    with _nltk_corpus("subjectivity", _nltk_corpus_root("subjectivity", data_dir, download, progress)) as root:
        reader = CategorizedSentencesCorpusReader(root, r"(quote|plot)\.tok\.gt9\.5000",
                                                  cat_map={"quote.tok.gt9.5000": ["subj"], "plot.tok.gt9.5000": ["obj"]},
                                                  encoding="latin-1")
        return [[word.lower() for word in sentence] for sentence in reader.sents(categories="obj")]


def opinion_words(data_dir=None, download: bool = True, progress: Progress | None = None
                  ) -> tuple[frozenset[str], frozenset[str]]:
    """The (positive, negative) words of NLTK's opinion lexicon."""
    from nltk.corpus.reader import OpinionLexiconCorpusReader

    with _nltk_corpus("opinion-lexicon", _nltk_corpus_root("opinion-lexicon", data_dir, download, progress)) as root:
        reader = OpinionLexiconCorpusReader(root, r"(\w+)\-words\.txt", encoding="ISO-8859-2")
        return frozenset(reader.positive()), frozenset(reader.negative())
