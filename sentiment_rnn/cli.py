"""The command line: ``sentiment-rnn train | predict | evaluate | compare | explain``.

Commands parse options, call the library and print. Results go to stdout, progress and logs to
stderr. The library's errors become one-line messages: exit 1 for failures, 2 for usage errors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np

from sentiment_rnn.cli_options import (DownloadBar, check_paths, data_dir_option, fail_cleanly, hyperparameter_option,
                                       hyperparameter_options, load, model_option, progress_bar, step_progress)
from sentiment_rnn.corpora.registry import CORPORA
from sentiment_rnn.evaluation.baselines import BASELINES

PREDICT_CHUNK = 1000  # lines read, predicted and written at a time: memory stays bounded on big inputs
SCORE_CHUNK = 1000  # texts scored at a time by train and evaluate, with progress after each


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
    model = load(model_path)
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
    from sentiment_rnn.corpora import load_corpus, load_file
    from sentiment_rnn.evaluation.metrics import classification_report_dict
    from sentiment_rnn.predict import MAX_REVIEW_CHARS, TRUNCATED
    from sentiment_rnn.text import review_end

    model = load(model_path)
    if data_file is not None:
        data = load_file(data_file, text_column=text_column, label_column=label_column)
        reviews = [review_end(text, MAX_REVIEW_CHARS) for text in data.texts]  # as predict reads them
        if cut := sum(truncated for _, truncated in reviews):
            click.echo(f"{cut} review(s) {TRUNCATED}", err=True)
        predictions = model.predict([text for text, _ in reviews])
    else:
        data = load_corpus(corpus, split, data_dir, progress=DownloadBar())
        predictions = _predict(model, data.tokenize(step_progress("tokenizing")), "scoring")
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
    from sentiment_rnn.corpora import unlabeled_texts
    from sentiment_rnn.embeddings import pretrain_from_texts, save_vectors

    check_paths([("--output", output)])
    documents = unlabeled_texts(corpora or ("imdb", "movie-reviews"), data_dir, progress=DownloadBar())
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
    from sentiment_rnn.ensemble import EnsembleClassifier
    from sentiment_rnn.serialization import save_model

    check_paths([("--output", output)], [("MODEL", path) for path in models])
    members = []
    for path in models:
        members.extend(load(path).networks)
    save_model(EnsembleClassifier(members), output, provenance={"members_from": [str(p) for p in models]},
               compact=compact)
    click.echo(f"{len(members)} members -> {output}")


# ----------------------------------------------------------------------------------------------------
@main.command()
@click.option("--model", "model_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="RNN model file to score; repeat for several  [default: the shipped model]")
@click.option("--baseline", "baselines", multiple=True, type=click.Choice(tuple(BASELINES)),
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
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.evaluation.comparison import compare_models, format_table, load_benchmark

    models = {("sentiment-rnn" if p is None else f"sentiment-rnn {p.stem}"): load(p) for p in (model_paths or [None])}
    benchmark = load_benchmark(data_dir, progress=DownloadBar())
    train = load_corpus("sst", "train", data_dir, level=level)
    dev = load_corpus("sst", "dev", data_dir)
    results = compare_models(models, baselines or tuple(BASELINES), benchmark, train, dev,
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
@hyperparameter_options
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
@hyperparameter_option("random_state", dest="seed")
@click.option("--compact", is_flag=True, help="Store the word vectors as float16 (half the file size).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("model.npz"),
              help="Where to write the trained model (atomically).")
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to save the training state after every epoch and on Ctrl-C  [default: <output>.ckpt.npz]")
@click.option("--resume", is_flag=True,
              help="Continue from --checkpoint: same data and options (--epochs may be raised), same result.")
@click.option("--keep-checkpoint", is_flag=True,
              help="Keep the checkpoint once the model is written (it is removed then, being about four times "
                   "the model's size).")
@click.option("--diagnostics", "diagnostics_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="After every epoch write learning curves and gradient norm by distance from the last token "
                   "(CSV, JSON; PNG plots when matplotlib is installed) into this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the training summary as JSON.")
@data_dir_option
@fail_cleanly
def train(corpus, level, fine_grained, train_file, dev_file, text_column, label_column, seed, output, checkpoint,
          resume, keep_checkpoint, as_json, data_dir, teacher_path, teacher_weight, transfer_corpus, transfer_size,
          **hyperparameters):
    """Train a model on a corpus (default: every labelled phrase of the treebank) and save it.

    Early stopping watches the dev split and keeps the best weights; the test split is reported.
    The training state is saved after every epoch and on Ctrl-C, SIGTERM or SIGHUP (exit 130, 143,
    129); run the same command with --resume to continue, with the weights an uninterrupted run would
    give. Once the model is written the checkpoint is removed, unless --keep-checkpoint.

    With --teacher it learns a trained model's probabilities (knowledge distillation: one network
    that predicts like an ensemble), on the training texts and, with --transfer-corpus, on unlabeled
    sentences the teacher labels.

    \b
    Example:
      sentiment-rnn train --corpus sst --cell lstm --epochs 5 -o my_model.npz
      sentiment-rnn train --teacher ensemble.npz --transfer-corpus imdb -o student.npz
    """
    from sentiment_rnn.classifier import RNNClassifier
    from sentiment_rnn.corpora import FINE_GRAINED_LABEL_MAP, load_training_data
    from sentiment_rnn.errors import TrainingError, TrainingInterrupted
    from sentiment_rnn.serialization import round_for_compact_storage, save_model

    if fine_grained and (corpus != "sst" or train_file is not None):
        raise click.UsageError("--fine-grained needs the treebank's five labels: use it with --corpus sst")
    if teacher_path is None and transfer_corpus is not None:
        raise click.UsageError("--transfer-corpus needs a --teacher to label its sentences")
    if teacher_path is not None and fine_grained:
        raise click.UsageError("--teacher predicts two classes: it cannot be combined with --fine-grained")
    checkpoint = checkpoint or output.with_suffix(".ckpt.npz")
    check_paths([("--output", output), ("--checkpoint", checkpoint)],
                [("--train-file", train_file), ("--dev-file", dev_file), ("--teacher", teacher_path),
                 ("--pretrained-vectors", hyperparameters["pretrained_vectors"])],
                folders=[hyperparameters["diagnostics_dir"]])
    data = load_training_data(corpus, level, train_file, dev_file, text_column, label_column, data_dir,
                              train_classes=5 if fine_grained else 2, progress=DownloadBar())
    for name, split in (("training", data.train), ("dev", data.dev), ("test", data.test)):
        if split is not None:
            split.tokenize(step_progress(f"tokenizing the {name} texts"))
    texts, labels, targets = data.train.tokens, data.train.labels, None
    if teacher_path is not None:
        from sentiment_rnn.distillation import distillation_targets

        texts, labels, targets = distillation_targets(
            load(teacher_path), data.train, teacher_weight=teacher_weight, transfer_corpus=transfer_corpus,
            transfer_size=transfer_size, seed=seed, data_dir=data_dir, teacher_name=f"teacher {teacher_path}",
            log=lambda message: click.echo(message, err=True),
        )
        data.description.update(teacher=str(teacher_path), teacher_weight=teacher_weight,
                                transfer_corpus=transfer_corpus, transfer_sentences=len(texts) - len(data.train))
    hyperparameters["pretrained_vectors"] = (
        None if hyperparameters["pretrained_vectors"] is None else str(hyperparameters["pretrained_vectors"])
    )
    compact = hyperparameters.pop("compact")
    diagnostics = _training_diagnostics(hyperparameters.pop("diagnostics_dir"), data.train, hyperparameters)
    label_map = FINE_GRAINED_LABEL_MAP if fine_grained else None
    model = RNNClassifier(random_state=seed, train_label_map=label_map, **hyperparameters)
    progress, close = progress_bar("training")
    progress = progress or step_progress("training batches")  # off a terminal, a line every few seconds

    def log_epoch(record):
        close()
        dev = "" if record.dev_accuracy is None else f"  dev loss {record.dev_loss:.4f}  dev acc {record.dev_accuracy:.4f}"
        click.echo(f"epoch {record.epoch:3d}  train loss {record.train_loss:.4f}{dev}  "
                   f"{record.tokens_per_second:,.0f} tokens/s", err=True)
        if diagnostics is not None:
            diagnostics.record(model, record)

    try:
        model.fit(texts, labels, X_dev=data.dev.tokens if data.dev else None,
                  y_dev=data.dev.labels if data.dev else None, label_names=(data.dev or data.train).label_names,
                  progress=progress, on_epoch=log_epoch, checkpoint=checkpoint, resume=resume,
                  target_probabilities=targets)
    except TrainingInterrupted as stop:
        close()
        click.echo(f"Interrupted: {stop}" + ("; run the same command with --resume to continue" if stop.checkpoint else ""),
                   err=True)
        sys.exit(128 + stop.signal)  # 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP, as the shell reports them
    except TrainingError as error:
        raise click.ClickException(f"{error}; {output} was not written") from None
    if compact:  # score exactly the weights the file will hold
        round_for_compact_storage(model)
    summary = {"output": str(output), "best_epoch": model.training_.best_epoch,
               "dev_accuracy": model.training_.best_dev_accuracy, "train_examples": len(data.train)}
    if data.test is not None:
        summary["test_accuracy"] = float(np.mean(_predict(model, data.test.tokens, "scoring the test split")
                                                 == data.test.labels))
        summary["test_examples"] = len(data.test)
    try:
        save_model(model, output, provenance={"data": data.description, **summary}, compact=compact)
    except OSError as error:
        raise click.ClickException(
            f"cannot write {output} ({error.strerror or error}); the trained weights are in {checkpoint}: "
            "fix the problem and run the same command with --resume"
        ) from None
    if not keep_checkpoint:
        checkpoint.unlink(missing_ok=True)
    chance = _chance_level(data.dev or data.train)
    if summary["dev_accuracy"] is not None and summary["dev_accuracy"] <= chance:
        click.echo(f"Warning: the dev accuracy ({summary['dev_accuracy']:.4f}) is no better than always predicting "
                   f"the most frequent class ({chance:.4f}): the model has learned nothing useful; try more "
                   "epochs, another learning rate or more data", err=True)
    if as_json:
        click.echo(json.dumps(summary))
    else:
        for key, value in summary.items():
            click.echo(f"{key:15s} {value:.4f}" if isinstance(value, float) else f"{key:15s} {value}")


def _predict(model, tokens, label: str):
    """``model.predict(tokens)``, SCORE_CHUNK texts at a time, with progress on stderr (see step_progress)."""
    progress = step_progress(label)
    predictions = []
    for start in range(0, len(tokens), SCORE_CHUNK):
        predictions.append(model.predict(tokens[start : start + SCORE_CHUNK]))
        progress(min(start + SCORE_CHUNK, len(tokens)), len(tokens))
    return np.concatenate(predictions) if predictions else model.predict([])


def _chance_level(corpus) -> float:
    """The accuracy of always predicting the most frequent label of ``corpus``."""
    _, counts = np.unique(np.asarray(corpus.labels), return_counts=True)
    return float(counts.max() / counts.sum()) if len(counts) else 0.0


def _training_diagnostics(folder, train, hyperparameters):
    """The per-epoch diagnostics writer of `train --diagnostics`, or None."""
    if folder is None:
        return None
    from sentiment_rnn.evaluation.diagnostics import TrainingDiagnostics, cell_label, plots_available

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
    """Show the running sentiment after every token of TEXT, beside bag-of-words word weights.

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

    from sentiment_rnn.predict import MAX_REVIEW_CHARS, TRUNCATED
    from sentiment_rnn.text import review_end

    if not text.strip():
        raise click.UsageError("TEXT is empty")
    text, truncated = review_end(text, MAX_REVIEW_CHARS)
    if truncated:
        click.echo(f"TEXT is {TRUNCATED}", err=True)
    model = load(model_path)
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
