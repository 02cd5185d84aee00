"""The command line: ``sentiment-rnn train | predict | evaluate | compare | explain``.

Commands parse options, call the library and print. Results go to stdout, progress and logs to
stderr. The library's errors become one-line messages: exit 1 for failures, 2 for usage errors.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from sentiment_rnn.errors import SentimentRNNError

DATA_DIR_HELP = "Folder holding the corpora (sst/, imdb/, nltk_data/); missing ones are downloaded to the cache."
CORPORA = ("sst", "sentence-polarity", "movie-reviews", "imdb")
PREDICT_CHUNK = 1000  # lines read, predicted and written at a time: memory stays bounded on big inputs


def data_dir_option(command):
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="SENTIMENT_RNN_DATA",
        show_envvar=True, default=None, help=DATA_DIR_HELP,
    )(command)


def model_option(command):
    return click.option(
        "--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Model file to use  [default: the shipped model]",
    )(command)


def fail_cleanly(command):
    """Turn the library's errors into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SentimentRNNError as error:
            raise click.ClickException(str(error)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


def _load(model_path):
    from sentiment_rnn.serialization import load_model

    return load_model(model_path)


def _progress_bar(label: str):
    """A progress callback drawing a bar on stderr when it is a terminal, else doing nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    state = {"bar": None}

    def update(done: int, total: int) -> None:
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["bar"].pos)
        if done == total:
            state["bar"].__exit__(None, None, None)
            state["bar"] = None

    return update, lambda: state["bar"] and state["bar"].__exit__(None, None, None)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="sentiment-rnn")
def main():
    """Sentiment classification with a recurrent neural network written in NumPy.

    \b
    Example:
      sentiment-rnn predict "this movie is not good"
    """


# ----------------------------------------------------------------------------------------------------
@main.command()
@click.argument("texts", nargs=-1)
@click.option("--input", "-i", "input_file", type=click.File("rb"), default=None,
              help="Read reviews from FILE, one per line ('-' for stdin).")
@click.option("--format", "output_format", type=click.Choice(["text", "jsonl", "tsv"]), default="text",
              help="Output format.")
@model_option
@fail_cleanly
def predict(texts, input_file, output_format, model_path):
    """Predict the sentiment of each TEXT (or of each line of --input).

    A line that is not UTF-8 or has no words is reported on stderr and skipped (exit 1 at the end);
    the other lines are still predicted. A review over 20,000 characters is predicted from its end.

    \b
    Example:
      sentiment-rnn predict "this movie is not good" "not bad at all , actually quite fun"
      cat reviews.txt | sentiment-rnn predict --input - --format jsonl
    """
    from sentiment_rnn.predict import TRUNCATED, format_record, iter_lines, predict_records

    if not texts and input_file is None:
        raise click.UsageError("give at least one TEXT or --input FILE")
    model = _load(model_path)
    failures = 0
    sources = [list(enumerate(texts, start=1))] if texts else iter_lines(input_file, PREDICT_CHUNK)
    for chunk in sources:
        for record in predict_records(model, chunk):
            if "error" in record:
                failures += 1
                click.echo(f"line {record['line']}: {record['error']}", err=True)
            else:
                if record.get("truncated"):
                    click.echo(f"line {record['line']}: {TRUNCATED}", err=True)
                click.echo(format_record(record, output_format))
    if failures:
        raise click.ClickException(f"{failures} line(s) could not be predicted; the others were")


# ----------------------------------------------------------------------------------------------------
@main.command()
@click.option("--corpus", type=click.Choice(CORPORA), default="sst", help="Corpus to evaluate on.")
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

    \b
    Example:
      sentiment-rnn evaluate --corpus sst --split test --json
    """
    from sentiment_rnn.data import load_corpus, load_file
    from sentiment_rnn.evaluate import classification_report_dict

    model = _load(model_path)
    if data_file is not None:
        data = load_file(data_file, text_column=text_column, label_column=label_column)
    else:
        data = load_corpus(corpus, split, data_dir)
    predictions = model.predict(data.tokens)
    report = classification_report_dict(data.labels, predictions)
    report.update(corpus=str(data_file) if data_file else corpus, split=None if data_file else split)
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"{report['corpus']} {report['split'] or ''}: n = {report['n']}")
    click.echo(f"accuracy  {report['accuracy']:.4f}")
    click.echo(f"macro-F1  {report['macro_f1']:.4f}")
    click.echo("confusion (rows = true, columns = predicted):")
    for name, row in zip(model.label_names_, report["confusion"]):
        click.echo(f"  {name:>10s}  " + "  ".join(f"{v:6d}" for v in row))


