"""Changes of a whole text that must not change its sentiment: punctuation, typos, contractions, casing.

Each perturbation maps (text, rng) to a list of variants that differ from the text; randomness comes
from the ``np.random.Generator`` passed in, so a seeded suite gives the same variants every run.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> punctuation("The film was good.", rng)
['The film was good', 'The film was good!!!', 'The film was good...']
>>> contractions("It is not good, and I do not like it.", rng)
["It's not good, and I don't like it.", "It isn't good, and I don't like it."]
>>> contractions("It isn't good.", rng)
['It is not good.']
>>> casing("The film was good.", rng)
['the film was good.', 'THE FILM WAS GOOD.', 'The Film Was Good.']
>>> len(typos("The film was wonderful.", rng))
3
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

__all__ = ["PERTURBATIONS", "casing", "contractions", "punctuation", "typos"]

_END = re.compile(r"[.!?]+$")


def punctuation(text: str, rng: np.random.Generator) -> list[str]:
    """The text without its final punctuation, ending in "!!!" and ending in "..."."""
    bare = _END.sub("", text).rstrip()
    return _distinct(text, [bare, bare + "!!!", bare + "..."])


def typos(text: str, rng: np.random.Generator, count: int = 3) -> list[str]:
    """``count`` variants, each with two neighbouring letters swapped inside one word of four or more
    letters (the word and the place drawn by ``rng``)."""
    spans = [match.span() for match in re.finditer(r"[A-Za-z]{4,}", text)]
    variants: list[str] = []
    for _ in range(count * 3):
        if not spans or len(variants) == count:
            break
        start, end = spans[int(rng.integers(len(spans)))]
        i = start + int(rng.integers(end - start - 1))
        variant = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        if variant != text and variant not in variants:
            variants.append(variant)
    return variants


# (expanded, contracted); the expanded forms are matched as whole words, case kept on the first letter.
_CONTRACTIONS = [
    ("is not", "isn't"), ("are not", "aren't"), ("was not", "wasn't"),
    ("were not", "weren't"), ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"),
    ("cannot", "can't"), ("would not", "wouldn't"), ("could not", "couldn't"), ("will not", "won't"),
    ("it is", "it's"), ("that is", "that's"), ("I am", "I'm"), ("I would", "I'd"), ("you are", "you're"),
    ("we are", "we're"), ("they are", "they're"),
]


def _swap(text: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        def keep_case(match, new=new):
            return new[0].upper() + new[1:] if match.group(0)[0].isupper() else new
        text = re.sub(rf"\b{re.escape(old)}(?![\w'])", keep_case, text, flags=re.IGNORECASE)
    return text


def contractions(text: str, rng: np.random.Generator) -> list[str]:
    """The text with every expanded form contracted ("is not" -> "isn't", "it is" -> "it's"), and with
    every contracted form expanded; those that differ from the text."""
    pronouns_first = sorted(_CONTRACTIONS, key=lambda pair: "not" in pair[0])  # "it is not" -> "it's not"
    contracted = _swap(text, pronouns_first)
    negation_first = _swap(text, _CONTRACTIONS)  # "it is not" -> "it isn't"
    expanded = _swap(text, [(short, long) for long, short in _CONTRACTIONS])
    return _distinct(text, [contracted, negation_first, expanded])


def casing(text: str, rng: np.random.Generator) -> list[str]:
    """The text in lower case, in upper case and with every word capitalised."""
    return _distinct(text, [text.lower(), text.upper(), re.sub(r"\b[a-z]", lambda m: m.group(0).upper(), text)])


def _distinct(text: str, variants: list[str]) -> list[str]:
    return [v for v in dict.fromkeys(variants) if v != text]


PERTURBATIONS: dict[str, Callable[[str, np.random.Generator], list[str]]] = {
    "punctuation": punctuation, "typos": typos, "contractions": contractions, "casing": casing,
}
