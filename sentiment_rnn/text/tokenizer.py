"""Text pipeline: normalize, split into sentences, tokenize, mark negation.

Tokens follow the style of the Stanford Sentiment Treebank, so that a model trained on the treebank
sees the same tokens at prediction time: Penn-Treebank word splitting ("isn't" -> "is", "n't";
"good." -> "good", "."), lowercase, plain brackets and slashes (the treebank's ``-LRB-`` and ``\\/``
escapes are undone by the loader). Nothing here needs downloaded NLTK data.

>>> tokenize("This movie isn't good.")
['this', 'movie', 'is', "n't", 'good', '.']
>>> tokenize("Not bad at all... Actually, quite fun!")
['not', 'bad', 'at', 'all', '...', 'actually', ',', 'quite', 'fun', '!']
>>> mark_negation(tokenize("it is not good at all, but fun"))
['it', 'is', 'not', 'good_NEG', 'at_NEG', 'all_NEG', ',', 'but', 'fun']
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import sys
import unicodedata

__all__ = [
    "NEGATORS",
    "normalize",
    "split_sentences",
    "tokenize",
    "tokenize_sentence",
    "tokenize_sentences",
    "tokenize_many",
    "unescape_ptb",
    "mark_negation",
]

# Words that negate what follows; used by the negation benchmark and the negation-aware baseline.
NEGATORS = frozenset(
    "not n't no never nothing nobody none nowhere neither nor without hardly barely cannot".split()
)

_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# Windows-1252 punctuation that some corpora (IMDB) carry as C1 control characters.
_CP1252_C1 = str.maketrans(
    {"\x91": "'", "\x92": "'", "\x93": '"', "\x94": '"', "\x96": "-", "\x97": "--", "\x85": "..."}
)
_PTB_ESCAPES = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}
_ABBREVIATIONS = "mr mrs ms dr prof st jr sr vs etc inc co ltd jan feb aug sept oct nov dec no vol e.g i.e u.s".split()


def normalize(text: str) -> str:
    """Clean raw review text: HTML line breaks, Windows-1252 control characters, Unicode
    compatibility forms (NFKC) and runs of white space.

    >>> normalize("Great<br /><br />film\\x97 really\\u00a0good ")
    'Great film-- really good'
    """
    text = _HTML_BREAK.sub(" ", text)
    text = text.translate(_CP1252_C1)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def unescape_ptb(token: str) -> str:
    """Undo the Penn-Treebank escapes of the treebank's leaves.

    >>> [unescape_ptb(t) for t in ["-LRB-", "1\\\\/2", "\\\\*", "film"]]
    ['(', '1/2', '*', 'film']
    """
    token = _PTB_ESCAPES.get(token, token)
    return token.replace("\\/", "/").replace("\\*", "*")


def _import_nltk_modules(*names: str) -> list:
    """Import NLTK's modules ``names`` (e.g. ``"nltk.tokenize.punkt"``) without running NLTK's package
    ``__init__`` files, which import all of NLTK and with it SciPy and scikit-learn (over a second).

    The tokenizer modules need only a handful of small NLTK modules. While they load, the packages
    ``nltk`` and ``nltk.tokenize`` sit in ``sys.modules`` as empty package shells (their modules made
    from their specs, never executed); afterwards every NLTK module loaded here is taken out of
    ``sys.modules`` again, so a later ``import nltk`` initialises NLTK as usual and finds nothing of
    this. When NLTK is already imported, this is the regular import.
    """
    if "nltk" in sys.modules:
        return [importlib.import_module(name) for name in names]
    before = set(sys.modules)
    try:
        for package in ("nltk", "nltk.tokenize"):  # the parent first: finding the child's spec needs it
            spec = importlib.util.find_spec(package)
            if spec is None:
                raise ModuleNotFoundError(f"No module named {package!r}", name=package)
            sys.modules[package] = importlib.util.module_from_spec(spec)
        return [importlib.import_module(name) for name in names]
    finally:
        for loaded in set(sys.modules) - before:
            if loaded == "nltk" or loaded.startswith("nltk."):
                del sys.modules[loaded]


@functools.lru_cache(maxsize=1)
def _nltk_tokenizers():
    """NLTK's Punkt and Treebank-word tokenizer modules, loaded together (they share their imports)."""
    punkt, destructive = _import_nltk_modules("nltk.tokenize.punkt", "nltk.tokenize.destructive")
    return punkt, destructive