# ----------------------------------------------------------------------------------------------------
@main.command()
@click.option("--corpus", "corpora", multiple=True, type=click.Choice(["imdb", "movie-reviews"]),
              help="Unlabeled review text to learn from (labels are never read); repeat for several  "
                   "[default: imdb and movie-reviews]")
@click.option("--dim", type=click.IntRange(1), default=100, help="Vector size (the model's --embedding-dim).")
@click.option("--max-words", type=click.IntRange(2), default=30000, help="Keep the most frequent words.")
@click.option("--min-count", type=click.IntRange(1), default=5, help="Drop words seen fewer times.")
@click.option("--window", type=click.IntRange(1), default=5, help="Context window on each side.")
@click.option("--seed", type=int, default=0, help="Seed of the randomized SVD.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("vectors.npz"),
              help="Where to write the vectors (atomically).")
@data_dir_option
@fail_cleanly
def pretrain(corpora, dim, max_words, min_count, window, seed, output, data_dir):
    """Learn word vectors from unlabeled reviews (PPMI + truncated SVD) for `train --pretrained-vectors`.

    Only the IMDB *training* reviews are read (never its test reviews), plus the movie_reviews corpus,
    so no text of any evaluation split is seen.

    \b
    Example:
      sentiment-rnn pretrain --dim 100 -o vectors.npz
    """
    from sentiment_rnn.data import unlabeled_texts
    from sentiment_rnn.embeddings import pretrain_from_texts, save_vectors

    documents = unlabeled_texts(corpora or ("imdb", "movie-reviews"), data_dir)
    click.echo(f"{len(documents):,} documents; counting co-occurrences and factorizing", err=True)
    words, vectors = pretrain_from_texts(documents, min_count=min_count, max_words=max_words, window=window,
                                         dim=dim, seed=seed, n_jobs=2)
    save_vectors(output, words, vectors)
    click.echo(f"{len(words):,} words x {vectors.shape[1]} dimensions -> {output}")


# ----------------------------------------------------------------------------------------------------
@main.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the ensemble (atomically).")
@click.option("--compact", is_flag=True, help="Store the word vectors as float16 (half the file size).")
@fail_cleanly
def ensemble(models, output, compact):
    """Average several trained models (e.g. the same settings with other --seed values) into one file.

    The ensemble predicts the mean of its members' class probabilities.

    \b
    Example:
      sentiment-rnn ensemble seed0.npz seed1.npz seed2.npz -o ensemble.npz
    """
    from sentiment_rnn.classifier import EnsembleClassifier
    from sentiment_rnn.serialization import save_model

    members = []
    for path in models:
        model = _load(path)
        members.extend(getattr(model, "members_", [model]))
    save_model(EnsembleClassifier(members), output, provenance={"members_from": [str(p) for p in models]},
               compact=compact)
    click.echo(f"{len(members)} members -> {output}")


# ----------------------------------------------------------------------------------------------------
@main.command("train-review")
@click.option("--sentence-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Two-class sentence model the review model reads with  [default: the shipped model]")
@click.option("--cad/--no-cad", "use_cad", default=True, show_default=True,
              help="Add the counterfactually edited training pairs (cad/train_paired.tsv in --data-dir), "
                   "without the pairs that overlap IMDB test reviews.")
