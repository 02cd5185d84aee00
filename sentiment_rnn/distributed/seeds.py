"""`train --seeds 0-7 --output-dir DIR`: one model per seed, here or on the workers of a Dask cluster.

Seed N is trained into ``DIR/seed<N>.npz`` with its training state in ``DIR/seed<N>.ckpt.npz``
(saved after every epoch) by the same code as a plain `train` run (:func:`run_training`). A seed
whose model exists is done (its checkpoint is removed once the model is written, as after any `train`);
one whose checkpoint exists resumes from it. So when the folder is
shared by the workers, a worker that dies costs only its seed's work since the last checkpoint: Dask
runs the task again on another worker, which resumes, and the weights are those of an uninterrupted
run. `--ensemble` then writes ``DIR/ensemble.npz`` from the seeds' models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from sentiment_rnn.errors import SentimentRNNError

__all__ = ["parse_seeds", "seed_paths", "train_seed", "train_seeds", "SeedsReport"]

MAX_SEEDS = 10_000


def parse_seeds(text: str) -> list[int]:
    """Seeds from ranges and lists, in order and without repeats.

    >>> parse_seeds("0-3,8")
    [0, 1, 2, 3, 8]
    """
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match:
            raise ValueError(f"{text!r} is not a list of seeds such as 0-7 or 0,3,5")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first or last - first >= MAX_SEEDS:
            raise ValueError(f"{part.strip()!r} is not a range of seeds (first-last, at most {MAX_SEEDS:,})")
        seeds.extend(seed for seed in range(first, last + 1) if seed not in seeds)
    return seeds


def seed_paths(output_dir: str | Path, seed: int) -> tuple[Path, Path]:
    """The model and the checkpoint of ``seed``."""
    return Path(output_dir) / f"seed{seed}.npz", Path(output_dir) / f"seed{seed}.ckpt.npz"


def train_seed(run, seed: int, output_dir: str | Path, log: Callable[[str], None] | None = None) -> dict:
    """Train ``run`` with ``seed`` into ``output_dir`` (resuming from its checkpoint when there is
    one); return the run's summary with the seed, or ``{seed, output, skipped: True}`` when its model exists."""
    from sentiment_rnn.recipes.training_run import run_training

    output, checkpoint = seed_paths(output_dir, seed)
    if output.exists():
        return {"seed": seed, "output": str(output), "skipped": True}
    summary = run_training(run, seed, output, checkpoint=checkpoint, resume=checkpoint.exists(), log=log)
    return {"seed": seed, **summary}


@dataclass
class SeedsReport:
    """The summaries of the seeds that finished, the failures of the others, the ensemble file or None."""

    summaries: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    ensemble: str | None = None


def train_seeds(run, seeds: list[int], output_dir: str | Path, *, scheduler: str | None = None, ensemble: bool = False,
                log: Callable[[str], None] = lambda message: None) -> SeedsReport:
    """Train one model per seed into ``output_dir``, one after the other here or as Dask tasks on
    the cluster at ``scheduler``; with ``ensemble`` write ``output_dir/ensemble.npz`` when all succeeded."""
    from sentiment_rnn.distributed.progress import Progress

    Path(output_dir).mkdir(parents=True, exist_ok=True)
    report = SeedsReport()
    progress = Progress(len(seeds), "seeds")

    def ended(seed, summary, failure):
        if failure is None:
            report.summaries.append(summary)
        else:
            report.failures.append(f"seed {seed}: {failure}")
        note = " (done before)" if summary and summary.get("skipped") else f" (failed: {failure})" if failure else ""
        log(progress.done(f"seed {seed}", note=note))

    if scheduler is None:
        for seed in seeds:
            try:
                summary, failure = train_seed(run, seed, output_dir, log), None
            except SentimentRNNError as error:
                summary, failure = None, str(error)
            ended(seed, summary, failure)
    else:
        from sentiment_rnn.distributed.cluster import connect, run_tasks

        with connect(scheduler, log) as client:
            run_tasks(client, train_seed, [(f"seed{seed}", (run, seed, str(output_dir))) for seed in seeds],
                      lambda name, summary, failure: ended(int(name[4:]), summary, failure))
    report.summaries.sort(key=lambda summary: seeds.index(summary["seed"]))
    if ensemble and not report.failures:
        from sentiment_rnn.io.serialization import save_ensemble

        report.ensemble = str(Path(output_dir) / "ensemble.npz")
        count = save_ensemble([seed_paths(output_dir, seed)[0] for seed in seeds], report.ensemble, compact=run.compact)
        log(f"{count} members -> {report.ensemble}")
    return report
