"""The review-level table of the README, from one command:

    SENTIMENT_RNN_DATA=../shared/data python bench/review_table.py --markdown     # about 10 minutes

For each model (default: the shipped one; --model PATH for others, e.g. the previous sentence model):
accuracy on all 25,000 IMDB test reviews, pair consistency (both members right) and accuracy on the 245
CAD dev pairs, SST-2 test accuracy and the contrast set's "to-neg" (good / not good) and "to-pos"
(boring / never boring) pairs. A review model is also scored part by part: the bias plus its sentences'
weighted network log-odds alone, and the bias plus their weighted n-gram parts alone. Then a unigram+bigram logistic regression (binary counts, min_df 2, C chosen on the
IMDB dev reviews) is trained on the same reviews as the review model, without and with the CAD training
pairs, and scored on the same sets. Evaluation splits are only scored, never trained on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from sentiment_rnn.corpora import load_corpus, resolve_data_dir
from sentiment_rnn.corpora.cad import read_cad
from sentiment_rnn.evaluation.comparison import load_benchmark
from sentiment_rnn.evaluation.negation import negation_benchmark
from sentiment_rnn.io.serialization import load_model
from sentiment_rnn.review.training import near_copies
from sentiment_rnn.text.tokenizer import tokenize


def pair_consistency(right, pairs) -> float:
    both: dict = {}
    for r, p in zip(right, pairs, strict=True):
        both.setdefault(p, []).append(bool(r))
    return float(np.mean([all(v) for v in both.values()]))


def score_predictions(name, predict_tokens, imdb, cad, bench) -> dict:
    """predict_tokens: list of token lists -> labels."""
    (cad_tokens, cad_labels, cad_pairs) = cad
    cad_pred = predict_tokens(cad_tokens)
    row = {"model": name, "imdb_test": float(np.mean(predict_tokens(imdb.tokens) == imdb.labels)),
           "cad_dev_pairs": pair_consistency(cad_pred == cad_labels, cad_pairs),
           "cad_dev_accuracy": float(np.mean(cad_pred == cad_labels))}
    if bench is not None:
        result = negation_benchmark(predict_tokens, bench.trees_test, bench.contrast_items, bench.test_corpus)
        row.update(sst2_test=result["sst2_test"]["accuracy"],
                   to_neg_pairs=result["contrast_minimal_negated_negative"]["pair_accuracy"],
                   to_pos_pairs=result["contrast_minimal_negated_positive"]["pair_accuracy"])
    return row


def review_parts_rows(name, model, imdb, cad) -> list[dict]:
    """The review model's two kinds of terms, each alone with the bias: sum_s w_s * (network log-odds) and
    sum_s w_s * (n-gram part), over every sentence of a text."""
    rows = []
    parts = {}
    for split, tokens in (("imdb", imdb.tokens), ("cad", cad[0])):
        evidence = model.evidence(model.sentences(tokens))
        shares = model.head_.contributions(evidence)
        bias = model.head_.params["bias"][0]
        ngram = shares["weight"] * shares["ngram"]  # (N,)
        parts[split] = {"network": bias + np.bincount(evidence.review, shares["share"] - ngram, evidence.n_reviews),
                        "n-gram": bias + np.bincount(evidence.review, ngram, evidence.n_reviews)}
    for part in ("network", "n-gram"):
        z_imdb, z_cad = parts["imdb"][part], parts["cad"][part]
        cad_right = (z_cad > 0) == (cad[1] == 1)
        rows.append({"model": f"{name}: its {part} terms alone", "imdb_test": float(np.mean((z_imdb > 0) == (imdb.labels == 1))),
                     "cad_dev_pairs": pair_consistency(cad_right, cad[2]), "cad_dev_accuracy": float(np.mean(cad_right))})
    return rows


def bow_rows(imdb, cad, data_dir, test_texts) -> list[dict]:
    """Unigram+bigram logistic regression on the review model's training reviews, without and with CAD."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    root = resolve_data_dir(data_dir) or Path(".")
    train, dev = load_corpus("imdb", "train", data_dir), load_corpus("imdb", "dev", data_dir)
    cad_dev_texts, _, _ = read_cad(root / "cad" / "dev_paired.tsv")
    copies = near_copies(list(train.texts) + list(dev.texts), cad_dev_texts) >= 0
    train_copies, dev_copies = copies[: len(train.texts)], copies[len(train.texts):]
    texts, labels, pairs = read_cad(root / "cad" / "train_paired.tsv")
    pairs = pairs.astype(str)  # as the recipe draws its held-out pairs
    overlapping = set(pairs[near_copies(texts, test_texts) >= 0].tolist())
    keep = np.array([p not in overlapping for p in pairs])  # the recipe's CAD training pairs
    cad_train = [tokenize(t) for t, k in zip(texts, keep, strict=True) if k]
    dev_tokens = [t for t, c in zip(dev.tokens, dev_copies, strict=True) if not c]
    dev_labels = dev.labels[~dev_copies]
    rows = []
    for with_cad in (False, True):
        X = [t for t, c in zip(train.tokens, train_copies, strict=True) if not c] + (cad_train if with_cad else [])
        y = np.concatenate([train.labels[~train_copies], labels[keep] if with_cad else []]).astype(int)
        vectorizer = CountVectorizer(analyzer=lambda t: t + [f"{u} {v}" for u, v in itertools.pairwise(t)], binary=True,
                                     min_df=2)
        X_train = vectorizer.fit_transform(X)
        X_dev = vectorizer.transform(dev_tokens)
        fits = [(LogisticRegression(C=C, solver="liblinear", max_iter=2000).fit(X_train, y), C) for C in (0.03, 0.1, 0.3, 1.0)]
        classifier, C = max(fits, key=lambda f: f[0].score(X_dev, dev_labels))
        name = f"bag of words: uni+bigram logistic regression (C={C}), IMDB train" + (" + CAD train" if with_cad else "")

        def predict(docs, classifier=classifier, vectorizer=vectorizer):  # bound now, not at the loop's end
            return classifier.predict(vectorizer.transform(docs))

        rows.append(score_predictions(name, predict, imdb, cad, None))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=None, help="model file (default: the shipped one)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    imdb = load_corpus("imdb", "test", args.data_dir)
    root = resolve_data_dir(args.data_dir) or Path(".")
    cad_texts, cad_labels, cad_pairs = read_cad(root / "cad" / "dev_paired.tsv")
    cad = ([tokenize(t) for t in cad_texts], cad_labels, cad_pairs)
    bench = load_benchmark(args.data_dir)
    rows = []
    for path in args.model or [None]:
        model = load_model(path)
        name = Path(path).name if path else "shipped default"
        rows.append(score_predictions(name, model.predict, imdb, cad, bench))
        if hasattr(model, "evidence"):
            rows.extend(review_parts_rows(name, model, imdb, cad))
    if not args.no_baselines:
        rows.extend(bow_rows(imdb, cad, args.data_dir, imdb.texts))
    if args.markdown:
        columns = ["imdb_test", "cad_dev_pairs", "cad_dev_accuracy", "sst2_test", "to_neg_pairs", "to_pos_pairs"]
        print("| model | IMDB test (25,000) | CAD dev pairs (245) | CAD dev texts | SST-2 test | to-neg pairs | to-pos pairs |")
        print("|---|--:|--:|--:|--:|--:|--:|")
        for row in rows:
            print(f"| {row['model']} | " + " | ".join(f"{row[c]:.3f}" if c in row else "" for c in columns) + " |")
        print(f"\n({time.perf_counter() - began:.0f} s)")
    else:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