@click.option("--cad-weight", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True,
              help="Weight of a counterfactual review in the losses.")
@click.option("--sentence-epochs", type=click.IntRange(0), default=0, show_default=True,
              help="First continue training the sentence network this many epochs on the treebank's phrases "
                   "(half its own probabilities, half the labels) and the edited sentences of the CAD pairs.")
@click.option("--sentence-lr", type=click.FloatRange(0, min_open=True), default=3e-4, show_default=True,
              help="Learning rate of that sentence training.")
@click.option("--mix-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True,
              help="Share of the CAD training pairs held out of training to fit the mix with the dev reviews.")
@click.option("--attention-size", type=click.IntRange(1), default=64, show_default=True, help="Attention units.")
@click.option("--head-epochs", type=click.IntRange(1), default=10, show_default=True,
              help="Epochs of the head on the frozen sentence states.")
@click.option("--epochs", type=click.IntRange(0), default=2, show_default=True,
              help="Epochs end to end (0: the review model reads with the sentence network itself).")
@click.option("--lr", type=click.FloatRange(0, min_open=True), default=5e-4, show_default=True,
              help="Learning rate end to end.")
@click.option("--state-dropout", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True,
              help="Dropout on the sentence states end to end.")
@click.option("--ngram-order", type=click.IntRange(1, 4), default=2, show_default=True, help="Longest n-gram.")
@click.option("--ngram-min-df", type=click.IntRange(1), default=2, show_default=True,
              help="Keep n-grams seen in at least this many training reviews.")
@click.option("--ngram-c", type=click.FloatRange(0, min_open=True), default=0.1, show_default=True,
              help="Inverse L2 strength of the n-gram logistic regression.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of initialisation, order, dropout.")
@click.option("--compact", is_flag=True, help="Store the word vectors as float16 (half the file size).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the review model (atomically).")
@data_dir_option
@fail_cleanly
def train_review(sentence_model, use_cad, cad_weight, sentence_epochs, sentence_lr, mix_fraction, attention_size, head_epochs, epochs, lr, state_dropout,
                 ngram_order, ngram_min_df, ngram_c, seed, compact, output, data_dir):
    """Train a review model around a sentence model on IMDB's training reviews (and the CAD pairs).

    The reviews with ids ending in 0 (2,500) are held out for early stopping and for fitting the mix
    of the recurrent and n-gram parts. IMDB training reviews that are copies of CAD dev reviews are
    left out, and so are CAD training pairs that overlap IMDB test reviews (counts on stderr). The
    written file answers one sentence with the sentence model and longer texts with the review model.

    \b
    Example:
      sentiment-rnn train-review -o review.npz
    """
    from sentiment_rnn.review_training import train_review_recipe
    from sentiment_rnn.serialization import save_model

    sentence = _load(sentence_model)
    model, provenance = train_review_recipe(
        getattr(sentence, "sentence_", sentence), data_dir, use_cad=use_cad, cad_weight=cad_weight,
        sentence_epochs=sentence_epochs, sentence_lr=sentence_lr, mix_fraction=mix_fraction,
        attention_size=attention_size, head_epochs=head_epochs, epochs=epochs, learning_rate=lr,
        state_dropout=state_dropout, ngram_order=ngram_order, ngram_min_df=ngram_min_df, ngram_c=ngram_c, seed=seed,
        log=lambda message: click.echo(message, err=True))
    provenance["sentence_model"] = str(sentence_model) if sentence_model else "shipped"
    save_model(model, output, provenance=provenance, compact=compact)
    summary = {"output": str(output), **model.training_["dev_accuracy"], "seconds": round(model.training_["seconds"]),
               "sst2_test_accuracy": model.training_["sst2_test_accuracy"],
               "peak_memory_mb": round(provenance["peak_memory_mb"])}
    click.echo(json.dumps(summary))


# ----------------------------------------------------------------------------------------------------
BASELINE_NAMES = ("bow-logreg", "bow-bigram-logreg", "tfidf-svm", "nb", "negation-logreg")


