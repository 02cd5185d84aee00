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


class SeedList(click.ParamType):
    """Seeds as ranges and lists: 0-7, 0,3,5 or 0-3,8."""

    name = "SEEDS"

    def convert(self, value, param, ctx):
        from sentiment_rnn.distributed.seeds import parse_seeds

        try:
            return value if isinstance(value, list) else parse_seeds(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


SEEDS = SeedList()


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
@click.option("--input", "-i", "input_path", default=None,
              help="Read reviews from FILE ('-' for stdin): one per line, or the rows of a .csv, .tsv or .jsonl "
                   "file; with --output, a glob pattern such as 'reviews/*.csv'.")
@click.option("--text-column", default=None, help="The text column of CSV/TSV/JSONL input  [default: text]")
@click.option("--id-column", default=None, help="A column of CSV/TSV/JSONL input that identifies each row: "
                                                "first after the line number in every record.")
@click.option("--format", "output_format", type=click.Choice(["text", "jsonl", "tsv"]), default="text",
              help="Output format (with --output: jsonl unless tsv).")
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Score every file of --input into this folder, one output file per input, written atomically; "
                   "a rerun skips the files already scored.")
@click.option("--scheduler", default=None,
              help="With --output: address of a Dask scheduler (tcp://HOST:8786) whose workers score the files  "
                   "[default: this process]")
@model_option
@fail_cleanly
def predict(texts, input_path, text_column, id_column, output_format, output_dir, scheduler, model_path):
    """Predict the sentiment of each TEXT (or of each line or row of --input).

    Every input line (or CSV/TSV/JSONL row) gets one record, carrying its line number: a line that
    is not UTF-8 or has no words gets an `error` (also said on stderr; exit 1 at the end) and the
    others are still predicted. Blank lines at the end are not reviews. A CSV field may span lines
    when quoted; TSV has no quoting (one line, one row). A review over 20,000 characters is
    predicted from its end.

    \b
    Example:
      sentiment-rnn predict "this movie is not good" "not bad at all , actually quite fun"
      cat reviews.txt | sentiment-rnn predict --input - --format jsonl
      sentiment-rnn predict --input 'reviews/*.csv' --text-column review --output scored/
    """
    from sentiment_rnn.records import input_format

    if texts and input_path is not None:
        raise click.UsageError("give TEXT arguments or --input FILE, not both")
    if not texts and input_path is None:
        raise click.UsageError("give at least one TEXT or --input FILE")
    if scheduler is not None and output_dir is None:
        raise click.UsageError("--scheduler scores files into --output DIR: give both")
    if output_dir is not None:
        if input_path == "-":
            raise click.UsageError("--output scores files: --input must name files, not stdin")
        return _predict_files(input_path, text_column, id_column, output_format, output_dir, scheduler, model_path)
    file_format = input_format(input_path) if input_path not in (None, "-") else "lines"
    if file_format == "lines" and (text_column or id_column):
        raise click.UsageError("--text-column and --id-column need a .csv, .tsv or .jsonl --input")
    model = _load(model_path)
    if input_path is None:
        from sentiment_rnn.records import Row

        _print_records(model, [[Row(number, text) for number, text in enumerate(texts, start=1)]], output_format, None)
        return
    with _open_input(input_path) as stream:
        from sentiment_rnn.records import iter_rows

        chunks = iter_rows(stream, file_format, text_column=text_column or "text", id_column=id_column,
                           chunk_size=PREDICT_CHUNK, source="<stdin>" if input_path == "-" else input_path)
        _print_records(model, chunks, output_format, id_column)


def _open_input(path: str):
    try:
        return click.open_file(path, "rb")
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror or error}") from None


def _print_records(model, chunks, output_format, id_column):
    """Predict each chunk of rows and print its records; errors also go to stderr, and exit 1 at the end."""
    from sentiment_rnn.predict import TRUNCATED, format_record, tsv_header
    from sentiment_rnn.records import score_rows

    if output_format == "tsv":
        click.echo(tsv_header(model.label_names_, id_column))
    failures = 0
    for chunk in chunks:
        for record in score_rows(model, chunk):
            if "error" in record:
                failures += 1
                click.echo(f"line {record['line']}: {record['error']}", err=True)
            elif record.get("truncated"):
                click.echo(f"line {record['line']}: {TRUNCATED}", err=True)
            if output_format != "text" or "error" not in record:
                click.echo(format_record(record, output_format, id_column))
    if failures:
        raise click.ClickException(f"{failures} line(s) could not be predicted; the others were")


def _predict_files(pattern, text_column, id_column, output_format, output_dir, scheduler, model_path):
    """`predict --output`: one output file per input file, here or on a Dask cluster."""
    from sentiment_rnn.distributed.scoring import ScoringJob, plan_outputs, score_files

    job = ScoringJob(model_path=_str(model_path), text_column=text_column or "text", id_column=id_column,
                     output_format="tsv" if output_format == "tsv" else "jsonl", chunk_size=PREDICT_CHUNK)
    results = score_files(job, plan_outputs(pattern, output_dir, job.output_format), scheduler=scheduler,
                          log=lambda message: click.echo(message, err=True))
    failed = [result for result in results if result.failure]
    rows, errors = sum(result.rows for result in results), sum(result.errors for result in results)
    click.echo(f"{len(results) - len(failed)} file(s) scored into {output_dir}: {rows:,} records, {errors:,} with an error")
    for result in failed:
        click.echo(result.failure, err=True)
    if failed or errors:
        raise click.ClickException(f"{len(failed)} file(s) could not be scored and {errors:,} row(s) could not be "
                                   "predicted (records with an error field); the others were")


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
    from sentiment_rnn.serialization import save_ensemble

    count = save_ensemble(models, output, compact=compact)
    click.echo(f"{count} members -> {output}")


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
@click.option("--seeds", type=SEEDS, default=None,
              help="Train one model per seed (e.g. 0-7 or 0,3,5) into --output-dir: seed<N>.npz, with its checkpoint "
                   "seed<N>.ckpt.npz; a rerun skips finished seeds and resumes the others.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --seeds: the folder of the models and checkpoints.")
