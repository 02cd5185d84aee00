"""Speed of sentiment-rnn beside PyTorch and scikit-learn on the same CPU, measured side by side.

    python bench/bench.py --imdb-reviews 400 --out BENCHMARKS.md   # everything at 1 thread, about 8 minutes
    python bench/bench.py --threads 1,2 --no-imdb                   # also at 2 threads
    python bench/bench.py --quick                                    # one repeat, no IMDB

The headline ratio is against PyTorch's best recipe (per repeat, the faster of its two training
recipes below); the first repeat of each cell also gives each of our passes' matmul-only floor
(``bench/blas_floor.py``); the inference pass is timed on its first call and on a later one (the third,
which reuses what the model keeps from its second); IMDB reviews cut to their last ``--imdb-max-len`` tokens run side by side as well.

A benchmark, not a test. Every measurement runs in a fresh worker process (``--worker``), so each gets
its own thread settings and its own peak RSS, and one framework's thread pool never spins beside the
other's. The jobs are interleaved (ours, theirs, ours, ...; the order flips every repeat), and the
report gives medians and the median of the per-repeat ratios, since the machine may be busy.

What is compared, identically on both sides:
  * data: the treebank's SST-2 training sentences (``load_corpus("sst", "train")``), one vocabulary;
  * network: embedding E=128 -> Elman (tanh) / GRU / LSTM, H=128 -> linear -> cross-entropy, no dropout;
  * batches: the very same length-bucketed, padded batches of 64 in the same order
    (``bucketed_batches`` with the same seed, ``pad_batch``); the state at each sentence's last real
    token is the feature (ours by mask, PyTorch by gathering ``out[b, length_b - 1]``);
  * Adam, lr 2e-3, gradients clipped to global norm 5, one epoch from fresh weights after a warm-up;
  * inference: every training sentence, batches of 256 sorted by length (``sequential_batches``).
sentiment-rnn's Adam updates only the embedding rows seen in a batch (lazy, as torch.optim.SparseAdam).
PyTorch runs twice: its usual recipe (dense embedding gradient, torch.optim.Adam over everything),
and the same lazy algorithm as ours (``nn.Embedding(sparse=True)`` + SparseAdam + Adam for the rest).
Throughput is real (non-pad) tokens per second for training, sentences per second for inference.

PyTorch is optional (``pip install torch==2.13.0``; never a dependency of the package): without it
only our own numbers are printed. scikit-learn's bag-of-words pipeline gives a third reference point.
The CLI's cold start is measured from a regular (non-editable) ``pip install`` of this checkout into a
fresh virtual environment, against ``python -c "import numpy, click"`` in that environment.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CELLS = ("elman", "gru", "lstm")
E, H, BATCH, INFER_BATCH, LR, CLIP = 128, 128, 64, 256, 2e-3, 5.0
OURS, TORCH_DENSE, TORCH_SPARSE = "sentiment-rnn", "torch", "torch-sparse"
PREDICT_TEXT = "Not bad at all. Actually, quite fun!"


# ---------------------------------------------------------------------------------------------------
# Workers: one measurement each, in a fresh process; the result is one JSON line on stdout.
# ---------------------------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that over from the parent
    across fork and exec, so a worker would report at least the driver's size."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _load_ids(path: str):
    import numpy as np

    data = np.load(path)
    offsets = data["offsets"]
    ids = data["ids"]
    sequences = [ids[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    return sequences, data["labels"], int(data["vocab_size"])


def _blas_info() -> dict:
    from threadpoolctl import threadpool_info

    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return {k: info[0].get(k) for k in ("internal_api", "version", "architecture", "num_threads")} if info else {}


def worker_train(job: dict) -> dict:
    """One epoch of training and one inference pass over the SST-2 training sentences (or over a
    subset of IMDB's reviews cut to their last ``max_len`` tokens)."""
    import numpy as np

    from sentiment_rnn.nn.batching import truncate

    sequences, labels, V = _load_ids(job["data"])
    if job.get("subset"):
        keep = np.random.default_rng(0).permutation(len(sequences))[: job["subset"]]
        sequences, labels = [sequences[i] for i in keep], labels[keep]
    if job.get("max_len"):
        sequences = [truncate(s, job["max_len"]) for s in sequences]
    lengths = np.array([len(s) for s in sequences])
    run = {OURS: _ours, TORCH_DENSE: _torch, TORCH_SPARSE: _torch}[job["framework"]]
    return run(job, sequences, labels, lengths, V)


def _ours(job, sequences, labels, lengths, V):
    import numpy as np

    from sentiment_rnn.nn.model import ModelConfig, RNNModel
    from sentiment_rnn.nn.inference import predict_logits
    from sentiment_rnn.training.loop import TrainConfig, fit

    config = ModelConfig(V, E, H, 2, cell=job["cell"], dropout=0.0, embedding_dropout=0.0)
    train = TrainConfig(epochs=1, batch_size=BATCH, learning_rate=LR, clip_norm=CLIP, patience=None, seed=job["seed"])
    warm = RNNModel.initialize(config, np.random.default_rng(1))  # warm-up: thread pools, allocator, caches
    fit(warm, sequences[: 10 * BATCH], labels[: 10 * BATCH], train)
    predict_logits(warm, sequences[: 2 * INFER_BATCH], INFER_BATCH)
    del warm
    rss_before = _rss_mb()

    model = RNNModel.initialize(config, np.random.default_rng(job["seed"]))
    wall, cpu = time.perf_counter(), _cpu_seconds()
    fit(model, sequences, labels, train)
    train_wall, train_cpu = time.perf_counter() - wall, _cpu_seconds() - cpu

    wall, cpu = time.perf_counter(), _cpu_seconds()
    logits = predict_logits(model, sequences, INFER_BATCH)
    infer_wall, infer_cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    accuracy = float((logits.argmax(axis=1) == labels).mean())
    predict_logits(model, sequences, INFER_BATCH)  # the second call makes the model's word table (untimed)
    wall, cpu = time.perf_counter(), _cpu_seconds()  # a later call: what depends on the weights alone is kept
    predict_logits(model, sequences, INFER_BATCH)
    again_wall, again_cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    peak = _peak_rss_mb()

    # The matmul-only floor: the same epoch and prediction pass again with every np.matmul logged,
    # then those products replayed alone (bench/blas_floor.py).
    train_floor = infer_floor = None
    if job.get("floor"):
        from blas_floor import recorded_matmuls, replay

        with recorded_matmuls() as calls:
            fit(RNNModel.initialize(config, np.random.default_rng(job["seed"])), sequences, labels, train)
        train_floor = replay(calls)
        with recorded_matmuls() as calls:
            predict_logits(model, sequences, INFER_BATCH)
        infer_floor = replay(calls)
    return dict(train_wall=train_wall, train_cpu=train_cpu, infer_wall=infer_wall, infer_cpu=infer_cpu,
                tokens=int(lengths.sum()), sentences=len(sequences), train_accuracy=accuracy,
                rss_before_mb=rss_before, peak_rss_mb=peak, blas=_blas_info(), again_wall=again_wall,
                again_cpu=again_cpu, train_floor_cpu=train_floor, infer_floor_cpu=infer_floor)


def _torch(job, sequences, labels, lengths, V):
    import numpy as np
    import torch
    from torch import nn

    from sentiment_rnn.nn.batching import bucketed_batches, pad_batch, sequential_batches

    torch.set_num_threads(job["threads"])
    sparse = job["framework"] == TORCH_SPARSE
    recurrent = {"elman": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[job["cell"]]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, E, sparse=sparse)
            self.rnn = recurrent(E, H, batch_first=True)
            self.fc = nn.Linear(H, 2)

        def forward(self, ids, lengths):  # (B, T), (B,) -> (B, 2)
            out, _ = self.rnn(self.embedding(ids))  # (B, T, H)
            return self.fc(out[torch.arange(len(lengths)), lengths - 1])  # the state at the last real token

    targets = torch.from_numpy(np.asarray(labels, dtype=np.int64))

    def make():
        net = Net()
        if not sparse:
            return net, [torch.optim.Adam(net.parameters(), lr=LR)]
        rest = [p for name, p in net.named_parameters() if not name.startswith("embedding")]
        return net, [torch.optim.SparseAdam(list(net.embedding.parameters()), lr=LR), torch.optim.Adam(rest, lr=LR)]

    def clip(net):
        if not sparse:
            nn.utils.clip_grad_norm_(net.parameters(), CLIP)
            return
        grads = [p.grad for p in net.parameters() if p.grad is not None]
        grads = [g.coalesce() if g.is_sparse else g for g in grads]  # repeated words summed, as ours
        norm = torch.sqrt(sum((g._values() if g.is_sparse else g).pow(2).sum() for g in grads))
        if norm > CLIP:
            for p in net.parameters():
                if p.grad is not None:
                    p.grad = p.grad.coalesce() * (CLIP / (float(norm) + 1e-6)) if p.grad.is_sparse else p.grad.mul_(CLIP / (float(norm) + 1e-6))

    def epoch(net, optimizers, limit=None):
        rng = np.random.default_rng(job["seed"])  # the batch order of sentiment-rnn's fit with this seed
        net.train()
        for k, index in enumerate(bucketed_batches(lengths, BATCH, rng)):
            if limit is not None and k >= limit:
                break
            ids, batch_lengths = pad_batch([sequences[i] for i in index])
            for optimizer in optimizers:
                optimizer.zero_grad(set_to_none=True)
            logits = net(torch.from_numpy(ids), torch.from_numpy(batch_lengths))
            loss = nn.functional.cross_entropy(logits, targets[torch.from_numpy(index)])
            loss.backward()
            clip(net)
            for optimizer in optimizers:
                optimizer.step()

    def infer(net, subset):
        net.eval()
        out = np.empty((len(subset), 2), dtype=np.float32)
        with torch.inference_mode():
            for index in sequential_batches(lengths[subset], INFER_BATCH):
                ids, batch_lengths = pad_batch([sequences[subset[i]] for i in index])
                out[index] = net(torch.from_numpy(ids), torch.from_numpy(batch_lengths)).numpy()
        return out

    torch.manual_seed(1)
    warm, warm_optimizers = make()
    epoch(warm, warm_optimizers, limit=10)
    infer(warm, np.arange(min(2 * INFER_BATCH, len(sequences))))
    del warm, warm_optimizers
    rss_before = _rss_mb()

    torch.manual_seed(job["seed"])
    net, optimizers = make()
    wall, cpu = time.perf_counter(), _cpu_seconds()
    epoch(net, optimizers)
    train_wall, train_cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    wall, cpu = time.perf_counter(), _cpu_seconds()
    logits = infer(net, np.arange(len(sequences)))
    infer_wall, infer_cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    accuracy = float((logits.argmax(axis=1) == labels).mean())
    wall, cpu = time.perf_counter(), _cpu_seconds()
    infer(net, np.arange(len(sequences)))
    again_wall, again_cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    return dict(train_wall=train_wall, train_cpu=train_cpu, infer_wall=infer_wall, infer_cpu=infer_cpu,
                tokens=int(lengths.sum()), sentences=len(sequences), train_accuracy=accuracy,
                again_wall=again_wall, again_cpu=again_cpu,
                rss_before_mb=rss_before, peak_rss_mb=_peak_rss_mb(), blas=_blas_info(),
                torch=torch.__version__, torch_threads=torch.get_num_threads(),
                mkldnn=bool(torch.backends.mkldnn.is_available()))


def worker_bow(job: dict) -> dict:
    """scikit-learn's unigram bag-of-words + logistic regression: fit and predict on the same sentences."""
    import numpy as np

    from sentiment_rnn.evaluation.baselines import make_baseline

    sequences, labels, _ = _load_ids(job["data"])
    documents = [[str(i) for i in s] for s in sequences]  # the same tokens, as strings
    fits, predicts = [], []
    for _ in range(3):
        pipeline = make_baseline("bow-logreg")
        start = time.perf_counter()
        pipeline.fit(documents, labels)
        fits.append(time.perf_counter() - start)
        start = time.perf_counter()
        pipeline.predict(documents)
        predicts.append(time.perf_counter() - start)
    tokens = sum(len(s) for s in sequences)
    return dict(fit_wall=statistics.median(fits), predict_wall=statistics.median(predicts), tokens=tokens,
                sentences=len(sequences), peak_rss_mb=_peak_rss_mb(), accuracy=float(np.mean(pipeline.predict(documents) == labels)))


def worker_load(job: dict) -> dict:
    """Loading the model file: the first load in a fresh process, then the median of a few more."""
    from sentiment_rnn.io.serialization import load_model

    times = []
    for _ in range(6):
        start = time.perf_counter()
        model = load_model(job["model"])
        times.append(time.perf_counter() - start)
    return dict(first_load=times[0], median_load=statistics.median(times[1:]), vocab=len(model.vocab_),
                params=int(sum(p.size for p in model.params_.values())), cell=model.cell)


def worker_imdb(job: dict) -> dict:
    """One epoch on IMDB reviews (25k, or a subset), optionally truncated to their last max_len tokens."""
    import numpy as np

    from sentiment_rnn.nn.model import ModelConfig, RNNModel
    from sentiment_rnn.nn.batching import truncate
    from sentiment_rnn.training.loop import TrainConfig, fit

    sequences, labels, V = _load_ids(job["data"])
    if job.get("subset"):
        keep = np.random.default_rng(0).permutation(len(sequences))[: job["subset"]]
        sequences, labels = [sequences[i] for i in keep], labels[keep]
    max_len = job.get("max_len")
    lengths = np.array([len(truncate(s, max_len)) for s in sequences])
    config = ModelConfig(V, E, H, 2, cell=job["cell"])  # the CLI's default dropout (0.5, 0.2)
    model = RNNModel.initialize(config, np.random.default_rng(0))
    rss_before = _rss_mb()
    start, cpu = time.perf_counter(), _cpu_seconds()
    result = fit(model, sequences, labels, TrainConfig(epochs=1, batch_size=BATCH, max_len=max_len, patience=None))
    wall = time.perf_counter() - start
    return dict(wall=wall, cpu=_cpu_seconds() - cpu, tokens=int(lengths.sum()), reviews=len(sequences),
                max_length=int(lengths.max()), median_length=float(np.median(lengths)), vocab=V,
                train_loss=result.history[0].train_loss, rss_before_mb=rss_before, peak_rss_mb=_peak_rss_mb())


WORKERS = {"train": worker_train, "bow": worker_bow, "load": worker_load, "imdb": worker_imdb}


# ---------------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------------


def _env(threads: int | None, unset_openblas_hints: bool) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if threads is not None:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
    if unset_openblas_hints:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    return env


def run_worker(kind: str, job: dict, threads: int | None, args) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(job)]
    result = subprocess.run(command, capture_output=True, text=True, env=_env(threads, args.unset_openblas_hints))
    if result.returncode != 0:
        raise RuntimeError(f"worker {kind} {job} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_sst(workdir: Path, data_dir: str | None) -> Path:
    import numpy as np

    from sentiment_rnn.corpora import load_corpus
    from sentiment_rnn.text.vocab import Vocab

    corpus = load_corpus("sst", "train", data_dir)
    vocab = Vocab.build(corpus.tokens)
    return _save_ids(workdir / "sst-train.npz", [vocab.encode(t) for t in corpus.tokens], np.asarray(corpus.labels), len(vocab))


def _save_ids(path: Path, sequences, labels, vocab_size: int) -> Path:
    import numpy as np

    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sequences])]).astype(np.int64)
    ids = np.concatenate(sequences).astype(np.int64) if sequences else np.zeros(0, np.int64)
    np.savez(path, ids=ids, offsets=offsets, labels=labels, vocab_size=vocab_size)
    return path


