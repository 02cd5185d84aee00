"""How far back the error signal reaches in Elman (tanh), Elman (relu) and LSTM: the README's figure.

The toy task: the label is the first token, followed by 20-30 random filler tokens (400 training
and 200 dev sequences, the same for every cell). For each cell and seed, the gradient norm
‖dLoss/dh_t‖ by distance from the last token is measured before training and after every epoch of
Adam (lr 2e-3, batch 32), and, dashed in the first panel, before training with word vectors ten
times larger than the model's own initialisation (tanh units saturate).

    python bench/gradient_flow.py                       # writes docs/gradient_flow.png, prints the numbers
    python bench/gradient_flow.py --epochs 8 --seeds 3 -o /tmp/flow.png
"""

from __future__ import annotations

import argparse
import time

from sentiment_rnn.evaluation.diagnostics import compare_cells, plot_comparison

DISTANCES = (5, 10, 19, 25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("-o", "--output", default="docs/gradient_flow.png")
    args = parser.parse_args()

    start = time.perf_counter()
    runs: dict[str, list] = {}
    for seed in range(args.seeds):
        for label, log in compare_cells(epochs=args.epochs, seed=seed).items():
            runs.setdefault(label, []).append(log)
    saturated = compare_cells(epochs=0, embedding_scale=1.0)
    path = plot_comparison(runs, args.output, saturated=saturated)
    seconds = time.perf_counter() - start

    header = "  ".join(f"d={d:<7d}" for d in DISTANCES)
    print(f"relative gradient norm ‖dLoss/dh_t‖ / ‖dLoss/dh_T‖ at distance d (seeds 0..{args.seeds - 1})")
    print(f"{'':34s}{header}  dev acc")
    for label, logs in runs.items():
        rows = [("init", logs[0].epochs[0]), ("init, inputs x10", saturated[label].epochs[0])]
        rows += [(f"epoch {log.epochs[-1].epoch}, seed {log.seed}", log.epochs[-1]) for log in logs]
        for name, entry in rows:
            relative = entry.flow.relative_norm
            values = "  ".join(f"{relative[d]:<9.2e}" for d in DISTANCES)
            accuracy = "" if entry.dev_accuracy is None else f"{entry.dev_accuracy:.3f}"
            print(f"{label:14s}{name:20s}{values}  {accuracy}")
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB) in {seconds:.0f} s")


if __name__ == "__main__":
    main()
