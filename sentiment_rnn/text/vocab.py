"""Vocabulary: token <-> id, with padding id 0 and unknown-word id 1.

>>> vocab = Vocab.build([["a", "good", "film"], ["a", "bad", "film"]])
>>> vocab.to_list()
['<pad>', '<unk>', 'a', 'film', 'bad', 'good']
>>> vocab.encode(["a", "great", "film"]).tolist()
[2, 1, 3]
>>> vocab.decode([2, 1, 3])
['a', '<unk>', 'film']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from sentiment_rnn.nn.batching import PAD_ID, UNK_ID

__all__ = ["PAD", "UNK", "PAD_ID", "UNK_ID", "Vocab"]

PAD = "<pad>"
UNK = "<unk>"
_SPECIALS = (PAD, UNK)


class Vocab:
    """A fixed mapping between tokens and integer ids; ids 0 and 1 are ``PAD`` and ``UNK``.

    Build one from tokenized texts with :meth:`Vocab.build`; store it as the plain list of strings
    returned by :meth:`to_list` and get it back with :meth:`Vocab.from_list`.
    """

    def __init__(self, tokens: Sequence[str]):
        """``tokens`` lists every token in id order and must start with ``PAD``, ``UNK``."""
        tokens = list(tokens)
        _check_token_list(tokens)
        self._id_to_token: list[str] = tokens
        self._token_to_id: dict[str, int] = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def build(
        cls, token_lists: Iterable[Iterable[str]], min_count: int = 1, max_size: int | None = None
    ) -> Vocab:
        """Count tokens and keep those seen at least ``min_count`` times, most frequent first
        (ties broken alphabetically, so the result does not depend on input order).

        ``max_size`` caps the total size, ``PAD`` and ``UNK`` included.
        """
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, got {min_count}")
        if max_size is not None and max_size < len(_SPECIALS):
            raise ValueError(f"max_size must be at least {len(_SPECIALS)} (PAD and UNK), got {max_size}")
        counts = Counter(token for tokens in token_lists for token in tokens)
        for special in _SPECIALS:
            counts.pop(special, None)
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[: max_size - len(_SPECIALS)]
        return cls([*_SPECIALS, *kept])

    @classmethod
    def from_list(cls, tokens: Sequence[str]) -> Vocab:
        """Rebuild a vocabulary from :meth:`to_list` output (a list or a numpy string array)."""
        return cls([str(t) if isinstance(t, str) else t for t in tokens])  # np.str_ -> str

    def to_list(self) -> list[str]:
        """All tokens in id order, ``PAD`` and ``UNK`` first."""
        return list(self._id_to_token)

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Token ids, ``UNK_ID`` for tokens not in the vocabulary.

        Returns: (T,) int64.
        """
        lookup = self._token_to_id.get
        return np.fromiter((lookup(t, UNK_ID) for t in tokens), dtype=np.int64)  # (T,)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens for ``ids`` (T,); an id outside the vocabulary raises IndexError."""
        size = len(self._id_to_token)
        tokens = []
        for i in ids:
            i = int(i)
            if not 0 <= i < size:
                raise IndexError(f"id {i} is outside the vocabulary of size {size}")
            tokens.append(self._id_to_token[i])
        return tokens

    def token_to_id(self, token: str) -> int:
        """The id of ``token``, ``UNK_ID`` when unknown."""
        return self._token_to_id.get(token, UNK_ID)

    def id_to_token(self, i: int) -> str:
        """The token with id ``i``."""
        return self.decode([i])[0]

    def __len__(self) -> int:
        return len(self._id_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self._token_to_id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self._id_to_token == other._id_to_token

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)})"


def _check_token_list(tokens: list[str]) -> None:
    """Raise ValueError unless ``tokens`` is PAD, UNK, then distinct non-empty strings."""
    if tokens[: len(_SPECIALS)] != list(_SPECIALS):
        raise ValueError(f"a vocabulary list must start with {PAD!r}, {UNK!r}; got {tokens[:2]!r}")
    seen: set[str] = set()
    for i, token in enumerate(tokens):
        if not isinstance(token, str):
            raise ValueError(f"vocabulary entry {i} is not a string: {token!r}")
        if token == "":
            raise ValueError(f"vocabulary entry {i} is an empty string")
        if token in seen:
            raise ValueError(f"vocabulary entry {i} repeats the token {token!r}")
        seen.add(token)
