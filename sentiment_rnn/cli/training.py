"""`sentiment-rnn train | train-review | pretrain | pretrain-lm | ensemble`: making models (one seed, many seeds, a
review model around a sentence model, word vectors, a language model, ensembles)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sentiment_rnn.cli.options import (
    SEEDS,
    DownloadBar,
    Number,
    check_paths,
    data_dir_option,
    eta_progress,
    fail_cleanly,
    hyperparameter_option,
    hyperparameter_options,
    load,
    optional_str,
    progress_bar,
    step_progress,
)
from sentiment_rnn.corpora.registry import CORPORA


@click.command()
@click.option("--corpus", type=click.Choice(CORPORA), default="sst", help="Corpus to train on.")
@click.option("--level", type=click.Choice(["phrase", "sentence"]), default="phrase",
              help="Treebank: train on every labelled phrase or on sentences only.")
@click.option("--fine-grained", is_flag=True,
              help="Treebank: train on its five sentiment labels (neutral phrases too) and predict "
                   "negative/positive from them.")
@click.option("--mix", type=click.Choice(["cad"]), default=None,
              help="Also train on the CAD training pairs, less those matching a dev or test review "
                   "(with --corpus imdb or --train-file).")
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
@click.option("--teacher-weight", type=Number(float, 0, 1), default=0.5, show_default=True,
              help="With --teacher: the training targets are this share of the teacher's probabilities "
                   "and the rest the one-hot labels.")
@click.option("--transfer-corpus", type=click.Choice(["imdb", "movie-reviews"]), default=None,
              help="With --teacher: also learn the teacher's probabilities on unlabeled sentences of this "
                   "corpus (imdb: its training reviews only).")
@click.option("--transfer-size", type=Number(int, 1), default=150000, show_default=True,
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
def train(corpus, level, fine_grained, mix, train_file, dev_file, text_column, label_column, seed, output, checkpoint,
          resume, keep_checkpoint, as_json, data_dir, teacher_path, teacher_weight, transfer_corpus, transfer_size,
          **hyperparameters):
    """Train a model on a corpus (default: every labelled phrase of the treebank) and save it.

    Early stopping watches the dev split and keeps the best weights; the test split is reported.
    The training state is saved after every epoch and on Ctrl-C, SIGTERM or SIGHUP (exit 130, 143,
    129); run the same command with --resume to continue, with the weights an uninterrupted run would
    give. Once the model is written the checkpoint is removed, unless --keep-checkpoint.

    With --seeds it trains one model per seed into --output-dir, here or on the workers of a Dask
    cluster (--scheduler); a rerun skips the seeds that are done and resumes the others.

    With --teacher it learns a trained model's probabilities (knowledge distillation: one network
    that predicts like an ensemble), on the training texts and, with --transfer-corpus, on unlabeled
    sentences the teacher labels.

    \b
    Example:
      sentiment-rnn train --corpus sst --cell lstm --epochs 5 -o my_model.npz
      sentiment-rnn train --teacher ensemble.npz --transfer-corpus imdb -o student.npz
      sentiment-rnn train --corpus imdb --mix cad -o reviews.npz
      sentiment-rnn train --cell lstm --seeds 0-7 --output-dir teachers/ --ensemble [--scheduler tcp://HOST:8786]
    """
    from sentiment_rnn.errors import TrainingInterrupted
    from sentiment_rnn.recipes.training_run import TrainingRun, run_training

    if fine_grained and (corpus != "sst" or train_file is not None):
        raise click.UsageError("--fine-grained needs the treebank's five labels: use it with --corpus sst")
    if mix == "cad" and corpus != "imdb" and train_file is None:
        raise click.UsageError("--mix cad adds reviews: use it with --corpus imdb or --train-file")
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
    if seeds is None:
        checkpoint = checkpoint or output.with_suffix(".ckpt.npz")
        check_paths([("--output", output), ("--checkpoint", checkpoint)],
                    [("--train-file", train_file), ("--dev-file", dev_file), ("--teacher", teacher_path),
                     ("--pretrained-vectors", hyperparameters["pretrained_vectors"]),
                     ("--from-lm", hyperparameters["from_lm"])],
                    folders=[hyperparameters["diagnostics_dir"]])
    for name in ("pretrained_vectors", "from_lm"):  # paths as the plain strings a model file's JSON holds
        hyperparameters[name] = optional_str(hyperparameters[name])
    run = TrainingRun(
        corpus=corpus, level=level, fine_grained=fine_grained, mix=mix, train_file=optional_str(train_file), dev_file=optional_str(dev_file),
        text_column=text_column, label_column=label_column, data_dir=optional_str(data_dir), teacher_path=optional_str(teacher_path),
        teacher_weight=teacher_weight, transfer_corpus=transfer_corpus, transfer_size=transfer_size,
        compact=hyperparameters.pop("compact"), diagnostics_dir=optional_str(hyperparameters.pop("diagnostics_dir")),
        hyperparameters=hyperparameters,
    )
    if seeds is not None:
        return _train_seeds(run, seeds, output_dir, scheduler, make_ensemble, as_json)
    progress, close = progress_bar("training")
    progress = progress or step_progress("training batches")  # off a terminal, a line every few seconds

    def log(message):
        close()
        click.echo(message, err=True)

    try:
        summary = run_training(run, seed, output, checkpoint=checkpoint, resume=resume, keep_checkpoint=keep_checkpoint,
                               log=log, progress=progress, download_progress=DownloadBar(), step_progress=step_progress)
    except TrainingInterrupted as stop:
        close()
        _exit_interrupted(stop)
    _print_summary(summary, as_json)


def _exit_interrupted(stop) -> None:
    """Say where training stopped and exit 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP (as the shell reports)."""
    click.echo(f"Interrupted: {stop}" + ("; run the same command with --resume to continue" if stop.checkpoint else ""),
               err=True)
    sys.exit(128 + stop.signal)


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


@click.command()
@click.option("--corpus", "corpora", multiple=True, type=click.Choice(["imdb", "movie-reviews"]),
              help="Unlabeled review text to learn from (labels are never read); repeat for several  "
                   "[default: imdb and movie-reviews]")
@click.option("--dim", type=Number(int, 1), default=100, help="Vector size (the model's --embedding-dim).")
@click.option("--max-words", type=Number(int, 2), default=30000, help="Keep the most frequent words.")
@click.option("--min-count", type=Number(int, 1), default=5, help="Drop words seen fewer times.")
@click.option("--window", type=Number(int, 1), default=5, help="Context window on each side.")
@click.option("--seed", type=Number(int, 0), default=0, help="Seed of the randomized SVD.")
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
    from sentiment_rnn.text.embeddings import check_pretraining_fits, pretrain_from_texts, save_vectors

    check_paths([("--output", output)])
    check_pretraining_fits(1, max_words, window, dim)  # what no number of documents can fit, before reading them
    documents = unlabeled_texts(corpora or ("imdb", "movie-reviews"), data_dir, progress=DownloadBar())
    click.echo(f"{len(documents):,} documents; counting co-occurrences and factorizing", err=True)
    words, vectors = pretrain_from_texts(documents, min_count=min_count, max_words=max_words, window=window,
                                         dim=dim, seed=seed, n_jobs=2)
    save_vectors(output, words, vectors)
    click.echo(f"{len(words):,} words x {vectors.shape[1]} dimensions -> {output}")


@click.command()
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
    from sentiment_rnn.io.serialization import save_ensemble

    check_paths([("--output", output)], [("MODEL", path) for path in models])
    count = save_ensemble(models, output, compact=compact)
    click.echo(f"{count} members -> {output}")


@click.command("train-review")
@click.option("--sentence-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Two-class sentence model the review model reads with  [default: the shipped model]")
@click.option("--cad/--no-cad", "use_cad", default=True, show_default=True,
              help="Add the counterfactually edited training pairs (cad/train_paired.tsv in --data-dir), "
                   "without the pairs that overlap IMDB test reviews.")
@click.option("--cad-weight", type=Number(float, 0, open="low"), default=1.0, show_default=True,
              help="Weight of a counterfactual review in the losses.")
@click.option("--sentence-epochs", type=Number(int, 0), default=0, show_default=True,
              help="First continue training the sentence network this many epochs on the treebank's phrases "
                   "(half its own probabilities, half the labels) and the edited sentences of the CAD pairs.")
@click.option("--sentence-lr", type=Number(float, 0, open="low"), default=3e-4, show_default=True,
              help="Learning rate of that sentence training.")
@click.option("--negation/--no-negation", default=True, show_default=True,
              help="Mark negation scope in the n-grams (\"not bad\" gives bad_NEG, not bad).")
@click.option("--guard", type=click.Choice(["every sentence", "negated sentences", "none"]),
              default="negated sentences", show_default=True,
              help="Sentences whose network verdict the n-grams may weaken but never turn.")
@click.option("--l2", type=Number(float, 0), default=1e-3, show_default=True,
              help="L2 strength on the sentence-weight vector of the head.")
@click.option("--sentence-share", type=Number(float, 0, 1, open="high"), default=0.0, show_default=True,
              help="Share of the weight of the head's first fit given to the treebank's training sentences, each "
                   "read as a text of one sentence (0: the reviews alone; the sentences always fit its scale).")
@click.option("--folds", type=Number(int, 2), default=2, show_default=True,
              help="Folds of the out-of-fold n-gram scores the head trains on.")
@click.option("--jobs", type=Number(int, 1), default=1, show_default=True,
              help="Processes that tokenize the reviews (the result is the same).")
@click.option("--ngram-order", type=Number(int, 1, 4), default=2, show_default=True, help="Longest n-gram.")
@click.option("--ngram-min-df", type=Number(int, 1), default=2, show_default=True,
              help="Keep n-grams seen in at least this many training reviews.")
@click.option("--ngram-c", type=Number(float, 0, open="low"), default=0.1, show_default=True,
              help="Inverse L2 strength of the n-gram logistic regression.")
@click.option("--seed", type=Number(int, 0), default=0, show_default=True,
              help="Seed of the out-of-fold split (and of the sentence training).")
@click.option("--compact", is_flag=True, help="Store the word vectors as float16 (half the file size).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the review model (atomically).")
@data_dir_option
@fail_cleanly
def train_review(sentence_model, use_cad, cad_weight, sentence_epochs, sentence_lr, negation, guard, l2, sentence_share,
                 folds, jobs,
                 ngram_order, ngram_min_df, ngram_c, seed, compact, output, data_dir):
    """Train a review model around a sentence model on IMDB's training reviews (and the CAD pairs).

    The review model reads every text, one sentence or many, the same way: its log-odds are a bias plus,
    for each sentence, a non-negative weight times the sentence network's log-odds plus another times the
    sentence's n-gram score. The sentence network is not changed (unless --sentence-epochs first trains
    it); the n-gram weights are fitted on the training reviews, the head on their out-of-fold n-gram scores,
    then the verdict's scale and bias on the treebank's training sentences read as one-sentence texts (soft
    targets from their five labels). The reviews with ids ending in 0 (2,500) are the dev reviews, only scored.
    IMDB training reviews that are copies of CAD dev reviews are left out, and so are CAD training pairs
    that overlap IMDB test reviews (counts on stderr).

    \b
    Example:
      sentiment-rnn train-review -o review.npz
    """
    from sentiment_rnn.io.serialization import save_model
    from sentiment_rnn.review.training import train_review_recipe

    check_paths([("--output", output)], [("--sentence-model", sentence_model)])
    sentence = load(sentence_model)
    model, provenance = train_review_recipe(
        sentence.sentence_ if sentence.kind == "review" else sentence, data_dir, use_cad=use_cad, cad_weight=cad_weight,
        sentence_epochs=sentence_epochs, sentence_lr=sentence_lr, negation=negation, guard=guard, l2=l2,
        sentence_share=sentence_share, folds=folds,
        jobs=jobs, ngram_order=ngram_order, ngram_min_df=ngram_min_df, ngram_c=ngram_c, seed=seed,
        log=lambda message: click.echo(message, err=True))
    provenance["sentence_model"] = str(sentence_model) if sentence_model else "shipped"
    save_model(model, output, provenance=provenance, compact=compact)
    summary = {"output": str(output), **model.training_["dev_accuracy"], "seconds": round(model.training_["seconds"]),
               "sst2_test_accuracy": model.training_["sst2_test_accuracy"],
               "peak_memory_mb": round(provenance["peak_memory_mb"])}
    click.echo(json.dumps(summary))


@click.command("tune-sentence")
@click.option("--sentence-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Two-class sentence model to start from (a review model: its sentence network)  "
                   "[default: the shipped model]")
@click.option("--neutral-phrases", type=Number(int, 0), default=80000, show_default=True,
              help="Neutral treebank phrases without a negator drawn (with --seed) besides every other phrase.")
@click.option("--own-weight", type=Number(float, 0, 1), default=0.7, show_default=True,
              help="Share of the network's own probabilities in the targets of the phrases with an opinion.")
@click.option("--pros-cons", type=Number(int, 0), default=2000, show_default=True,
              help="pros_cons sentences without a negator drawn per side (every one with a negator is used).")
@click.option("--objective", type=Number(int, 0), default=5000, show_default=True,
              help="Objective sentences of the subjectivity corpus trained toward 0.5.")
@click.option("--per-template", type=Number(int, 0), default=300, show_default=True,
              help="Sentences per training-part behaviour template (0: none).")
@click.option("--groups-per-template", type=Number(int, 0), default=20, show_default=True,
              help="Swap groups (a sentence with every training value of its name, place, identity... slot) per template.")
@click.option("--negate/--no-negate", default=True, show_default=True,
              help="Add treebank phrases negated after their copula (a negated negative toward 0.65, a negated positive 0.2).")
@click.option("--neutralise", type=Number(float, 0, 1), default=0.8, show_default=True,
              help="Share of the sentiment direction taken out of the vectors of words without an opinion (0: none).")
@click.option("--negation-repeats", type=Number(int, 1), default=2, show_default=True,
              help="Take the texts with a negator (pros and cons, negated phrases, negation templates) this many times.")
@click.option("--negated-positive-target", type=Number(float, 0, 0.5), default=0.1, show_default=True,
              help="P(positive) taught to a treebank phrase negated after its copula on a positive word "
                   "(and, with --sharpen-negated, the upper bound for negative phrases holding a negator).")
@click.option("--sharpen-negated/--no-sharpen-negated", default=True, show_default=True,
              help="Teach treebank phrases holding a negator and labelled negative --negated-positive-target "
                   "(or their lower soft label), without the network's own probabilities blended in.")
@click.option("--neutral-leaves", type=Number(int, 0), default=3, show_default=True,
              help="Opinion-lexicon words whose one-word treebank phrases are all labelled neutral, at least this "
                   "many times, count as words without an opinion for --neutralise (0: the lexicon always counts).")
@click.option("--epochs", type=Number(int, 1), default=1, show_default=True, help="Epochs (best SST-2 dev kept).")
@click.option("--lr", type=Number(float, 0, open="low"), default=5e-4, show_default=True, help="Learning rate.")
@click.option("--seed", type=Number(int, 0), default=0, show_default=True, help="Seed of the drawn texts, order and dropout.")
@click.option("--compact", is_flag=True, help="Store the word vectors as float16 (half the file size).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the sentence model (atomically).")
@data_dir_option
@fail_cleanly
def tune_sentence(sentence_model, neutral_phrases, own_weight, pros_cons, objective, per_template, groups_per_template,
                  negate, neutralise, negation_repeats, negated_positive_target, sharpen_negated, neutral_leaves,
                  epochs, lr, seed, compact, output, data_dir):
    """Fine-tune a sentence network for behaviour: the treebank's five labels as soft targets (neutral
    phrases toward 0.5), pros and cons with negated complaints, objective sentences toward 0.5, and
    sentences from the training part of `check`'s word lists and templates (never the held-out part).
    Negated complaints ("is not good", treebank phrases with a negator labelled negative) are taught a
    clear negative (--negated-positive-target). The word vectors of words without an opinion (the
    treebank's neutral one-word labels overrule the opinion lexicon, --neutral-leaves) first lose most of
    their sentiment direction (--neutralise), then stay fixed; the epoch with the best SST-2 dev accuracy
    is kept. The defaults are the recipe of the measured network (SST-2 dev 0.856).

    \b
    Example:
      sentiment-rnn tune-sentence --compact -o sentence.npz
    """
    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.io.serialization import save_model
    from sentiment_rnn.recipes.sentence_training import behaviour_training_data, finetune_sentence_network

    check_paths([("--output", output)], [("--sentence-model", sentence_model)])
    model = load(sentence_model)
    sentence = model.sentence_ if model.kind == "review" else model
    log = lambda message: click.echo(message, err=True)  # noqa: E731
    texts, targets, counts = behaviour_training_data(
        sentence, data_dir, neutral_phrases=neutral_phrases, own_weight=own_weight, pros_cons=pros_cons,
        objective=objective, per_template=per_template, groups_per_template=groups_per_template, negate=negate,
        neutralise=neutralise, negation_repeats=negation_repeats, negated_positive_target=negated_positive_target,
        sharpen_negated=sharpen_negated, neutral_leaf_count=neutral_leaves, seed=seed, log=log)
    dev, test = load_corpus("sst", "dev", data_dir), load_corpus("sst", "test", data_dir)
    record = finetune_sentence_network(sentence, texts, targets, dev.tokens, dev.labels, epochs=epochs,
                                       learning_rate=lr, seed=seed, log=log)
    record.update(counts=counts, own_weight=own_weight, neutralise=neutralise, per_template=per_template,
                  groups_per_template=groups_per_template, sentence_model=str(sentence_model or "shipped"),
                  sst2_test_accuracy=sentence.score(test.tokens, test.labels))  # reported, never chosen on
    save_model(sentence, output, provenance={"tune_sentence": record}, compact=compact)
    click.echo(json.dumps({"output": str(output), "sst2_dev_before": record["dev_before"],
                           "sst2_dev": record.get("best_dev_accuracy"), "sst2_test": record["sst2_test_accuracy"],
                           "seconds": round(record["seconds"])}))


@click.command("pretrain-lm")
@click.option("--corpus", "corpora", multiple=True, type=click.Choice(["imdb", "movie-reviews"]),
              help="Unlabeled training text (imdb: its training reviews only); repeat for several  [default: imdb]")
@click.option("--max-words", type=Number(int, 3), default=20000, show_default=True,
              help="Vocabulary: the most frequent words (<unk> for the rest).")
@click.option("--min-count", type=Number(int, 1), default=2, show_default=True, help="Drop words seen fewer times.")
@click.option("--train-tokens", type=Number(int, 2), default=None,
              help="Train on at most this many tokens  [default: all the text]")
@click.option("--held-out-tokens", type=Number(int, 1), default=20000, show_default=True,
              help="Whole training reviews held out (never trained on) for the perplexity.")
@click.option("--cell", type=click.Choice(["lstm", "gru", "elman"]), default="lstm", show_default=True,
              help="Recurrent cell.")
@click.option("--embedding-dim", type=Number(int, 1), default=128, show_default=True, help="Word vector size E.")
@click.option("--hidden-size", type=Number(int, 1), default=128, show_default=True, help="Hidden state size H.")
@click.option("--num-layers", type=Number(int, 1), default=1, show_default=True, help="Stacked recurrent layers.")
@click.option("--dropout", type=Number(float, 0, 1, open="high"), default=0.1, show_default=True,
              help="Locked dropout on every layer's outputs (one mask per stream and segment).")
@click.option("--embedding-dropout", type=Number(float, 0, 1, open="high"), default=0.1, show_default=True,
              help="Locked dropout on the word vectors.")
@click.option("--tied", is_flag=True, help="Tie the output layer to the word vectors (needs E = H).")
@click.option("--epochs", type=Number(int, 1), default=1, show_default=True, help="Passes over the text.")
@click.option("--streams", type=Number(int, 1), default=32, show_default=True,
              help="The text is read as this many parallel streams (the batch).")
@click.option("--bptt", type=Number(int, 1), default=35, show_default=True,
              help="Steps per segment: how far back truncated BPTT runs (the state is carried further).")
@click.option("--samples", type=Number(int, 0), default=1024, show_default=True,
              help="Words of the sampled softmax per segment (0: the full softmax).")
@click.option("--lr", type=Number(float, 0, open="low"), default=2e-3, show_default=True, help="Adam's learning rate.")
@click.option("--clip-norm", type=Number(float, 0, open="low"), default=1.0, show_default=True,
              help="Clip gradients to this global norm.")
@click.option("--seed", type=Number(int, 0), default=0, show_default=True,
              help="Seed of the held-out draw, the weights, the samples and dropout.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("lm.npz"),
              help="Where to write the language model (atomically).")
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to save the training state after every epoch and on Ctrl-C  [default: <output>.ckpt.npz]")
@click.option("--resume", is_flag=True, help="Continue from --checkpoint (same text and options).")
@click.option("--keep-checkpoint", is_flag=True, help="Keep the checkpoint once the model is written.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@data_dir_option
@fail_cleanly
def pretrain_lm(corpora, max_words, min_count, train_tokens, held_out_tokens, cell, embedding_dim, hidden_size,
                num_layers, dropout, embedding_dropout, tied, epochs, streams, bptt, samples, lr, clip_norm, seed,
                output, checkpoint, resume, keep_checkpoint, as_json, data_dir):
    """Pretrain a recurrent language model on unlabeled review text, for `train --from-lm`.

    Next-word prediction over the reviews read as long streams, by truncated BPTT with the state carried
    from segment to segment, a sampled softmax in training and the full softmax for the perplexity of
    held-out training reviews. Only training text is read (IMDB's training reviews), never a test or
    dev split. The training state is saved after every epoch and on Ctrl-C; --resume continues.

    \b
    Example:
      sentiment-rnn pretrain-lm --train-tokens 2000000 --hidden-size 256 -o lm.npz
    """
    from sentiment_rnn.errors import TrainingInterrupted
    from sentiment_rnn.estimators.language_model import LMTrainConfig, check_language_model_fits
    from sentiment_rnn.nn.language_model import LMConfig
    from sentiment_rnn.recipes.language_model_pretraining import (
        language_model_text,
        read_review_text,
        run_lm_pretraining,
    )

    if tied and embedding_dim != hidden_size:
        raise click.UsageError(f"--tied needs --embedding-dim equal to --hidden-size ({embedding_dim} and "
                               f"{hidden_size})")
    checkpoint = checkpoint or output.with_suffix(".ckpt.npz")
    check_paths([("--output", output), ("--checkpoint", checkpoint)])
    corpora = corpora or ("imdb",)
    log = lambda message: click.echo(message, err=True)  # noqa: E731
    model_config = dict(embedding_dim=embedding_dim, hidden_size=hidden_size, cell=cell, num_layers=num_layers,
                        dropout=dropout, embedding_dropout=embedding_dropout, tied=tied)
    train_config = LMTrainConfig(epochs=epochs, streams=streams, bptt=bptt, samples=samples, learning_rate=lr,
                                 clip_norm=clip_norm, seed=seed)
    check_language_model_fits(LMConfig(vocab_size=max_words, **model_config), train_config)  # before reading text
    documents = read_review_text(corpora, data_dir, progress=DownloadBar())
    text = language_model_text(documents, max_words=max_words, min_count=min_count, train_tokens=train_tokens,
                               held_out_tokens=held_out_tokens, seed=seed, progress=step_progress("tokenizing"))
    log(f"{len(text.train_stream):,} training tokens, {len(text.held_out_stream) - 1:,} held out, "
        f"{len(text.words):,} words")
    try:
        summary = run_lm_pretraining(text, model_config, train_config, output, checkpoint=checkpoint, resume=resume,
                                     keep_checkpoint=keep_checkpoint, corpora=corpora, log=log,
                                     progress=eta_progress("pretraining segments"))
    except TrainingInterrupted as stop:
        _exit_interrupted(stop)
    _print_summary(summary, as_json)