@click.option("--scheduler", default=None,
              help="With --seeds: address of a Dask scheduler (tcp://HOST:8786) whose workers train the seeds  "
                   "[default: one after the other in this process]")
@click.option("--ensemble", "make_ensemble", is_flag=True,
              help="With --seeds: also write their ensemble, <output-dir>/ensemble.npz.")
@click.option("--json", "as_json", is_flag=True, help="Print the training summary as JSON.")
@data_dir_option
@fail_cleanly
def train(corpus, level, fine_grained, train_file, dev_file, text_column, label_column, seed, output, checkpoint,
          resume, as_json, data_dir, teacher_path, teacher_weight, transfer_corpus, transfer_size, **hyperparameters):
    """Train a model on a corpus (default: every labelled phrase of the treebank) and save it.

    Early stopping watches the dev split and keeps the best weights; the test split is reported.
    The training state is saved after every epoch and on Ctrl-C; run the same command with
    --resume to continue, with the weights an uninterrupted run would give.

    With --seeds it trains one model per seed into --output-dir, here or on the workers of a Dask
    cluster (--scheduler); a rerun skips the seeds that are done and resumes the others.

    With --teacher it learns a trained model's probabilities (knowledge distillation: one network
    that predicts like an ensemble), on the training texts and, with --transfer-corpus, on unlabeled
    sentences the teacher labels.

    \b
    Example:
      sentiment-rnn train --corpus sst --cell lstm --epochs 5 -o my_model.npz
      sentiment-rnn train --teacher ensemble.npz --transfer-corpus imdb -o student.npz
      sentiment-rnn train --cell lstm --seeds 0-7 --output-dir teachers/ --ensemble [--scheduler tcp://HOST:8786]
    """
    from sentiment_rnn.errors import TrainingInterrupted
    from sentiment_rnn.training_run import TrainingRun, run_training

    if fine_grained and (corpus != "sst" or train_file is not None):
        raise click.UsageError("--fine-grained needs the treebank's five labels: use it with --corpus sst")
    if teacher_path is None and transfer_corpus is not None:
        raise click.UsageError("--transfer-corpus needs a --teacher to label its sentences")
    if teacher_path is not None and fine_grained:
        raise click.UsageError("--teacher predicts two classes: it cannot be combined with --fine-grained")
    seeds, output_dir, scheduler, make_ensemble = (hyperparameters.pop(name) for name in (
        "seeds", "output_dir", "scheduler", "make_ensemble"))
    if seeds is None and (output_dir is not None or scheduler is not None or make_ensemble):
        raise click.UsageError("--output-dir, --scheduler and --ensemble go with --seeds")
    if seeds is not None and (output_dir is None or resume or checkpoint is not None):
        raise click.UsageError("--seeds needs --output-dir, where each seed has its checkpoint (and resumes from it "
                               "without --resume or --checkpoint)")
    if hyperparameters["pretrained_vectors"] is not None:
        hyperparameters["pretrained_vectors"] = str(hyperparameters["pretrained_vectors"])
    run = TrainingRun(
        corpus=corpus, level=level, fine_grained=fine_grained, train_file=_str(train_file), dev_file=_str(dev_file),
        text_column=text_column, label_column=label_column, data_dir=_str(data_dir), teacher_path=_str(teacher_path),
        teacher_weight=teacher_weight, transfer_corpus=transfer_corpus, transfer_size=transfer_size,
        compact=hyperparameters.pop("compact"), diagnostics_dir=_str(hyperparameters.pop("diagnostics_dir")),
        hyperparameters=hyperparameters,
    )
    if seeds is not None:
        return _train_seeds(run, seeds, output_dir, scheduler, make_ensemble, as_json)
    progress, close = _progress_bar("training")

    def log(message):
        close()
        click.echo(message, err=True)

    try:
        summary = run_training(run, seed, output, checkpoint=checkpoint, resume=resume, log=log, progress=progress)
    except TrainingInterrupted as stop:
        close()
        click.echo(f"Interrupted: {stop}" + ("; run the same command with --resume to continue" if stop.checkpoint else ""),
                   err=True)
        sys.exit(130)
    _print_summary(summary, as_json)


def _str(path):
    return None if path is None else str(path)


def _print_summary(summary: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary))
    else:
        for key, value in summary.items():
            click.echo(f"{key:15s} {value:.4f}" if isinstance(value, float) else f"{key:15s} {value}")


def _train_seeds(run, seeds, output_dir, scheduler, make_ensemble, as_json):
    """`train --seeds`: one model per seed in ``output_dir``, here or on a Dask cluster."""
    from sentiment_rnn.distributed.seeds import train_seeds

    report = train_seeds(run, seeds, output_dir, scheduler=scheduler, ensemble=make_ensemble,
                         log=lambda message: click.echo(message, err=True))
    for summary in report.summaries:
        _print_summary(summary, as_json)
    if report.ensemble is not None:
        click.echo(report.ensemble if not as_json else json.dumps({"ensemble": report.ensemble}))
    if report.failures:
        raise click.ClickException(f"{len(report.failures)} of {len(seeds)} seeds failed: " + "; ".join(report.failures))


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