def _tokenize_chunk(texts):
    from sentiment_rnn.text.tokenizer import tokenize

    return [tokenize(t) for t in texts]


def prepare_imdb(data_dir: str | None) -> tuple[Path, float | None]:
    """IMDB's 25k training reviews as ids, tokenized once (a few minutes) and cached."""
    import numpy as np

    from sentiment_rnn.corpora import cache_dir, load_corpus
    from sentiment_rnn.text.vocab import Vocab

    path = cache_dir() / "bench" / "imdb-full-train-ids.npz"
    if path.is_file():
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus("imdb", "full-train", data_dir)
    start = time.perf_counter()
    from concurrent.futures import ProcessPoolExecutor

    chunks = [corpus.texts[i : i + 500] for i in range(0, len(corpus.texts), 500)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        tokens = [t for chunk in pool.map(_tokenize_chunk, chunks) for t in chunk]
    seconds = time.perf_counter() - start
    vocab = Vocab.build(tokens)
    temporary = path.with_suffix(".tmp.npz")
    _save_ids(temporary, [vocab.encode(t) for t in tokens], np.asarray(corpus.labels), len(vocab))
    os.replace(temporary, path)
    return path, seconds


def find_or_train_model(workdir: Path, data_dir: str | None) -> tuple[Path, str]:
    from sentiment_rnn.io.serialization import default_model_path

    shipped = ROOT / "models" / "default.npz"
    if shipped.is_file():
        return shipped, "the shipped model (models/default.npz)"
    if default_model_path().is_file():
        return default_model_path(), "the shipped model"
    from sentiment_rnn import RNNClassifier, save_model
    from sentiment_rnn.corpora import load_corpus

    train = load_corpus("sst", "train", data_dir)
    model = RNNClassifier(cell="lstm", epochs=1, patience=None).fit(train.tokens, train.labels, label_names=train.label_names)
    path = save_model(model, workdir / "stand-in.npz")
    return path, "a stand-in (models/default.npz is absent): LSTM E=H=128, 1 epoch on SST-2 sentences"


def cold_start(workdir: Path, model: Path, shipped: bool, repeats: int) -> dict:
    """Regular pip install into a fresh venv; time `sentiment-rnn predict` against `import numpy, click`."""
    source = workdir / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "*.egg-info", "__pycache__", "tests", "bench", "docs", ".ci", "*.pyc"))
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    start = time.perf_counter()
    # The package with its dependencies, as a user installs it (those the base interpreter already has
    # are reused). Offline, the running interpreter's own packages are made visible to the venv instead
    # (it may itself be a venv, whose packages --system-site-packages does not reach).
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)]
    how = "pip install of the package and its dependencies"
    if subprocess.run(pip, capture_output=True).returncode != 0:
        import sysconfig

        site_dir = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                       capture_output=True, text=True, check=True).stdout.strip())
        paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (site_dir / "running-interpreter.pth").write_text("\n".join(sorted(paths)) + "\n")
        offline = [*pip, "--no-deps", "--no-build-isolation"]
        if subprocess.run(offline, capture_output=True).returncode != 0:
            return dict(skipped="pip could not install the package into a fresh venv (offline?)")
        how = "pip install --no-deps (offline), dependencies from the running interpreter"
    missing = subprocess.run([str(python), "-c", "import numpy, click, nltk"], capture_output=True, text=True)
    if missing.returncode != 0:
        return dict(skipped=f"the fresh venv lacks a dependency ({missing.stderr.strip().splitlines()[-1]})")
    install_seconds = time.perf_counter() - start
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the installed package, not this checkout
    site = Path(subprocess.run([str(python), "-c", "import sentiment_rnn, os; print(os.path.dirname(sentiment_rnn.__file__))"],
                               capture_output=True, text=True, check=True, cwd=workdir, env=env).stdout.strip())
    py_files = sorted(site.glob("*.py"))
    compiled = [f for f in py_files if list((site / "__pycache__").glob(f"{f.stem}.*.pyc"))]
    command = [str(venv / "bin" / "sentiment-rnn"), "predict", PREDICT_TEXT] + ([] if shipped else ["--model", str(model)])
    floor = [str(python), "-c", "import numpy, click"]
    output = subprocess.run(command, capture_output=True, text=True, env=env, cwd=workdir)
    if output.returncode != 0:
        raise RuntimeError(f"sentiment-rnn predict failed: {output.stderr}")

    def timed(cmd):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, cwd=workdir, check=True)
        return time.perf_counter() - start

    predict_times, floor_times, import_times = [], [], []
    library = [str(python), "-c", "import sentiment_rnn.cli, sentiment_rnn.io.serialization, sentiment_rnn.io.predict"]
    for r in range(repeats):
        order = [(floor, floor_times), (command, predict_times), (library, import_times)]
        for cmd, sink in (order if r % 2 == 0 else order[::-1]):
            sink.append(timed(cmd))
    trace = subprocess.run([str(python), "-X", "importtime", str(venv / "bin" / "sentiment-rnn"), *command[1:]],
                           capture_output=True, text=True, env=env, cwd=workdir)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in trace.stderr.splitlines() if line.startswith("import time:")}
    heaviest = sorted(
        ((int(line.split("|")[1]), line.split("|")[-1].rstrip()) for line in trace.stderr.splitlines()
         if line.startswith("import time:") and line.split("|")[1].strip().isdigit()), reverse=True)[:8]
    nltk_full = timed([str(python), "-c", "import nltk"])
    return dict(
        predict=statistics.median(predict_times), floor=statistics.median(floor_times),
        library_import=statistics.median(import_times), predict_all=predict_times, floor_all=floor_times,
        install_seconds=install_seconds, py_files=len(py_files), compiled=len(compiled),
        imports_sklearn="sklearn" in imported, imports_scipy="scipy" in imported,
        nltk_modules=sorted(line.split("|")[-1].strip() for line in trace.stderr.splitlines()
                            if line.startswith("import time:") and line.split("|")[-1].strip().startswith("nltk")),
        heaviest=[(us / 1000, name.strip()) for us, name in heaviest], plain_nltk_import=nltk_full,
        output=output.stdout.strip(), how=how,
    )