@main.command()
@click.option("--model", "model_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="RNN model file to score; repeat for several  [default: the shipped model]")
@click.option("--baseline", "baselines", multiple=True, type=click.Choice(BASELINE_NAMES),
              help="Bag-of-words baseline to train and score; repeat for several  [default: all]")
@click.option("--level", type=click.Choice(["phrase", "sentence"]), default="phrase",
              help="Train the baselines on every labelled phrase of the treebank or on sentences only.")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--json", "as_json", is_flag=True, help="Print every number as JSON.")
@data_dir_option
@fail_cleanly
def compare(model_paths, baselines, level, markdown, as_json, data_dir):
    """Score the RNN and bag-of-words baselines on SST-2 test and the negation benchmark.

    Baselines are trained on the treebank's training phrases (as the shipped RNN is), tuned on its
    dev sentences, then every model is scored on the test sentences, the negation phrases of the
    test trees (all, and those where negation flips the polarity), the test sentences with a
    negator, and the curated contrast set (accuracy, and pair accuracy: both members right).

    \b
    Example:
      sentiment-rnn compare --markdown
    """
    from sentiment_rnn.data import load_corpus
    from sentiment_rnn.evaluate import compare_models, format_table, load_benchmark

    models = {("sentiment-rnn" if p is None else f"sentiment-rnn {p.stem}"): _load(p) for p in (model_paths or [None])}
    benchmark = load_benchmark(data_dir)
    train = load_corpus("sst", "train", data_dir, level=level)
    dev = load_corpus("sst", "dev", data_dir)
    results = compare_models(models, baselines or BASELINE_NAMES, benchmark, train, dev,
                             progress=lambda message: click.echo(message, err=True))
    if as_json:
        click.echo(json.dumps(results))
    else:
        click.echo(format_table(results, markdown=markdown))


# ----------------------------------------------------------------------------------------------------
@main.command()
@click.option("--corpus", type=click.Choice(CORPORA), default="sst", help="Corpus to train on.")
@click.option("--level", type=click.Choice(["phrase", "sentence"]), default="phrase",
              help="Treebank: train on every labelled phrase or on sentences only.")
@click.option("--fine-grained", is_flag=True,
              help="Treebank: train on its five sentiment labels (neutral phrases too) and predict "
                   "negative/positive from them.")
@click.option("--train-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Train on a labelled CSV/TSV/JSONL file instead of a corpus.")
@click.option("--dev-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Dev file for early stopping with --train-file (else 10% is held out).")
@click.option("--text-column", default="text", help="Text column of the files.")
@click.option("--label-column", default="label", help="Label column of the files.")
@click.option("--cell", type=click.Choice(["elman", "gru", "lstm"]), default="lstm", help="Recurrent cell.")
@click.option("--activation", type=click.Choice(["tanh", "relu", "sigmoid"]), default="tanh",
              help="Elman activation.")
@click.option("--embedding-dim", type=click.IntRange(1), default=128, help="Word vector size E.")
@click.option("--hidden-size", type=click.IntRange(1), default=128, help="Hidden state size H.")
@click.option("--num-layers", type=click.IntRange(1), default=1, help="Stacked recurrent layers.")
@click.option("--bidirectional/--unidirectional", default=False, help="Read the text in both directions.")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=0.5,
              help="Dropout on the final state and between layers.")
@click.option("--embedding-dropout", type=click.FloatRange(0, 1, max_open=True), default=0.2,
              help="Dropout on the word vectors.")
@click.option("--word-dropout", type=click.FloatRange(0, 1, max_open=True), default=0.0,
              help="In training, read this fraction of words as unknown.")
@click.option("--epochs", type=click.IntRange(1), default=10, help="Maximum number of epochs.")
@click.option("--batch-size", type=click.IntRange(1), default=64, help="Reviews per mini-batch.")
@click.option("--lr", "learning_rate", type=click.FloatRange(0, min_open=True), default=2e-3, help="Learning rate.")
@click.option("--lr-decay", type=click.FloatRange(0, 1, min_open=True), default=1.0,
              help="Multiply the learning rate by this after every epoch.")
