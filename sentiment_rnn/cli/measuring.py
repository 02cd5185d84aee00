"""`sentiment-rnn evaluate | compare | explain`: measuring a model, beside the bag-of-words baselines."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sentiment_rnn.cli.options import (
    DownloadBar,
    Number,
    data_dir_option,
    fail_cleanly,
    load,
    model_option,
    step_progress,
)
from sentiment_rnn.corpora.registry import CORPORA
from sentiment_rnn.evaluation.baselines import BASELINES


@click.command()
@click.option("--corpus", type=click.Choice(CORPORA), default="sst",
              help="Corpus to evaluate on (cad: train and dev splits only).")
@click.option("--split", type=click.Choice(["train", "dev", "test"]), default="test", help="Split to evaluate on.")
@click.option("--file", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Evaluate on a labelled CSV/TSV/JSONL file instead of a corpus.")
@click.option("--text-column", default="text", help="Text column of --file.")
@click.option("--label-column", default="label", help="Label column of --file.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@model_option
@data_dir_option
@fail_cleanly
def evaluate(corpus, split, data_file, text_column, label_column, as_json, model_path, data_dir):
    """Accuracy, macro-F1 and the confusion matrix of a model on a labelled split.

    sentence-polarity is scored without its sentences that are SST-2 test sentences (the treebank was
    built from the same snippets), so its numbers and the treebank's never share a sentence.

    \b
    Example:
      sentiment-rnn evaluate --corpus sst --split test --json
    """
    from sentiment_rnn.corpora import load_corpus, load_file
    from sentiment_rnn.evaluation.metrics import classification_report_dict
    from sentiment_rnn.io.predict import MAX_REVIEW_CHARS, TRUNCATED, predict_labels
    from sentiment_rnn.text.tokenizer import review_end

    model = load(model_path)
    if data_file is not None:
        data = load_file(data_file, text_column=text_column, label_column=label_column)
        reviews = [review_end(text, MAX_REVIEW_CHARS) for text in data.texts]  # as predict reads them
        if cut := sum(truncated for _, truncated in reviews):
            click.echo(f"{cut} review(s) {TRUNCATED}", err=True)
        predictions = model.predict([text for text, _ in reviews])
    else:
        data = load_corpus(corpus, split, data_dir, progress=DownloadBar())
        if corpus == "sentence-polarity":  # the treebank was built from these sentences
            from sentiment_rnn.evaluation.review_comparison import without_sst_test

            kept = without_sst_test(data, data_dir)
            dropped, data = len(data) - len(kept), kept
            click.echo(f"left out {dropped} sentences that are also SST-2 test sentences", err=True)
        predictions = predict_labels(model, data.tokenize(step_progress("tokenizing")), step_progress("scoring"))
    report = classification_report_dict(data.labels, predictions)
    report.update(corpus=str(data_file) if data_file else corpus, split=None if data_file else split)
    if data_file is None and corpus == "sentence-polarity":
        report["sst2_test_overlap_dropped"] = dropped
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"{report['corpus']} {report['split'] or ''}: n = {report['n']}")
    click.echo(f"accuracy  {report['accuracy']:.4f}")
    click.echo(f"macro-F1  {report['macro_f1']:.4f}")
    click.echo("confusion (rows = true, columns = predicted):")
    for name, row in zip(model.label_names_, report["confusion"], strict=True):
        click.echo(f"  {name:>10s}  " + "  ".join(f"{v:6d}" for v in row))


@click.command()
@click.option("--model", "model_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="RNN model file to score; repeat for several  [default: the shipped model]")
@click.option("--baseline", "baselines", multiple=True, type=click.Choice(tuple(BASELINES)),
              help="Bag-of-words baseline to train and score; repeat for several  [default: all]")
@click.option("--level", type=click.Choice(["phrase", "sentence"]), default="phrase",
              help="Train the baselines on every labelled phrase of the treebank or on sentences only.")
@click.option("--corpus", type=click.Choice(["sst", "imdb"]), default="sst",
              help="sst: sentences and the treebank's negation slices; imdb: whole reviews (IMDB test, "
                   "CAD dev pairs, contrast set).")
@click.option("--file", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Compare on whole reviews of a labelled CSV/TSV/JSONL file (split 80/10/10) instead of IMDB.")
@click.option("--text-column", default="text", help="Text column of --file.")
@click.option("--label-column", default="label", help="Label column of --file.")
@click.option("--mix", type=click.Choice(["cad"]), default=None,
              help="Reviews: also train the baselines on the CAD training pairs (less those matching a "
                   "dev or test review).")
@click.option("--train-size", type=Number(int, 1), default=None,
              help="Reviews: fit on the first N training reviews (and N/9 dev reviews) only  [default: all]")
@click.option("--test-size", type=Number(int, 1), default=None,
              help="Reviews: score the first N test reviews only  [default: all]")
@click.option("--refit", is_flag=True, help="Reviews: fit the baselines again instead of reading the cache.")
@click.option("--check", "with_check", is_flag=True,
              help="Also run the behavioural tests of `sentiment-rnn check` (held-out part) on the same models, the "
                   "shipped bag of words and VADER, and print their table below (with --json: a second JSON line).")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--json", "as_json", is_flag=True, help="Print every number as JSON.")
@data_dir_option
@fail_cleanly
def compare(model_paths, baselines, level, corpus, data_file, text_column, label_column, mix, train_size, test_size,
            refit, with_check, markdown, as_json, data_dir):
    """Score the RNN and bag-of-words baselines on SST-2 test and the negation benchmark, or on reviews.

    Baselines are trained on the treebank's training phrases (as the shipped RNN is), tuned on its
    dev sentences, then every model is scored on the test sentences, the negation phrases of the
    test trees (all, and those where negation flips the polarity), the test sentences with a
    negator, and the curated contrast set (accuracy, and pair accuracy: both members right).

    With --corpus imdb (or --file) the baselines are trained on the training reviews instead, tuned on
    the dev reviews and cached (in SENTIMENT_RNN_CACHE, else ~/.cache/sentiment-rnn), and every model is
    scored on the test reviews, the CAD dev pairs (pair consistency: both members right) and the
    contrast set.

    With --check, the behavioural tests of ``sentiment-rnn check`` (held-out part) follow the table.

    \b
    Example:
      sentiment-rnn compare --markdown
      sentiment-rnn compare --check --markdown
      sentiment-rnn compare --corpus imdb --mix cad --markdown
    """
    reviews = corpus == "imdb" or data_file is not None
    if not reviews and (mix or train_size or test_size or refit):
        raise click.UsageError("--mix, --train-size, --test-size and --refit apply to reviews: "
                               "add --corpus imdb or --file")
    models = {("sentiment-rnn" if p is None else f"sentiment-rnn {p.stem}"): load(p) for p in (model_paths or [None])}
    if reviews:
        _compare_reviews(models, model_paths, baselines or tuple(BASELINES), data_file, text_column, label_column,
                         mix, train_size, test_size, refit, markdown, as_json, data_dir)
        if with_check:
            _behaviour_table(models, markdown, as_json, data_dir)
        return
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.evaluation.comparison import compare_models, format_table, load_benchmark

    benchmark = load_benchmark(data_dir, progress=DownloadBar())
    train = load_corpus("sst", "train", data_dir, level=level)
    dev = load_corpus("sst", "dev", data_dir)
    results = compare_models(models, baselines or tuple(BASELINES), benchmark, train, dev,
                             progress=lambda message: click.echo(message, err=True))
    if as_json:
        click.echo(json.dumps(results))
    else:
        click.echo(format_table(results, markdown=markdown))
    if with_check:
        _behaviour_table(models, markdown, as_json, data_dir)


def _behaviour_table(models, markdown, as_json, data_dir):
    """`compare --check`: check's held-out table for the compared models, the shipped bag of words and
    (when the NLTK data holds its lexicon) VADER."""
    from sentiment_rnn.behaviour.report import check_dict, format_protocol
    from sentiment_rnn.behaviour.report import format_table as check_table
    from sentiment_rnn.behaviour.scorers import has_vader_lexicon
    from sentiment_rnn.behaviour.suite import DEFAULT_SEED
    from sentiment_rnn.cli.checking import run_behaviour_check

    chosen = ["bow-logreg"]
    if has_vader_lexicon(data_dir):
        chosen.append("vader")
    else:
        click.echo("check: VADER left out (no sentiment/vader_lexicon in the NLTK data)", err=True)
    results = run_behaviour_check(models, chosen, None, ("heldout",), 0, DEFAULT_SEED, data_dir)
    if as_json:
        click.echo(json.dumps(check_dict(results, DEFAULT_SEED, ("heldout",)), ensure_ascii=False))
        return
    click.echo(f"\nBehaviour (sentiment-rnn check, held-out part). {format_protocol(DEFAULT_SEED)}\n")
    click.echo(check_table(results, ("heldout",), markdown=markdown))


def _compare_reviews(models, model_paths, baselines, data_file, text_column, label_column, mix, train_size,
                     test_size, refit, markdown, as_json, data_dir):
    """`compare --corpus imdb` / `compare --file`: the review-level rows."""
    from sentiment_rnn.evaluation.review_comparison import compare_reviews, format_review_table, review_data
    from sentiment_rnn.files import file_digest
    from sentiment_rnn.io.serialization import default_model_path

    data = review_data("imdb", data_file=data_file, text_column=text_column, label_column=label_column, mix=mix,
                       train_size=train_size, test_size=test_size, data_dir=data_dir)
    keys = {name: file_digest(path or default_model_path()) for name, path in zip(models, model_paths or [None], strict=False)}
    results = compare_reviews(models, baselines, data, model_keys=keys, refit=refit,
                              progress=lambda message: click.echo(message, err=True))
    if as_json:
        click.echo(json.dumps({"data": data.description, "results": results}))
    else:
        title = "IMDB test" if data_file is None else f"{data_file.name} test"
        click.echo(format_review_table(results, markdown=markdown, test_title=title))


@click.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the trajectory and the word weights as JSON.")
@click.option("--no-baseline", is_flag=True, help="Leave out the bag-of-words baseline's word weights.")
@model_option
@data_dir_option
@fail_cleanly
def explain(text, as_json, no_baseline, model_path, data_dir):
    """Show the running sentiment after every token of TEXT, beside bag-of-words word weights; for a
    review model (the shipped one), first how its verdict is composed: the bias and each sentence's
    share in log-odds (its weight times its own evidence: the sentence network's log-odds plus its
    n-grams), then the token chart of every sentence, which ends at that sentence's own P(positive).

    One row per token: the model's P(positive) for the text up to that token, as a number and as a
    bar from 0.5, then the word's weight (log-odds) in a bag-of-words logistic regression trained on
    the same treebank phrases. The RNN's bar can swing at "not ... good"; a bag-of-words weight is
    the same in every context. The baseline ships with the package; when it is missing it is trained
    once (from the treebank in --data-dir, else downloaded) and cached. A TEXT over 20,000 characters is
    explained from its end, as predict reads it; a bidirectional model, which reads every prefix anew,
    explains the last 1,000 tokens.

    \b
    Example:
      sentiment-rnn explain "this movie is not good"
      sentiment-rnn explain --json --no-baseline "not bad at all"
    """
    from sentiment_rnn.evaluation.explain import explanation_dict, load_bow_weights, render_chart, trajectory
    from sentiment_rnn.io.predict import MAX_REVIEW_CHARS, TRUNCATED
    from sentiment_rnn.text.tokenizer import review_end

    if not text.strip():
        raise click.UsageError("TEXT is empty")
    text, truncated = review_end(text, MAX_REVIEW_CHARS)
    if truncated:
        click.echo(f"TEXT is {TRUNCATED}", err=True)
    model = load(model_path)
    bow = None if no_baseline else load_bow_weights(data_dir, on_training=lambda m: click.echo(m, err=True))
    if model.reads_by_sentence(text):  # the review model: the composition it computes, sentence by sentence
        from sentiment_rnn.evaluation.review_explain import render_review_chart, review_explanation

        review = review_explanation(model, text, bow)
        if as_json:
            click.echo(json.dumps({"text": text, "level": "review", **review}, ensure_ascii=False))
        else:
            click.echo(render_review_chart(review, bow, text=text, ascii_only=not _stdout_can_encode("█│…─")))
        return
    steps = trajectory(model, text)
    if as_json:
        click.echo(json.dumps(explanation_dict(steps, bow, text=text), ensure_ascii=False))
    else:
        click.echo(render_chart(steps, bow, text=text, ascii_only=not _stdout_can_encode("█│…─")))


def _stdout_can_encode(characters: str) -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        characters.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