def machine_info(args) -> dict:
    import numpy as np

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(), numpy=np.__version__,
                platform=platform.platform(), openblas_coretype=os.environ.get("OPENBLAS_CORETYPE"),
                openblas_l2_size=os.environ.get("OPENBLAS_L2_SIZE"), unset_openblas_hints=args.unset_openblas_hints,
                load_start=os.getloadavg())
    try:
        import sklearn

        info["sklearn"] = sklearn.__version__
    except ImportError:
        pass
    return info


def have_torch() -> str | None:
    try:
        out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None
    except OSError:
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write the report (Markdown) to this file as well as stdout")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of every training job")
    parser.add_argument("--threads", default="1", help="thread counts to compare at, e.g. 1,2 (2 threads on a "
                        "busy 2-core machine mostly measures the contention)")
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even when it is importable")
    parser.add_argument("--no-imdb", action="store_true", help="skip the IMDB runs")
    parser.add_argument("--imdb-reviews", type=int, default=600,
                        help="IMDB reviews (a fixed random subset) in the side-by-side runs at --imdb-max-len")
    parser.add_argument("--imdb-scale", action="store_true",
                        help="also one epoch of all 25k IMDB reviews and one of full-length reviews (ours only)")
    parser.add_argument("--imdb-cell", default="lstm", choices=CELLS)
    parser.add_argument("--imdb-max-len", type=int, default=400, help="--max-len of the IMDB runs")
    parser.add_argument("--imdb-full-subset", type=int, default=5000,
                        help="reviews in the full-length (no --max-len) run; 0 for all 25k")
    parser.add_argument("--imdb-threads", default="1", help="thread counts of the IMDB runs, e.g. 1 or 1,2")
    parser.add_argument("--cold-start-repeats", type=int, default=7, help="0 skips the cold-start measurement")
    parser.add_argument("--unset-openblas-hints", action="store_true",
                        help="unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the workers (reported)")
    parser.add_argument("--quick", action="store_true", help="1 repeat, 1 thread, no IMDB")
    parser.add_argument("--data-dir", default=os.environ.get("SENTIMENT_RNN_DATA"))
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "JOB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, job = args.worker
        print(json.dumps(WORKERS[kind](json.loads(job))))
        return 0
    if args.quick:
        args.repeats, args.threads, args.no_imdb, args.cold_start_repeats = 1, "1", True, 3

    started = time.perf_counter()
    threads = [int(t) for t in args.threads.split(",")]
    imdb_threads = [int(t) for t in args.imdb_threads.split(",")]
    cells = args.cells.split(",")
    torch_version = None if args.no_torch else have_torch()
    frameworks = [OURS] + ([TORCH_DENSE, TORCH_SPARSE] if torch_version else [])
    info = machine_info(args)
    info["torch"] = torch_version
    info["command"] = "python bench/bench.py " + " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
    workdir = Path(tempfile.mkdtemp(prefix="sentiment-rnn-bench-"))
    try:
        log(f"bench: data -> {workdir}")
        corpora = {"sst": dict(data=str(prepare_sst(workdir, args.data_dir)))}
        tokenize_seconds = None
        if not args.no_imdb:
            log("bench: IMDB (tokenized once and cached)")
            imdb_ids, tokenize_seconds = prepare_imdb(args.data_dir)
            corpora["imdb"] = dict(data=str(imdb_ids), subset=args.imdb_reviews, max_len=args.imdb_max_len)
        results: list[dict] = []
        for repeat in range(args.repeats):
            for corpus, data in corpora.items():
                for cell, n in itertools.product(cells, threads if corpus == "sst" else imdb_threads):
                    order = frameworks if repeat % 2 == 0 else frameworks[::-1]
                    for framework in order:
                        job = dict(data, corpus=corpus, framework=framework, cell=cell, threads=n, seed=repeat,
                                   floor=repeat == 0 and n == 1)
                        result = run_worker("train", job, n, args)
                        results.append({**job, **result})
                        log(f"  repeat {repeat + 1}/{args.repeats} {corpus} {cell:5s} {n} thread(s) {framework:13s} "
                            f"train {result['tokens'] / result['train_wall']:>9,.0f} tok/s "
                            f"({result['tokens'] / result['train_cpu']:>9,.0f} /CPU-s)  "
                            f"infer {result['sentences'] / result['infer_wall']:>8,.0f} sent/s "
                            f"({result['sentences'] / result['infer_cpu']:>8,.0f} /CPU-s)  "
                            f"peak {result['peak_rss_mb']:.0f} MB")
        log("bench: scikit-learn bag of words")
        bow = run_worker("bow", dict(data=corpora["sst"]["data"]), threads[0], args)
        log("bench: model size and load time")
        model_path, model_note = find_or_train_model(workdir, args.data_dir)
        load = run_worker("load", dict(model=str(model_path)), None, args)
        load.update(path=str(model_path), note=model_note, bytes=model_path.stat().st_size)
        log("bench: cold start (pip install into a fresh venv)")
        shipped = model_note.startswith("the shipped")
        cold = (cold_start(workdir, model_path, shipped, args.cold_start_repeats) if args.cold_start_repeats
                else dict(skipped="--cold-start-repeats 0"))
        imdb = []
        if not args.no_imdb and args.imdb_scale:
            for max_len, subset in ((args.imdb_max_len, 0), (None, args.imdb_full_subset)):
                job = dict(data=str(imdb_ids), cell=args.imdb_cell, max_len=max_len, subset=subset)
                result = run_worker("imdb", job, imdb_threads[0], args)
                imdb.append({**job, **result, "tokenize_seconds": tokenize_seconds, "threads": imdb_threads[0]})
                log(f"  IMDB max_len={max_len} subset={subset or 'all'}: {result['tokens'] / result['wall']:,.0f} tok/s, "
                    f"peak {result['peak_rss_mb']:.0f} MB")
        info["load_end"] = os.getloadavg()
        info["minutes"] = (time.perf_counter() - started) / 60
        report = render(info, results, bow, load, cold, imdb, args, threads, cells, frameworks)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(report)
    if args.out:
        write_report(args.out, report)
        log(f"bench: wrote {args.out}")
    return 0