@click.option("--optimizer", type=click.Choice(["adam", "sgd"]), default="adam", help="Optimizer.")
@click.option("--clip-norm", type=click.FloatRange(0, min_open=True), default=5.0,
              help="Clip gradients to this global norm.")
@click.option("--patience", type=click.IntRange(1), default=3, help="Stop after this many epochs without a better dev accuracy.")
@click.option("--min-count", type=click.IntRange(1), default=1, help="Drop words seen fewer times.")
@click.option("--max-vocab", type=click.IntRange(3), default=None, help="Keep at most this many words.")
@click.option("--max-len", type=click.IntRange(1), default=None, help="Keep only the last N tokens of a review.")
@click.option("--pretrained-vectors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Initialise word vectors from this file: from `sentiment-rnn pretrain`, or a trained "
                   "model (the word vectors it tuned).")
@click.option("--freeze-embeddings", is_flag=True, help="Keep the word vectors fixed during training.")
@click.option("--teacher", "teacher_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Knowledge distillation: learn this trained model's probabilities (e.g. an ensemble's) "
                   "instead of the labels alone.")
@click.option("--teacher-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="With --teacher: the training targets are this share of the teacher's probabilities "
                   "and the rest the one-hot labels.")
@click.option("--transfer-corpus", type=click.Choice(["imdb", "movie-reviews"]), default=None,
              help="With --teacher: also learn the teacher's probabilities on unlabeled sentences of this "
                   "corpus (imdb: its training reviews only).")
@click.option("--transfer-size", type=click.IntRange(1), default=150000, show_default=True,
              help="How many transfer sentences (3-60 tokens, drawn with --seed).")
@click.option("--seed", type=int, default=0, help="Random seed; the same seed gives identical weights.")
@click.option("--compact", is_flag=True, help="Store the word vectors as float16 (half the file size).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("model.npz"),
              help="Where to write the trained model (atomically).")
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to save the training state after every epoch and on Ctrl-C  [default: <output>.ckpt.npz]")
@click.option("--resume", is_flag=True,
              help="Continue from --checkpoint: same data and options (--epochs may be raised), same result.")
@click.option("--diagnostics", "diagnostics_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="After every epoch write learning curves and gradient norm by distance from the last token "
                   "(CSV, JSON; PNG plots when matplotlib is installed) into this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the training summary as JSON.")
