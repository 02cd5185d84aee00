"""Counterfactually augmented IMDb reviews (Kaushik et al., ICLR 2020; read by
:mod:`sentiment_rnn.corpora.cad`) for the review model's training: the sentences a person edited, and
the sentence network trained on them.

Each pair is an IMDb review and a copy edited as little as possible to flip its label. Aligning the two
members sentence by sentence (``difflib`` over the token lists of their sentences) leaves the sentences
that were edited: minimal, human-written sentence pairs of opposite labels ("Long, boring, blasphemous."
/ "Long, fascinating, soulful."), each labelled with its review's label.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np

__all__ = ["edited_sentence_pairs", "finetune_sentence_network"]


def edited_sentence_pairs(sentences: Sequence[Sequence[Sequence[str]]], labels, pairs
                          ) -> tuple[list[list[str]], np.ndarray]:
    """The edited sentences of every pair: ``sentences`` (each text as token lists), ``labels`` (n,),
    ``pairs`` (n,) pair ids with two texts each of opposite labels. A replaced block of as many
    sentences on both sides is taken sentence by sentence, any other block as one piece per side.
    Returns (token lists, labels) with the two sides of an edit next to each other."""
    by_pair: dict = {}
    for i, pair in enumerate(pairs):
        by_pair.setdefault(pair, []).append(i)
    out_tokens, out_labels = [], []
    for members in by_pair.values():
        if len(members) != 2 or labels[members[0]] == labels[members[1]]:
            continue
        a, b = (sentences[i] for i in members)
        matcher = difflib.SequenceMatcher(a=[" ".join(s) for s in a], b=[" ".join(s) for s in b], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "replace":
                continue
            if i2 - i1 == j2 - j1:
                pieces = [(a[i], b[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            else:
                pieces = [([t for s in a[i1:i2] for t in s], [t for s in b[j1:j2] for t in s])]
            for left, right in pieces:
                if left and right and left != right:
                    out_tokens += [list(left), list(right)]
                    out_labels += [labels[members[0]], labels[members[1]]]
    return out_tokens, np.array(out_labels, dtype=np.int64)


def finetune_sentence_network(sentence_model, phrases: Sequence[Sequence[str]], phrase_labels, edited: Sequence[Sequence[str]],
                              edited_labels, dev: Sequence[Sequence[str]], dev_labels, *, epochs: int = 1,
                              learning_rate: float = 3e-4, teacher_weight: float = 0.5, seed: int = 0,
                              log=None) -> dict:
    """Continue training a two-class RNNClassifier in place on the treebank's phrases and the edited
    CAD sentences. The phrases' targets are ``teacher_weight`` times the network's own probabilities
    before this training plus the rest on the labels (so it keeps what distillation taught it); the
    edited sentences are trained on their labels. The word vectors are fixed (a review model shares
    them). Early stopping on ``dev`` (SST dev sentences) keeps the best epoch. Returns the record."""
    from sentiment_rnn.training.loop import TrainConfig, fit

    vocab = sentence_model.vocab_
    phrase_labels, edited_labels = np.asarray(phrase_labels), np.asarray(edited_labels)
    own = sentence_model.predict_proba(list(phrases))  # (n, 2) the network before fine-tuning
    targets = np.concatenate([
        teacher_weight * own + (1 - teacher_weight) * np.eye(2)[phrase_labels],
        np.eye(2)[edited_labels],
    ])  # (n + m, 2)
    sequences = [vocab.encode(t) for t in [*phrases, *edited]]
    dev_ids = [vocab.encode(t) for t in dev]
    before = float(np.mean(sentence_model.predict(list(dev)) == np.asarray(dev_labels)))
    config = TrainConfig(epochs=epochs, batch_size=64, learning_rate=learning_rate, patience=None,
                         frozen=("embedding.weight",), seed=seed)
    result = fit(sentence_model.model_, sequences, targets, config, dev_ids, np.asarray(dev_labels),
                 on_epoch=(lambda r: log(f"sentence network: {r}")) if log else None)
    record = {"phrases": len(phrases), "edited_sentences": len(edited), "epochs": epochs,
              "learning_rate": learning_rate, "teacher_weight": teacher_weight, "dev_before": before,
              **result.to_dict()}
    sentence_model.training_ = result
    return record