BEGIN, END = "<!-- bench/bench.py writes from here -->", "<!-- bench/bench.py writes up to here -->"


def write_report(path: Path, report: str) -> None:
    """Put the report between the markers of an existing file (keeping the prose around them), or
    write a new file."""
    text = path.read_text() if path.is_file() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = f"{head}{BEGIN}\n{report}\n{END}{rest.split(END, 1)[1]}"
    else:
        text = f"# Benchmarks\n\n{BEGIN}\n{report}\n{END}\n"
    path.write_text(text)


# ---------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------


def _median(rows, key):
    return statistics.median(r[key] for r in rows)


def render(info, results, bow, load, cold, imdb, args, threads, cells, frameworks) -> str:
    lines = []
    add = lines.append
    add(f"## Measured by `{info['command']}`\n")
    add(f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']} "
        f"({_blas_text(results)}), PyTorch {info['torch'] or 'not installed'}, scikit-learn {info.get('sklearn', '?')}. "
        f"OPENBLAS_CORETYPE={info['openblas_coretype']}, OPENBLAS_L2_SIZE={info['openblas_l2_size']}"
        f"{' (unset for the workers)' if info['unset_openblas_hints'] else ''}. Load average at start "
        f"{info['load_start'][0]:.1f}, at end {info['load_end'][0]:.1f} (other work on the same 2 cores inflates "
        f"wall times; ratios of interleaved runs are the robust numbers). {args.repeats} interleaved repeats, medians; "
        f"the whole run took {info['minutes']:.1f} min.\n")

    corpora = list(dict.fromkeys(r["corpus"] for r in results))
    if TORCH_DENSE in frameworks:
        _headline(add, results, corpora, cells, threads)
    _floors(add, results, corpora, cells)
    for corpus in corpora:
        rows = [r for r in results if r["corpus"] == corpus]
        tokens, sentences = rows[0]["tokens"], rows[0]["sentences"]
        what = (f"SST-2 ({sentences:,} sentences, {tokens:,} tokens)" if corpus == "sst" else
                f"IMDB, {sentences:,} training reviews (a fixed random subset) cut to their last "
                f"{rows[0]['max_len']} tokens ({tokens:,} tokens)")
        add(f"### Training: one epoch of {what}, E = H = 128, batch 64, Adam, clip 5\n")
        add("A ratio is the median over repeats of (our throughput / theirs) within the same repeat, its range "
            "in brackets.\n")
        if 1 in threads:
            add("**1 thread, per CPU-second** (each process's own user + system time: what a busy machine's other "
                "work disturbs least):\n")
            _table(add, rows, cells, [1], frameworks, "tokens", "train_cpu", "tok/CPU-s")
        add("**Wall clock** (tokens per second of elapsed time):\n")
        _table(add, rows, cells, threads, frameworks, "tokens", "train_wall", "tok/s")

        inference = [f for f in frameworks if f != TORCH_SPARSE]  # the same network as torch at inference
        add(f"### Inference: the same {sentences:,} texts, batches of {INFER_BATCH} sorted by length\n")
        if 1 in threads:
            add("**1 thread, per CPU-second:**\n")
            _table(add, rows, cells, [1], inference, "sentences", "infer_cpu", "sent/CPU-s")
        add("**Wall clock:**\n")
        _table(add, rows, cells, threads, inference, "sentences", "infer_wall", "sent/s")

    add("### Peak memory of a training worker on SST-2 (RSS: imports, data, warm-up, one epoch, inference)\n")
    add("| cell |" + "".join(f" {f} peak MB (after set-up) |" for f in frameworks))
    add("|---|" + "---|" * len(frameworks))
    for cell in cells:
        row = f"| {cell} |"
        for f in frameworks:
            rows = [r for r in results if r["cell"] == cell and r["framework"] == f and r["corpus"] == "sst"]
            row += f" {_median(rows, 'peak_rss_mb'):.0f} ({_median(rows, 'rss_before_mb'):.0f}) |"
        add(row)
    add("")

    add("### scikit-learn bag of words (unigram counts + logistic regression, liblinear), same sentences\n")
    add(f"fit {bow['sentences'] / bow['fit_wall']:,.0f} sentences/s ({bow['tokens'] / bow['fit_wall']:,.0f} tokens/s), "
        f"predict {bow['sentences'] / bow['predict_wall']:,.0f} sentences/s; peak RSS {bow['peak_rss_mb']:.0f} MB.\n")

    add("### The model file and the CLI's cold start\n")
    add(f"Model: {load['note']}: {load['bytes'] / 2**20:.2f} MB on disk, {load['params']:,} parameters, "
        f"vocabulary {load['vocab']:,}. `load_model`: {load['first_load'] * 1000:.0f} ms the first time in a process, "
        f"{load['median_load'] * 1000:.0f} ms after that (median).\n")
    if "skipped" in cold:
        add(f"Cold start: not measured: {cold['skipped']}.\n")
    else:
        add(f"Cold start, regular `pip install` into a fresh venv ({cold['how']}; {cold['compiled']}/{cold['py_files']} modules of "
            f"the package have .pyc files written at install time), medians of {len(cold['predict_all'])} interleaved runs:\n")
        add("| command | seconds | × floor |")
        add("|---|---|---|")
        add(f"| `python -c \"import numpy, click\"` (the floor) | {cold['floor']:.3f} | 1.00 |")
        add(f"| `python -c \"import sentiment_rnn.cli, ...serialization, ...predict\"` | {cold['library_import']:.3f} | "
            f"{cold['library_import'] / cold['floor']:.2f} |")
        add(f"| `sentiment-rnn predict \"{PREDICT_TEXT}\"` | {cold['predict']:.3f} | {cold['predict'] / cold['floor']:.2f} |")
        add(f"| `python -c \"import nltk\"` (for comparison; once) | {cold['plain_nltk_import']:.3f} | "
            f"{cold['plain_nltk_import'] / cold['floor']:.2f} |")
        add(f"\nThe predict path imports scikit-learn: {'yes' if cold['imports_sklearn'] else 'no'}; SciPy: "
            f"{'yes' if cold['imports_scipy'] else 'no'}; NLTK: `nltk.tokenize.punkt` and `nltk.tokenize.destructive` "
            f"with their imports {', '.join(sorted(set(cold['nltk_modules'])))}, not `nltk/__init__`. Heaviest imports (cumulative ms, `-X importtime`): "
            + ", ".join(f"{name} {ms:.0f}" for ms, name in cold["heaviest"][:6]) + ".\n")

    if imdb:
        add(f"### IMDB scale: one epoch, {imdb[0]['cell']}, batch 64, Adam, the CLI's default dropout, "
            f"{imdb[0]['threads']} BLAS thread(s)\n")
        add("| reviews | --max-len | tokens | longest | median | tokens/s | peak RSS MB (before training) |")
        add("|---|---|---|---|---|---|---|")
        for r in imdb:
            add(f"| {r['reviews']:,} | {r['max_len'] or 'none (full length)'} | {r['tokens']:,} | {r['max_length']:,} | "
                f"{r['median_length']:.0f} | {r['tokens'] / r['wall']:,.0f} | {r['peak_rss_mb']:.0f} ({r['rss_before_mb']:.0f}) |")
        if imdb[0].get("tokenize_seconds"):
            add(f"\n(Tokenizing the 25k reviews once took {imdb[0]['tokenize_seconds']:.0f} s; the ids are cached.)")
        add("")
    return "\n".join(lines)


