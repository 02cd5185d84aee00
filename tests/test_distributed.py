"""Scoring files and training seeds on a Dask LocalCluster of two worker processes on 127.0.0.1: the
same bytes and the same weights as one process, also when a worker is killed in the middle of the
job; a rerun after a kill skips the finished outputs; the plain install never imports Dask."""

import doctest
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster, get_task_stream

from sentiment_rnn.estimators.rnn import RNNClassifier
from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.cli import main
from sentiment_rnn.distributed import cluster as dask_side
from sentiment_rnn.distributed import progress, seeds
from sentiment_rnn.distributed.scoring import ScoringJob, finished_outputs, plan_outputs, score_files
from sentiment_rnn.distributed.seeds import parse_seeds, seed_paths, train_seeds
from sentiment_rnn.io.serialization import load_model
from sentiment_rnn.recipes.training_run import TrainingRun

ROOT = Path(__file__).resolve().parents[1]
WORDS = "a good bad film great awful acting i loved hated it wonderful boring fun dull story , . not".split()
FILES = 8
ROWS = 1500  # per file: a few tenths of a second of scoring with the toy model, so a kill lands inside a task
SEEDS = [0, 1, 2]
EPOCHS = 12  # a fraction of a second a seed, with a checkpoint after every epoch


def _two_workers():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as local_cluster, Client(local_cluster) as client:
        yield local_cluster, client


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on 127.0.0.1, shared by the tests that kill none."""
    yield from _two_workers()


@pytest.fixture
def cluster_to_break():
    """Two worker processes of a test's own, which kills one of them (its nanny starts another)."""
    yield from _two_workers()


def _review(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(1, 20)))


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    """FILES input files in the four formats, with bad rows among them, and their outputs made in one process."""
    folder = tmp_path_factory.mktemp("reviews")
    rng = random.Random(0)
    for i in range(FILES):
        rows = [_review(rng) for _ in range(ROWS)]
        rows[7] = ""  # an error record in every file
        kind = ("csv", "tsv", "jsonl", "txt")[i % 4]
        path = folder / f"part{i}.{kind}"
        if kind == "csv":
            path.write_text("id,review\n" + "".join(f'{n},"{r}\n(second line)"\n' for n, r in enumerate(rows)))
        elif kind == "tsv":
            path.write_text("id\treview\n" + "".join(f"{n}\t{r}\n" for n, r in enumerate(rows)))
        elif kind == "jsonl":
            path.write_text("".join(json.dumps({"id": n, "review": r}) + "\n" for n, r in enumerate(rows)))
        else:
            path.write_bytes("\r".join(rows).encode() + b"\r\n\n")  # CR line ends, trailing blank lines
    return folder


@pytest.fixture(scope="module")
def scored_here(reviews, toy, tmp_path_factory):
    """The reference: every file scored in this process, without Dask."""
    job = ScoringJob(model_path=str(toy[1]), text_column="review", id_column=None)
    output = tmp_path_factory.mktemp("here")
    results = score_files(job, plan_outputs(str(reviews / "part*"), output))
    assert len(results) == FILES and not any(result.failure for result in results)
    return job, {path.name: path.read_bytes() for path in output.iterdir() if not path.name.startswith(".")}