@data_dir_option
@fail_cleanly
def train(corpus, level, fine_grained, train_file, dev_file, text_column, label_column, seed, output, checkpoint,
          resume, as_json, data_dir, teacher_path, teacher_weight, transfer_corpus, transfer_size, **hyperparameters):
    """Train a model on a corpus (default: every labelled phrase of the treebank) and save it.

    Early stopping watches the dev split and keeps the best weights; the test split is reported.
    The training state is saved after every epoch and on Ctrl-C; run the same command with
    --resume to continue, with the weights an uninterrupted run would give.

    With --teacher it learns a trained model's probabilities (knowledge distillation: one network
    that predicts like an ensemble), on the training texts and, with --transfer-corpus, on unlabeled
    sentences the teacher labels.

    \b
    Example:
      sentiment-rnn train --corpus sst --cell lstm --epochs 5 -o my_model.npz
      sentiment-rnn train --teacher ensemble.npz --transfer-corpus imdb -o student.npz
    """
    from sentiment_rnn.classifier import RNNClassifier
    from sentiment_rnn.errors import TrainingError, TrainingInterrupted
    from sentiment_rnn.serialization import save_model
    from sentiment_rnn.data import load_training_data

    if fine_grained and (corpus != "sst" or train_file is not None):
        raise click.UsageError("--fine-grained needs the treebank's five labels: use it with --corpus sst")
    if teacher_path is None and transfer_corpus is not None:
        raise click.UsageError("--transfer-corpus needs a --teacher to label its sentences")
    if teacher_path is not None and fine_grained:
        raise click.UsageError("--teacher predicts two classes: it cannot be combined with --fine-grained")
    data = load_training_data(corpus, level, train_file, dev_file, text_column, label_column, data_dir,
                              train_classes=5 if fine_grained else 2)
    texts, labels, targets = data.train.tokens, data.train.labels, None
    if teacher_path is not None:
        texts, labels, targets = _distillation_targets(teacher_path, teacher_weight, transfer_corpus, transfer_size,
                                                       seed, data, data_dir)
        data.description.update(teacher=str(teacher_path), teacher_weight=teacher_weight,
                                transfer_corpus=transfer_corpus, transfer_sentences=len(texts) - len(data.train))
    hyperparameters["pretrained_vectors"] = (
        None if hyperparameters["pretrained_vectors"] is None else str(hyperparameters["pretrained_vectors"])
    )
    compact = hyperparameters.pop("compact")
    diagnostics = _training_diagnostics(hyperparameters.pop("diagnostics_dir"), data.train, hyperparameters)
    label_map = (0, 0, None, 1, 1) if fine_grained else None  # very negative .. very positive -> neg / pos
    model = RNNClassifier(random_state=seed, train_label_map=label_map, **hyperparameters)
    progress, close = _progress_bar("training")

    def log_epoch(record):
        close()
        dev = "" if record.dev_accuracy is None else f"  dev loss {record.dev_loss:.4f}  dev acc {record.dev_accuracy:.4f}"
        click.echo(f"epoch {record.epoch:3d}  train loss {record.train_loss:.4f}{dev}  "
                   f"{record.tokens_per_second:,.0f} tokens/s", err=True)
        if diagnostics is not None:
            diagnostics.record(model, record)

    checkpoint = checkpoint or output.with_suffix(".ckpt.npz")
    try:
        model.fit(texts, labels, X_dev=data.dev.tokens if data.dev else None,
                  y_dev=data.dev.labels if data.dev else None, label_names=(data.dev or data.train).label_names,
                  progress=progress, on_epoch=log_epoch, checkpoint=checkpoint, resume=resume,
                  target_probabilities=targets)
    except TrainingInterrupted as stop:
        close()
        click.echo(f"Interrupted: {stop}" + ("; run the same command with --resume to continue" if stop.checkpoint else ""),
                   err=True)
        sys.exit(130)
    except TrainingError as error:
        raise click.ClickException(f"{error}; {output} was not written") from None
    if compact:  # score exactly the weights the file will hold
        embedding = model.params_["embedding.weight"]
        embedding[...] = embedding.astype("float16")
    summary = {"output": str(output), "best_epoch": model.training_.best_epoch,
               "dev_accuracy": model.training_.best_dev_accuracy, "train_examples": len(data.train)}
    if data.test is not None:
        summary["test_accuracy"] = model.score(data.test.tokens, data.test.labels)
        summary["test_examples"] = len(data.test)
    try:
        save_model(model, output, provenance={"data": data.description, **summary}, compact=compact)
    except OSError as error:
        raise click.ClickException(
            f"cannot write {output} ({error.strerror or error}); the trained weights are in {checkpoint}: "
            "fix the problem and run the same command with --resume"
        ) from None
    if as_json:
        click.echo(json.dumps(summary))
    else:
        for key, value in summary.items():
            click.echo(f"{key:15s} {value:.4f}" if isinstance(value, float) else f"{key:15s} {value}")