def _best_of(a_rows, b_rows, key) -> list[dict]:
    """Per repeat, the faster of two PyTorch recipes (the smaller time)."""
    b_by_seed = {r["seed"]: r[key] for r in b_rows}
    return [{"seed": r["seed"], key: min(r[key], b_by_seed[r["seed"]])} for r in a_rows if r["seed"] in b_by_seed]


def _headline(add, results, corpora, cells, threads) -> None:
    add("### Headline: sentiment-rnn / PyTorch, same batches, median over repeats [range]\n")
    add("PyTorch's best recipe for training is, in each repeat, the faster of its usual recipe (`torch`: dense "
        "embedding gradient, Adam over the whole embedding every step) and the same lazy algorithm as ours "
        "(`torch-sparse`: `nn.Embedding(sparse=True)`, SparseAdam on the rows seen, Adam on the rest); for "
        "inference it is `torch.inference_mode()` on the same length-sorted batches. Above 1 we are faster. "
        "1 thread: per CPU-second; 2 threads: wall clock. The inference pass is timed twice in each worker: "
        "the first call on the freshly trained weights pays for everything (rearranging the weights, "
        "projecting each distinct word); the second call finds that work kept by the model (it depends on "
        "the weights alone, which are compared with the ones it was built from) and pays only for the "
        "texts. PyTorch has no such preparation; its second call is timed the same way.\n")
    add("| corpus | cell | threads | training / best | training / usual (`torch`) | inference / torch | "
        "inference, a second call / torch's |")
    add("|---|---|---|---|---|---|---|")
    for corpus in corpora:
        for cell in cells:
            for n in threads:
                rows = {f: [r for r in results if r["corpus"] == corpus and r["cell"] == cell and r["threads"] == n
                            and r["framework"] == f] for f in (OURS, TORCH_DENSE, TORCH_SPARSE)}
                if not rows[OURS]:
                    continue
                train_key, infer_key, again_key = (("train_cpu", "infer_cpu", "again_cpu") if n == 1
                                                   else ("train_wall", "infer_wall", "again_wall"))
                best = _best_of(rows[TORCH_DENSE], rows[TORCH_SPARSE], train_key)
                add(f"| {corpus} | {cell} | {n} | {_paired_ratio(rows[OURS], best, train_key)} | "
                    f"{_paired_ratio(rows[OURS], rows[TORCH_DENSE], train_key)} | "
                    f"{_paired_ratio(rows[OURS], rows[TORCH_DENSE], infer_key)} | "
                    f"{_paired_ratio(rows[OURS], rows[TORCH_DENSE], again_key)} |")
    add("")