def _kill_a_busy_worker(client: Client, ready=lambda key: True, wait: float = 5.0) -> int:
    """SIGKILL the process of a worker that is running a task (one for which ``ready(key)``, waiting
    up to ``wait`` seconds for one); return the number of tasks it held."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + wait
    while True:
        busy = [(worker, keys) for worker, keys in client.processing().items() if any(map(ready, keys))]
        if busy or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert busy, "no worker was running a task: the kill would not be in the middle of the job"
    worker, keys = busy[0]
    os.kill(pids[worker], signal.SIGKILL)
    return len(keys)


def _on_first_done(action):
    """A log callback that runs ``action`` once, when the first item of the job is done."""
    state = {"done": False}

    def log(message):
        if not state["done"] and " done" in message:
            state["done"] = True
            state["result"] = action()

    return log, state


def test_scoring_on_the_cluster_gives_the_bytes_of_one_process(cluster, reviews, scored_here, tmp_path):
    local_cluster, client = cluster
    job, expected = scored_here
    lines = []
    with get_task_stream(client) as tasks:
        results = score_files(job, plan_outputs(str(reviews / "part*"), tmp_path), scheduler=local_cluster.scheduler_address,
                              log=lines.append)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir() if not path.name.startswith(".")} == expected
    assert sorted(result.rows for result in results) == [ROWS] * FILES 
    assert sum(result.errors for result in results) == sum(out.count(b'"error"') for out in expected.values())
    assert len({task["worker"] for task in tasks.data}) == 2  # both workers scored files
    loads = client.run(lambda dask_worker: dask_worker.plugins[dask_side.MODELS].loads)
    assert sorted(loads.values()) == [1, 1]  # each worker read the model once for its four or so files
    assert "2 worker(s); dashboard http://127.0.0.1:" in lines[0] and lines[-1].startswith(f"part") and f"{FILES}/{FILES} files done" in lines[-1]


def test_a_worker_killed_while_scoring_costs_nothing_but_time(cluster_to_break, reviews, scored_here, tmp_path):
    local_cluster, client = cluster_to_break
    job, expected = scored_here
    log, state = _on_first_done(lambda: _kill_a_busy_worker(client))
    results = score_files(job, plan_outputs(str(reviews / "part*"), tmp_path), scheduler=local_cluster.scheduler_address,
                          log=log)
    assert state["result"] >= 1  # a worker died with a file in hand
    assert not any(result.failure for result in results) and len(results) == FILES
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir() if not path.name.startswith(".")} == expected


def test_a_rerun_after_a_killed_job_skips_the_finished_files(reviews, scored_here, toy, tmp_path):
    _, expected = scored_here
    command = [sys.executable, "-m", "sentiment_rnn", "predict", "--model", str(toy[1]), "--input",
               str(reviews / "part*"), "--text-column", "review", "--output", str(tmp_path)]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not finished_outputs(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    finished = {name: (tmp_path / name).stat() for name in finished_outputs(tmp_path)}  # recorded whole
    assert 1 <= len(finished) < FILES  # killed in the middle of the job
    assert all(expected[name] == (tmp_path / name).read_bytes() for name in finished)  # each output is whole
    rerun = CliRunner().invoke(main, command[3:])
    assert rerun.exit_code == 1  # one empty review in every file: exit 1, said once at the end
    assert f"{len(finished)} of {FILES} files are scored already; skipping them" in rerun.stderr
    assert all((tmp_path / name).stat().st_mtime_ns == stat.st_mtime_ns for name, stat in finished.items())
    assert {path.name: path.read_bytes() for path in tmp_path.glob("*.jsonl")} == expected


# ----------------------------------------------------------------------------------------------------
# Training many seeds

@pytest.fixture(scope="module")
def training_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    rng = random.Random(1)
    rows = [(_review(rng), rng.choice(["positive", "negative"])) for _ in range(240)]
    for name, part in (("train.tsv", rows[:200]), ("dev.tsv", rows[200:])):
        (folder / name).write_text("text\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in part))
    return TrainingRun(train_file=str(folder / "train.tsv"), dev_file=str(folder / "dev.tsv"), hyperparameters=dict(
        cell="gru", embedding_dim=8, hidden_size=8, epochs=EPOCHS, patience=EPOCHS, batch_size=8,
        learning_rate=0.02, dropout=0.0, embedding_dropout=0.0))


def test_a_worker_killed_while_training_resumes_its_seed_elsewhere(cluster_to_break, training_run, tmp_path):
    local_cluster, client = cluster_to_break
    here = train_seeds(training_run, SEEDS, tmp_path / "here")
    assert not here.failures and [summary["seed"] for summary in here.summaries] == SEEDS

    def has_a_checkpoint(key: str) -> bool:  # keys are train_seed-seed<N>-<run>
        return seed_paths(tmp_path / "cluster", int(key.split("-")[1][4:]))[1].exists()

    log, state = _on_first_done(lambda: _kill_a_busy_worker(client, has_a_checkpoint))
    there = train_seeds(training_run, SEEDS, tmp_path / "cluster", scheduler=local_cluster.scheduler_address,
                        ensemble=True, log=log)
    assert state["result"] >= 1  # a worker died mid-seed, with that seed's checkpoint on disk
    assert not there.failures and [summary["seed"] for summary in there.summaries] == SEEDS
    for seed in SEEDS:
        expected, got = load_model(seed_paths(tmp_path / "here", seed)[0]), load_model(seed_paths(tmp_path / "cluster", seed)[0])
        assert all(np.array_equal(expected.params_[name], got.params_[name]) for name in expected.params_), seed
    assert len(load_model(there.ensemble).members_) == len(SEEDS)
    again = train_seeds(training_run, SEEDS, tmp_path / "cluster")  # a rerun: every seed is done
    assert all(summary.get("skipped") for summary in again.summaries)


def test_grid_search_runs_under_joblibs_dask_backend(cluster):
    from joblib import parallel_backend
    from sklearn.model_selection import GridSearchCV

    _, client = cluster
    rng = random.Random(2)
    texts = [_review(rng) for _ in range(40)]
    labels = [int("good" in text or "great" in text) for text in texts]
    estimator = RNNClassifier(cell="gru", embedding_dim=8, epochs=2, batch_size=8, patience=None, random_state=0)
    grid = {"hidden_size": [4, 8]}
    here = GridSearchCV(estimator, grid, cv=2).fit(texts, labels)
    with get_task_stream(client) as tasks, parallel_backend("dask"):
        there = GridSearchCV(estimator, grid, cv=2, n_jobs=-1).fit(texts, labels)
    assert len(tasks.data) >= 4  # the 2 settings x 2 folds ran on the workers
    assert np.array_equal(here.cv_results_["mean_test_score"], there.cv_results_["mean_test_score"])
    assert here.best_params_ == there.best_params_


# ----------------------------------------------------------------------------------------------------
# The command line, and Dask only when asked for

def test_train_seeds_command_and_its_usage_errors(training_run, tmp_path):
    run = training_run
    options = ["train", "--train-file", run.train_file, "--dev-file", run.dev_file, "--cell", "gru",
               "--embedding-dim", "8", "--hidden-size", "8", "--epochs", "2", "--batch-size", "8"]
    result = CliRunner().invoke(main, options + ["--seeds", "3,5", "--output-dir", str(tmp_path), "--ensemble", "--json"])
    assert result.exit_code == 0, result.output
    summaries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [s.get("seed") for s in summaries] == [3, 5, None] and summaries[-1]["ensemble"].endswith("ensemble.npz")
    assert "seed 5: 2/2 seeds done" in result.stderr
    names = {path.name for path in tmp_path.iterdir()}
    assert names >= {"seed3.npz", "seed5.npz", "ensemble.npz"}
    assert not names & {"seed3.ckpt.npz", "seed5.ckpt.npz"}  # a finished seed's checkpoint is removed, as after train
    runner = CliRunner()
    assert runner.invoke(main, options + ["--seeds", "3-1", "--output-dir", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, options + ["--seeds", "0-1"]).exit_code == 2
    assert runner.invoke(main, options + ["--seeds", "0-1", "--output-dir", str(tmp_path), "--resume"]).exit_code == 2
    assert runner.invoke(main, options + ["--ensemble"]).exit_code == 2


def test_plain_prediction_never_imports_dask(toy, tmp_path):
    (tmp_path / "in.txt").write_text("a good film\n")
    program = (
        "import sys\nfrom click.testing import CliRunner\nfrom sentiment_rnn.cli import main\n"
        "import sentiment_rnn.distributed.scoring, sentiment_rnn.distributed.seeds\n"
        f"for options in (['a good film'], ['--input', {str(tmp_path / 'in.txt')!r}],\n"
        f"                ['--input', {str(tmp_path / 'in.txt')!r}, '--output', {str(tmp_path / 'out')!r}]):\n"
        f"    result = CliRunner().invoke(main, ['predict', '--model', {str(toy[1])!r}, *options])\n"
        "    assert result.exit_code == 0, result.output\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "out" / "in.jsonl").exists()


def test_module_doctests_pass():
    for module in (progress, seeds):
        assert doctest.testmod(module).failed == 0


def test_seed_lists_and_their_errors():
    assert parse_seeds("0-2, 5,1") == [0, 1, 2, 5]
    for bad in ("", "a", "3-1", "-1", "0-99999"):
        with pytest.raises(ValueError, match="seeds"):
            parse_seeds(bad)


def test_an_unreachable_scheduler_is_one_line_and_exit_1(toy, tmp_path, monkeypatch):
    monkeypatch.setattr(dask_side, "CONNECT_TIMEOUT", "1s")
    (tmp_path / "in.txt").write_text("a good film\n")
    result = CliRunner().invoke(main, ["predict", "--model", str(toy[1]), "--input", str(tmp_path / "in.txt"),
                                       "--output", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and not (tmp_path / "out").exists()


def test_relative_paths_name_the_clients_files_for_a_worker_started_elsewhere(cluster, toy, tmp_path, monkeypatch):
    local_cluster, client = cluster
    here, there = tmp_path / "client", tmp_path / "worker"
    for folder, review in ((here, "a good film"), (there, "an awful film")):
        (folder / "in").mkdir(parents=True)
        (folder / "in" / "a.txt").write_text(review + "\n")
    original = client.run(os.getcwd)
    client.run(os.chdir, str(there))  # the workers now run in another folder, with same-named files
    monkeypatch.chdir(here)
    try:
        result = CliRunner().invoke(main, ["predict", "--model", str(toy[1]), "--input", "in/*.txt", "--output", "out",
                                           "--scheduler", local_cluster.scheduler_address])
    finally:
        for worker, folder in original.items():
            client.run(os.chdir, folder, workers=[worker])
    assert result.exit_code == 0, result.output
    assert json.loads((here / "out" / "a.jsonl").read_text())["text"] == "a good film"  # the client's file
    assert not (there / "out").exists()


def _write_elsewhere():
    """On a worker: score every file into <output>.elsewhere, as a worker with a disk of its own would."""
    from sentiment_rnn.distributed import scoring

    scoring.real_score_file = scoring.score_file
    scoring.score_file = lambda job, model, source, output: scoring.real_score_file(
        job, model, source, Path(str(output) + ".elsewhere"))


def _write_here():
    from sentiment_rnn.distributed import scoring

    scoring.score_file = scoring.real_score_file


def test_an_output_a_worker_wrote_where_the_client_cannot_see_it_is_a_failure(cluster, toy, tmp_path):
    local_cluster, client = cluster
    (tmp_path / "a.txt").write_text("a good film\n")
    client.run(_write_elsewhere)
    try:
        results = score_files(ScoringJob(model_path=str(toy[1])), plan_outputs(str(tmp_path / "a.txt"), tmp_path / "out"),
                              scheduler=local_cluster.scheduler_address)
    finally:
        client.run(_write_here)
    [result] = results
    assert result.failure and "a.jsonl was written by a worker but is not here" in result.failure
    assert finished_outputs(tmp_path / "out") == set()


@pytest.fixture
def not_a_scheduler(request):
    """A port on 127.0.0.1 that accepts connections and then says nothing ("silent") or speaks HTTP ("http")."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    held, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            held.append(connection)
            if request.param == "http":
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" * 20)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.mark.parametrize("not_a_scheduler, message", [
    ("silent", "no Dask scheduler answered at {address} within 1 s (is it the port of a Dask scheduler?)"),
    ("http", "cannot reach the Dask scheduler at {address} (it answered, but not as a Dask scheduler"),
], indirect=["not_a_scheduler"])
def test_a_port_that_is_not_a_dask_scheduler_is_one_line_within_the_timeout(toy, tmp_path, monkeypatch, capfd,
                                                                             not_a_scheduler, message):
    monkeypatch.setattr(dask_side, "CONNECT_TIMEOUT", "1s")
    (tmp_path / "in.txt").write_text("a good film\n")
    start = time.monotonic()
    result = CliRunner().invoke(main, ["predict", "--model", str(toy[1]), "--input", str(tmp_path / "in.txt"),
                                       "--output", str(tmp_path / "out"), "--scheduler", not_a_scheduler])
    assert time.monotonic() - start < 60  # on main a silent port hung for minutes
    assert result.exit_code == 1 and result.stderr.startswith("Error: " + message.format(address=not_a_scheduler))
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("address", ["garbage", "ws://127.0.0.1:8786", "tls://127.0.0.1:8786", "tcp://host:99999"])
def test_an_address_that_is_not_tcp_host_port_is_one_line(toy, tmp_path, capfd, address):
    (tmp_path / "in.txt").write_text("a good film\n")
    result = CliRunner().invoke(main, ["predict", "--model", str(toy[1]), "--input", str(tmp_path / "in.txt"),
                                       "--output", str(tmp_path / "out"), "--scheduler", address])
    assert result.exit_code == 1 and result.stderr.splitlines() == [
        f"Error: {address!r} is not a scheduler address: give tcp://HOST:PORT (other protocols, such as tls:// or "
        "ws://, are not supported here)"]
    assert "Traceback" not in capfd.readouterr().err