@functools.lru_cache(maxsize=1)
def _sentence_splitter():
    punkt, _ = _nltk_tokenizers()
    params = punkt.PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return punkt.PunktSentenceTokenizer(params)


@functools.lru_cache(maxsize=1)
def _word_tokenizer():
    _, destructive = _nltk_tokenizers()
    return destructive.NLTKWordTokenizer()


def split_sentences(text: str) -> list[str]:
    """Split normalized text into sentences with an untrained Punkt model (no downloaded data).

    >>> split_sentences("Mr. Smith is great. The plot isn't! Fine")
    ['Mr. Smith is great.', "The plot isn't!", 'Fine']
    """
    return [s for s in _sentence_splitter().tokenize(text) if s.strip()]


def tokenize_sentence(sentence: str, lowercase: bool = True) -> list[str]:
    """Word-tokenize one sentence the Penn-Treebank way (as the treebank is tokenized)."""
    tokens = _word_tokenizer().tokenize(sentence)
    return [t.lower() for t in tokens] if lowercase else tokens


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Normalize ``text``, split it into sentences and word-tokenize each one.

    Never raises on any string; every token is non-empty and holds no white space of any kind. The
    no-break space separates tokens too (NFKC makes it a space), so the treebank's one leaf that holds
    one, "8\u00a01/2", is one token in the treebank (its loader keeps leaves as they are) but two here.

    >>> tokenize("Wasn't it (really) GOOD? Yes.")
    ['was', "n't", 'it', '(', 'really', ')', 'good', '?', 'yes', '.']
    >>> tokenize("   ")
    []
    >>> tokenize("8\u00a01/2 stars")
    ['8', '1/2', 'stars']
    """
    return [token for sentence in tokenize_sentences(text, lowercase) for token in sentence]


def tokenize_sentences(text: str, lowercase: bool = True) -> list[list[str]]:
    """Normalize ``text`` and return the tokens of each of its sentences (see :func:`tokenize`).

    >>> tokenize_sentences("Not bad. Never boring!")
    [['not', 'bad', '.'], ['never', 'boring', '!']]
    """
    return [tokenize_sentence(sentence, lowercase=lowercase) for sentence in split_sentences(normalize(text))]


def tokenize_many(texts: list[str], n_jobs: int = 1, *, sentences: bool = False) -> list:
    """:func:`tokenize` of every text (:func:`tokenize_sentences` with ``sentences``), in order, spread
    over ``n_jobs`` processes when there are several texts.

    >>> tokenize_many(["Not bad.", "Never boring! Fun."], sentences=True)
    [[['not', 'bad', '.']], [['never', 'boring', '!'], ['fun', '.']]]
    """
    function = tokenize_sentences if sentences else tokenize
    if n_jobs <= 1 or len(texts) <= 1:
        return [function(text) for text in texts]
    import multiprocessing

    with multiprocessing.Pool(n_jobs) as pool:
        return pool.map(function, texts, chunksize=max(1, len(texts) // (8 * n_jobs)))


def review_end(text: str, max_chars: int) -> tuple[str, bool]:
    """The part of a review that is read when it is longer than ``max_chars`` characters: its last
    ``max_chars``, from the first word boundary among their first 100 (the end, where reviews usually sum
    up); and whether it was cut.

    >>> review_end("one two three four", 9)
    ('four', True)
    """
    if len(text) <= max_chars:
        return text, False
    end = text[-max_chars:]
    space = re.search(r"\s", end[:100])
    return (end[space.end() :] if space else end), True


def mark_negation(tokens: list[str]) -> list[str]:
    """Append ``_NEG`` to every token between a negator and the next clause punctuation, as NLTK's
    ``nltk.sentiment.util.mark_negation`` does, with the treebank's split "n't" counted as a negator
    and a comma also ending the scope.
    Returns a new list; the input is not modified.

    >>> mark_negation(["did", "n't", "like", "it", ".", "fun"])
    ['did', "n't", 'like_NEG', 'it_NEG', '.', 'fun']
    """
    marked: list[str] = []
    in_scope = False
    for token in tokens:
        if token in _CLAUSE_PUNCTUATION:
            in_scope = False
            marked.append(token)
        elif in_scope:
            marked.append(token + "_NEG")
        else:
            marked.append(token)
            in_scope = token.lower() in NEGATORS
    return marked


_CLAUSE_PUNCTUATION = frozenset(". : ; ! ? , -- ...".split())