def _distillation_targets(teacher_path, teacher_weight, transfer_corpus, transfer_size, seed, data, data_dir):
    """Texts, labels and target probabilities for training on ``teacher_path``'s predictions: the
    training texts (targets: ``teacher_weight`` × the teacher's probabilities + the rest × one-hot
    labels), then the transfer sentences (targets: the teacher's probabilities, labels: its predictions)."""
    import numpy as np

    from sentiment_rnn.data import unlabeled_sentences

    teacher = _load(teacher_path)
    labels = np.asarray(data.train.labels)
    classes = np.unique(labels)
    names = tuple(data.train.label_names[c] for c in classes)
    if not np.array_equal(np.asarray(teacher.classes_), classes) or tuple(teacher.label_names_) != names:
        raise click.ClickException(f"the teacher {teacher_path} predicts the classes {list(teacher.label_names_)}, "
                                   f"the training labels are {list(names)}")
    texts = list(data.train.tokens)
    click.echo(f"teacher {teacher_path}: labelling {len(texts):,} training texts", err=True)
    one_hot = (labels[:, None] == classes[None, :]).astype(np.float64)  # (N, C)
    targets = teacher_weight * teacher.predict_proba(texts) + (1 - teacher_weight) * one_hot  # (N, C)
    if transfer_corpus is None:
        return texts, labels, targets
    click.echo(f"reading {transfer_corpus} sentences for the teacher to label", err=True)
    sentences = unlabeled_sentences(transfer_corpus, transfer_size, seed=seed, data_dir=data_dir, n_jobs=2)
    click.echo(f"teacher {teacher_path}: labelling {len(sentences):,} {transfer_corpus} sentences", err=True)
    transfer = teacher.predict_proba(sentences)  # (M, C)
    return texts + sentences, np.concatenate([labels, classes[transfer.argmax(axis=1)]]), np.vstack([targets, transfer])


def _training_diagnostics(folder, train, hyperparameters):
    """The per-epoch diagnostics writer of `train --diagnostics`, or None."""
    if folder is None:
        return None
    from sentiment_rnn.diagnostics import TrainingDiagnostics, cell_label, plots_available

    if not plots_available():
        click.echo("matplotlib is not installed: diagnostics are written as CSV and JSON only "
                   "(pip install 'sentiment-rnn[plots]' for the plots)", err=True)
    label = cell_label(hyperparameters["cell"], hyperparameters["activation"])
    return TrainingDiagnostics(folder, train.tokens, train.labels, label=label)


# ----------------------------------------------------------------------------------------------------
@main.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the trajectory and the word weights as JSON.")
@click.option("--no-baseline", is_flag=True, help="Leave out the bag-of-words baseline's word weights.")
@model_option
@data_dir_option
@fail_cleanly
def explain(text, as_json, no_baseline, model_path, data_dir):
    """Show the running sentiment after every token of TEXT, beside bag-of-words word weights; for a
    text of several sentences read by a review model, show what each sentence adds to the verdict.

    One row per token: the model's P(positive) for the text up to that token, as a number and as a
    bar from 0.5, then the word's weight (log-odds) in a bag-of-words logistic regression trained on
    the same treebank phrases. The RNN's bar can swing at "not ... good"; a bag-of-words weight is
    the same in every context. The baseline ships with the package; when it is missing it is trained
    once (from the treebank in --data-dir, else downloaded) and cached.

    \b
    Example:
      sentiment-rnn explain "this movie is not good"
      sentiment-rnn explain --json --no-baseline "not bad at all"
    """
    from sentiment_rnn.explain import explanation_dict, load_bow_weights, render_chart, trajectory

    if not text.strip():
        raise click.UsageError("TEXT is empty")
    model = _load(model_path)
    if hasattr(model, "explain_review") and len(model.sentences([text])[0]) > 1:  # a review: by sentence
        from sentiment_rnn.explain import render_review_chart

        review = model.explain_review(text)
        if as_json:
            click.echo(json.dumps({"text": text, "level": "review", **review}, ensure_ascii=False))
        else:
            click.echo(render_review_chart(review, text=text, ascii_only=not _stdout_can_encode("█│…─")))
        return
    steps = trajectory(model, text)
    bow = None if no_baseline else load_bow_weights(data_dir, on_training=lambda m: click.echo(m, err=True))
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


if __name__ == "__main__":
    main()
