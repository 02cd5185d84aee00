"""Training throughput of the NumPy language model beside PyTorch's nn.LSTM language model of the same sizes.

    OPENBLAS_NUM_THREADS=1 python bench/lm_throughput.py                 # E = H = 128, V = 20,000, S = 512
    OPENBLAS_NUM_THREADS=1 python bench/lm_throughput.py --without-adam      # forward + backward + clipping

A benchmark, not a test. One training step on both sides: a segment of B streams x T steps of random word
ids from a carried state, embedding E -> LSTM H (one layer) -> sampled softmax over V words with S shared
log-uniform samples and the log-Q correction (the same candidates, the same arithmetic), backward through
everything, global-norm clipping and Adam (PyTorch: torch.optim.Adam over dense gradients; ours: the lazy
row-sparse Adam of the fit loop). No dropout. Both at one thread (``torch.set_num_threads(1)``; NumPy's BLAS
through OPENBLAS_NUM_THREADS=1, set before NumPy loads). The machine is shared, so the figure is tokens per
CPU-second of this process (``time.process_time``), the median over the steps after two warm-up steps;
the jobs alternate (ours, theirs, ours ...) so a busy spell hits both.

PyTorch is optional (``pip install torch==2.13.0``; never a dependency of the package).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from sentiment_rnn.nn.language_model import LanguageModel, LMConfig
from sentiment_rnn.nn.optim import Adam, clip_grad_norm
from sentiment_rnn.nn.sampled_softmax import draw_samples, log_expected_count


def numpy_step(args):
    rng = np.random.default_rng(0)
    model = LanguageModel.initialize(LMConfig(vocab_size=args.vocab, embedding_dim=args.hidden, hidden_size=args.hidden,
                                              dropout=0.0, embedding_dropout=0.0), rng)
    optimizer = Adam(model.params, 2e-3)
    state = model.zero_state(args.streams)
    ids = rng.integers(1, args.vocab, (args.streams, args.bptt + 1))

    def step():
        nonlocal state
        samples = draw_samples(rng, args.vocab, args.samples)
        _, grads, state = model.loss_and_grads(ids[:, :-1], ids[:, 1:], state, samples, train=True, rng=rng,
                                               sparse=True)
        grads, _ = clip_grad_norm(grads, 1.0)
        if not args.without_adam:
            optimizer.step(model.params, grads)

    return step


def torch_step(args):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    V, H, B, T, S = args.vocab, args.hidden, args.streams, args.bptt, args.samples
    embedding, lstm = torch.nn.Embedding(V, H), torch.nn.LSTM(H, H)
    decoder = torch.nn.Linear(H, V)
    parameters = [*embedding.parameters(), *lstm.parameters(), *decoder.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=2e-3)
    rng = np.random.default_rng(0)
    ids = torch.from_numpy(rng.integers(1, V, (T + 1, B)))
    state = (torch.zeros(1, B, H), torch.zeros(1, B, H))

    def step():
        nonlocal state
        samples = draw_samples(rng, V, S)
        s = torch.from_numpy(samples.ids)
        log_count_s = torch.from_numpy(samples.log_count.astype(np.float32))
        y = ids[1:].reshape(-1)
        log_count_y = torch.from_numpy(log_expected_count(y.numpy(), V, S).astype(np.float32))
        out, (h, c) = lstm(embedding(ids[:-1]), state)  # (T, B, H)
        state = (h.detach(), c.detach())
        rows = out.reshape(T * B, H)
        z_true = (rows * decoder.weight[y]).sum(1) + decoder.bias[y] - log_count_y  # (N,)
        z_samples = rows @ decoder.weight[s].T + decoder.bias[s] - log_count_s  # (N, S)
        z_samples = z_samples.masked_fill(s[None, :] == y[:, None], float("-inf"))
        logits = torch.cat([z_true[:, None], z_samples], 1)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(T * B, dtype=torch.long))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        if not args.without_adam:
            optimizer.step()

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=20000)
    parser.add_argument("--hidden", type=int, default=128, help="E = H")
    parser.add_argument("--streams", type=int, default=32)
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--without-adam", action="store_true",
                        help="Forward, backward and clipping only (PyTorch's dense Adam over V x H rows is a large "
                             "share of its step)")
    args = parser.parse_args()
    steps = {"numpy": numpy_step(args)}
    try:
        steps["torch"] = torch_step(args)
    except ImportError:
        print("PyTorch is not installed: only our own numbers")
    cpu = {name: [] for name in steps}
    for i in range(args.steps + 2):
        for name, step in (steps.items() if i % 2 == 0 else reversed(steps.items())):
            start = time.process_time()
            step()
            if i >= 2:
                cpu[name].append(time.process_time() - start)
    tokens = args.streams * args.bptt
    rates = {name: tokens / float(np.median(seconds)) for name, seconds in cpu.items()}
    print(f"LSTM language model, E = H = {args.hidden}, V = {args.vocab:,}, B = {args.streams}, T = {args.bptt}, "
          f"S = {args.samples}, 1 thread{', without Adam' if args.without_adam else ''}; tokens per CPU-second, "
          f"median of {args.steps} steps")
    for name, rate in rates.items():
        print(f"  {name:6s} {rate:10,.0f}")
    if "torch" in rates:
        print(f"  numpy / torch = {rates['numpy'] / rates['torch']:.2f}")


if __name__ == "__main__":
    main()
