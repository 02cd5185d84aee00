"""Held-out perplexity of NLTK's interpolated Kneser-Ney trigram model beside a pretrained language model's.

    python bench/lm_kneser_ney.py lm.npz      # trained on the LM's training tokens

Same text, same vocabulary, same held-out tokens as `sentiment-rnn pretrain-lm` made them: the IMDB training
reviews shuffled with the LM's seed, the first whole reviews held out (the LM's ``held_out_tokens``), the
LM's words with every other word read as <unk>, each review ending in <eos>. Kneser-Ney is fitted on the
``--train-tokens`` tokens that follow the held-out reviews (by default the LM's own training text) and
predicts every held-out token but the first from the (up to) two before it, as the LM predicts it from
all before it. The model is ``nltk.lm.KneserNeyInterpolated(3)`` (discount 0.1); NLTK recomputes every
continuation count by a scan over all contexts of the next order on each call, so the counts are
tabulated once here (``TabulatedKneserNey``: the same numbers, checked against NLTK's own class on the first
``--check`` tokens) — else scoring 20,000 tokens takes hours.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter

from nltk.lm import KneserNeyInterpolated
from nltk.lm.models import InterpolatedLanguageModel
from nltk.lm.smoothing import KneserNey, _count_values_gt_zero
from nltk.util import everygrams

from sentiment_rnn.estimators.language_model import load_language_model
from sentiment_rnn.recipes.language_model_pretraining import held_out_split, read_review_text, review_token_lists
from sentiment_rnn.text.vocab import Vocab


class TabulatedKneserNey(KneserNey):
    """NLTK's KneserNey smoothing with ``_continuation_counts`` read from tables built in one pass."""

    def __init__(self, vocabulary, counter, order, discount=0.1, **kwargs):
        super().__init__(vocabulary, counter, order, discount, **kwargs)
        self._tables = {}

    def _table(self, level):
        if level not in self._tables:  # level = len(context) + 2: the order whose counts are scanned
            with_word, totals = Counter(), Counter()
            for prefix, counts in self.counts[level].items():
                context = prefix[1:]
                totals[context] += _count_values_gt_zero(counts)
                for word, count in counts.items():
                    with_word[context, word] += int(count > 0)
            self._tables[level] = with_word, totals
        return self._tables[level]

    def _continuation_counts(self, word, context=()):
        with_word, totals = self._table(len(context) + 2)
        return with_word[tuple(context), word], totals[tuple(context)]


class TabulatedKneserNeyInterpolated(InterpolatedLanguageModel):
    def __init__(self, order, discount=0.1, **kwargs):
        super().__init__(TabulatedKneserNey, order, params={"discount": discount, "order": order}, **kwargs)


def log2_probabilities(model, tokens, order, count=None):
    """log2 p(tokens[i] | up to order - 1 before it) for i = 1 ... (count or all)."""
    end = len(tokens) if count is None else count + 1
    return [model.logscore(tokens[i], tokens[max(0, i - order + 1):i]) for i in range(1, end)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lm", help="an LM file of `sentiment-rnn pretrain-lm` on --corpus imdb")
    parser.add_argument("--train-tokens", type=int, default=None,
                        help="Kneser-Ney's training tokens  [default: the LM's]")
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--check", type=int, default=20, help="tokens also scored by NLTK's own class")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    _, words, metadata = load_language_model(args.lm)
    text = metadata["provenance"]["text"]
    held_tokens = text["held_out_tokens"]
    args.train_tokens = args.train_tokens or text["train_tokens"]
    start = time.perf_counter()
    token_lists = review_token_lists(read_review_text(("imdb",), args.data_dir), args.train_tokens + held_tokens + 1,
                                     seed=text["seed"])
    held_out, train = held_out_split(token_lists, held_tokens)
    vocab = Vocab.from_list(words)

    def as_words(lists):  # every word outside the LM's vocabulary read as <unk>
        return vocab.decode(vocab.encode([t for tokens in lists for t in tokens]))

    held, train_stream = as_words(held_out)[:held_tokens + 1], as_words(train)[:args.train_tokens]
    model = TabulatedKneserNeyInterpolated(args.order)
    model.fit([everygrams(train_stream, max_len=args.order)], vocabulary_text=words)
    log2p = log2_probabilities(model, held, args.order)
    zero = sum(p == -math.inf for p in log2p)
    if zero:
        print(f"{zero} held-out tokens have probability 0 under Kneser-Ney (words its training text lacks)")
    reference = KneserNeyInterpolated(args.order)
    reference.fit([everygrams(train_stream, max_len=args.order)], vocabulary_text=words)
    mismatch = max(abs(a - b) for a, b in zip(log2p, log2_probabilities(reference, held, args.order, args.check), strict=False))
    perplexity = 2 ** (-sum(log2p) / len(log2p))
    print(f"Kneser-Ney order {args.order} (nltk.lm, discount 0.1): trained on {len(train_stream):,} tokens, "
          f"held-out perplexity {perplexity:.2f} over {len(log2p):,} tokens (vocabulary {len(words):,}, <unk> "
          f"{held.count('<unk>') / len(held):.1%} of the held-out text); LM's own: "
          f"{metadata['provenance']['held_out_perplexity']:.2f}; {time.perf_counter() - start:.0f} s; "
          f"largest |log2 p| difference from NLTK's own class on the first {args.check} tokens: {mismatch:.1e}")
    assert math.isfinite(perplexity)


if __name__ == "__main__":
    main()