def _floors(add, results, corpora, cells) -> None:
    rows = [r for r in results if r["framework"] == OURS and r.get("train_floor_cpu") and r["threads"] == 1]
    if not rows:
        return
    add("### The matmul-only floor (1 thread, CPU seconds)\n")
    add("Every `np.matmul` of the pass is logged, then the same products (shapes, strides, order) are replayed "
        "alone (`bench/blas_floor.py`); the floor is their time, the fraction is floor / pass: 1.0 would be a "
        "pass that is nothing but its matrix products. One measurement per cell (the first repeat).\n")
    add("| corpus | cell | training pass | its matmuls | fraction of the floor | pass / floor | "
        "inference pass | its matmuls | fraction | pass / floor |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        add(f"| {r['corpus']} | {r['cell']} | {r['train_cpu']:.3f} | {r['train_floor_cpu']:.3f} | "
            f"{r['train_floor_cpu'] / r['train_cpu']:.2f} | {r['train_cpu'] / r['train_floor_cpu']:.2f} | "
            f"{r['infer_cpu']:.3f} | {r['infer_floor_cpu']:.3f} | {r['infer_floor_cpu'] / r['infer_cpu']:.2f} | "
            f"{r['infer_cpu'] / r['infer_floor_cpu']:.2f} |")
    add("")


