"""Fine-tuning a classifier from a pretrained language model (`train --from-lm LM.npz`).

The classifier's vocabulary is its training words, then the language model's other words (most frequent
first) up to ``max_vocab``: a word the labelled data never shows keeps what the language model learned of
it. Its embedding rows are the language model's, mapped by word (random rows for words the language model
lacks); its recurrent layers start from the language model's layers of the same names, the lowest first
(the reverse direction of a bidirectional classifier starts random). The output layer starts random.

Discriminative learning rates (Howard & Ruder 2018): with ``layer_lr_decay`` = d < 1 the output layer
learns at the full rate, the top recurrent layer at d times it, the one below at d², ... and the word
vectors at d^(L + 1), so fine-tuning changes most what the language model knew least about: sentiment.
Gradual unfreezing (the same paper): the first epoch trains the output layer alone, each later epoch one
more layer, top down, the word vectors last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sentiment_rnn.errors import SentimentRNNError

if TYPE_CHECKING:
    from sentiment_rnn.text.vocab import Vocab

__all__ = [
    "copy_recurrent_layers",
    "fine_tuning_schedule",
    "layer_lr_scales",
    "start_from_language_model",
    "unfreezing_groups",
]


def _language_model(path):
    from sentiment_rnn.estimators.language_model import load_language_model  # loads only when fine-tuning

    return load_language_model(path)


def _embedding_matrix(*args):
    from sentiment_rnn.text.embeddings import embedding_matrix  # imports scikit-learn: not at predict's start

    return embedding_matrix(*args)


def start_from_language_model(path, vocab: Vocab, model_config, max_vocab: int | None, rng: np.random.Generator,
                              pretrained_vectors=None):
    """-> (vocabulary, embedding (V, E), {name: array} of the recurrent layers to copy) from the LM at ``path``.

    Raises SentimentRNNError, one line, when the language model's cell or sizes differ from the classifier's
    ``model_config`` (a ModelConfig of any vocabulary size), or when ``pretrained_vectors`` are given too."""
    if pretrained_vectors is not None:
        raise SentimentRNNError("from_lm and pretrained_vectors both give the word vectors: choose one")
    lm, words, _ = _language_model(path)
    lm_config = lm.config
    theirs = (lm_config.cell, lm_config.embedding_dim, lm_config.hidden_size)
    ours = (model_config.cell, model_config.embedding_dim, model_config.hidden_size)
    if theirs != ours or model_config.num_layers > lm_config.num_layers or (
            lm_config.cell == "elman" and lm_config.activation != model_config.activation):
        raise SentimentRNNError(
            f"{path}: the language model is {lm_config.cell} E={lm_config.embedding_dim} H={lm_config.hidden_size} "
            f"with {lm_config.num_layers} layer(s), the classifier {model_config.cell} E={model_config.embedding_dim} "
            f"H={model_config.hidden_size} with {model_config.num_layers}: give --cell, --embedding-dim, "
            "--hidden-size (and at most as many --num-layers) of the language model")
    vocab = vocab.extended(words, max_vocab)  # the LM's other words, most frequent first
    vectors = lm.params["embedding.weight"].astype(np.float32)  # (V', E)
    embedding, _ = _embedding_matrix(vocab.to_list(), words, vectors, rng)
    recurrent = {name: value for name, value in lm.params.items() if name.startswith("rnn.")}
    return vocab, embedding, recurrent


def copy_recurrent_layers(params: dict[str, np.ndarray], recurrent: dict[str, np.ndarray]) -> list[str]:
    """Write the language model's recurrent weights into the classifier's ``params`` where the names agree
    (shapes checked before); returns the names copied."""
    copied = [name for name in params if name in recurrent]
    for name in copied:
        if params[name].shape != recurrent[name].shape:
            raise SentimentRNNError(f"the language model's {name} is {recurrent[name].shape}, the classifier's "
                                    f"{params[name].shape}")
    for name in copied:
        params[name][...] = recurrent[name]
    return copied


def layer_lr_scales(param_names, num_layers: int, decay: float) -> tuple[tuple[str, float], ...]:
    """Each parameter's multiple of the learning rate: 1 for the output layer, decay^(L - l) for recurrent
    layer l, decay^(L + 1) for the word vectors (() when decay is 1).

    >>> dict(layer_lr_scales(["embedding.weight", "rnn.weight_hh_l0", "fc.weight"], 1, 0.5))
    {'embedding.weight': 0.25, 'rnn.weight_hh_l0': 0.5, 'fc.weight': 1.0}
    """
    if decay == 1.0:
        return ()
    scales = []
    for name in param_names:
        if name.startswith("rnn."):
            layer = int(name.split("_l")[-1].removesuffix("_reverse"))
            scales.append((name, decay ** (num_layers - layer)))
        elif name.startswith("embedding."):
            scales.append((name, decay ** (num_layers + 1)))
        else:
            scales.append((name, 1.0))
    return tuple(scales)


def unfreezing_groups(param_names, num_layers: int) -> tuple[tuple[str, ...], ...]:
    """The groups gradual unfreezing frees one per epoch after the first: each recurrent layer, top down, then
    the word vectors.

    >>> unfreezing_groups(["embedding.weight", "rnn.weight_hh_l0", "rnn.weight_hh_l1", "fc.weight"], 2)
    (('rnn.weight_hh_l1',), ('rnn.weight_hh_l0',), ('embedding.weight',))
    """
    layers = [tuple(n for n in param_names if n.startswith("rnn.") and n.split("_l")[-1].removesuffix("_reverse")
                    == str(layer)) for layer in reversed(range(num_layers))]
    return (*layers, tuple(n for n in param_names if n.startswith("embedding.")))


def fine_tuning_schedule(param_names, num_layers: int, layer_lr_decay: float, gradual_unfreezing: bool) -> dict:
    """The fit loop's settings (TrainConfig's ``lr_scales``, ``unfreeze_groups``) of these options."""
    names = list(param_names)
    return {"lr_scales": layer_lr_scales(names, num_layers, layer_lr_decay),
            "unfreeze_groups": unfreezing_groups(names, num_layers) if gradual_unfreezing else ()}