def _other_version():
    from sentiment_rnn import version

    version.real_version, version.__version__ = version.__version__, "0.0.0-other"


def _this_version():
    from sentiment_rnn import version

    version.__version__ = version.real_version


def test_a_worker_with_another_version_or_another_model_file_is_refused(cluster, toy, tmp_path):
    local_cluster, client = cluster
    (tmp_path / "a.txt").write_text("a good film\n")
    pairs = plan_outputs(str(tmp_path / "a.txt"), tmp_path / "out")
    client.run(_other_version)
    try:
        with pytest.raises(SentimentRNNError, match=r"2 worker\(s\) of tcp://127.0.0.1:\d+ run another sentiment-rnn"):
            score_files(ScoringJob(model_path=str(toy[1])), pairs, scheduler=local_cluster.scheduler_address)
    finally:
        client.run(_this_version)
    [result] = score_files(ScoringJob(model_path=str(toy[1]), model_digest="0" * 64), pairs,
                           scheduler=local_cluster.scheduler_address)
    assert "on this worker is not the client's (another sha256)" in result.failure
    assert not (tmp_path / "out" / "a.jsonl").exists()


def _dask_process(module: str, *arguments: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", f"distributed.cli.{module}", *arguments], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_scheduler_killed_mid_run_is_one_line_and_the_finished_files_are_kept(reviews, scored_here, toy, tmp_path):
    _, expected = scored_here
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _dask_process("dask_scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard", env=env)
    worker = _dask_process("dask_worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                           "--no-dashboard", env=env)
    try:
        command = [sys.executable, "-m", "sentiment_rnn", "predict", "--model", str(toy[1]), "--input",
                   str(reviews / "part*"), "--text-column", "review", "--output", str(tmp_path / "out"),
                   "--scheduler", address]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not finished_outputs(tmp_path / "out") if (tmp_path / "out").is_dir() else True:
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()
            time.sleep(0.005)
        scheduler.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=120)
    finally:
        for dask_process in (scheduler, worker):
            dask_process.kill()
            dask_process.wait(30)
    finished = finished_outputs(tmp_path / "out")
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr and "CancelledError" not in stderr and "cancelled" not in stderr.lower(), stderr
    last = stderr.strip().splitlines()[-1]
    assert last == (f"Error: the Dask scheduler at {address} went away after {len(finished)} of {FILES} files; the "
                    "finished files are kept, run again to score the rest"), stderr
    assert 1 <= len(finished) < FILES
    assert all(expected[name] == (tmp_path / "out" / name).read_bytes() for name in finished)  # each whole