def _table(add, results, cells, thread_counts, frameworks, count_key, time_key, unit) -> None:
    theirs = [f for f in frameworks if f != OURS]
    header = "| cell | threads |" + "".join(f" {f} {unit} |" for f in frameworks) + "".join(f" ours / {f} |" for f in theirs)
    add(header)
    add("|" + "---|" * (header.count("|") - 1))
    for cell in cells:
        for n in thread_counts:
            rows = {f: [r for r in results if r["cell"] == cell and r["threads"] == n and r["framework"] == f] for f in frameworks}
            if not rows[OURS]:
                continue
            line = f"| {cell} | {n} |"
            line += "".join(f" {_median(rows[f], count_key) / _median(rows[f], time_key):,.0f} |" for f in frameworks)
            line += "".join(f" {_paired_ratio(rows[OURS], rows[f], time_key)} |" for f in theirs)
            add(line)
    add("")


def _paired_ratio(ours, other, key) -> str:
    """median of per-repeat ratios other[key] / ours[key] (a throughput ratio), with its range."""
    by_seed = {r["seed"]: r[key] for r in other}
    ratios = sorted(by_seed[r["seed"]] / r[key] for r in ours if r["seed"] in by_seed)
    if not ratios:
        return "–"
    text = f"**{statistics.median(ratios):.2f}**"
    return text + (f" [{ratios[0]:.2f}–{ratios[-1]:.2f}]" if len(ratios) > 1 else "")


def _blas_text(results) -> str:
    blas = next((r["blas"] for r in results if r["framework"] == OURS and r.get("blas")), {})
    return f"{blas.get('internal_api', '?')} {blas.get('version', '')}, kernel {blas.get('architecture', '?')}"


if __name__ == "__main__":
    sys.exit(main())
