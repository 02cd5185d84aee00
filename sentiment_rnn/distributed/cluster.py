"""The Dask side of the distributed jobs: connecting to a scheduler, a model loaded once per worker,
and waiting on one task per item. Imported only when a scheduler address is given."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import uuid
from typing import Callable, Iterator

from dask.utils import parse_timedelta
from distributed import Client, WorkerPlugin, as_completed, get_worker
from distributed.client import FutureCancelledError

from sentiment_rnn.errors import SentimentRNNError
from sentiment_rnn.version import __version__

__all__ = ["MODELS", "ModelCache", "SchedulerLost", "check_workers", "connect", "model_digest", "run_tasks",
           "scheduler_address", "worker_model"]

MODELS = "sentiment-rnn-models"
CONNECT_TIMEOUT = "20s"


class SchedulerLost(SentimentRNNError):
    """The client lost its scheduler in the middle of a job (Dask cancelled the tasks still running)."""


class ModelCache(WorkerPlugin):
    """The models a worker has loaded, by path: the first task that needs one loads it, the others reuse it."""

    def __init__(self):
        self.models: dict = {}
        self.digests: dict = {}  # the sha256 of each model file as it was loaded
        self.loads = 0  # how many times a model file was read on this worker

    def setup(self, worker) -> None:
        self.models, self.digests, self.loads = {}, {}, 0

    def get(self, path: str | None, digest: str | None = None):
        from sentiment_rnn.io.serialization import load_model

        if path not in self.models:
            self.digests[path] = model_digest(path)
            self.models[path] = load_model(path)
            self.loads += 1
        if digest is not None and self.digests[path] != digest:
            raise SentimentRNNError(f"the model file {path or 'shipped with sentiment-rnn'} on this worker is not "
                                    "the client's (another sha256): give every worker the same file")
        return self.models[path]


def model_digest(path: str | None) -> str:
    """The sha256 of the model file at ``path`` (None: the shipped one)."""
    from sentiment_rnn.files import file_digest
    from sentiment_rnn.io.serialization import default_model_path

    return file_digest(path or default_model_path())


def worker_model(path: str | None, digest: str | None = None):
    """The model at ``path`` (None: the shipped one), as this worker loaded it once; with ``digest``,
    SentimentRNNError unless the worker's file has that sha256 (the client's file)."""
    return get_worker().plugins[MODELS].get(path, digest)


_ADDRESS = re.compile(r"(?:tcp://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})")


def scheduler_address(address: str) -> str:
    """``tcp://HOST:PORT`` from ``address`` (``HOST:PORT`` or ``tcp://HOST:PORT``); SentimentRNNError for
    anything else, such as tls:// or ws:// (which need settings this command does not take).

    >>> scheduler_address("127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    """
    match = _ADDRESS.fullmatch(address.strip())
    if not match or not 0 < int(match[2]) < 65536:
        raise SentimentRNNError(f"{address!r} is not a scheduler address: give tcp://HOST:PORT (other protocols, "
                                "such as tls:// or ws://, are not supported here)")
    return f"tcp://{match[1]}:{match[2]}"


def _client(address: str) -> Client:
    """A client of ``address``, or SentimentRNNError within CONNECT_TIMEOUT (and a few seconds): Dask's
    own timeout does not cover a port that accepts the connection and never answers, or answers
    something that is not Dask (which fails inside Dask with any kind of error)."""
    seconds = parse_timedelta(CONNECT_TIMEOUT)
    made: dict = {}

    def make() -> None:
        try:
            made["client"] = Client(address, timeout=CONNECT_TIMEOUT)
        except BaseException as error:  # noqa: BLE001 - every failure becomes the one line below
            made["error"] = error

    thread = threading.Thread(target=make, name="connect to the Dask scheduler", daemon=True)
    thread.start()
    thread.join(seconds + 5)
    if thread.is_alive():
        raise SentimentRNNError(f"no Dask scheduler answered at {address} within {seconds:g} s (is it the port of "
                                "a Dask scheduler?)")
    if "error" in made:
        error = made["error"]
        reason = str(error) if isinstance(error, (OSError, TimeoutError)) else (
            f"it answered, but not as a Dask scheduler: {type(error).__name__}")
        raise SentimentRNNError(f"cannot reach the Dask scheduler at {address} ({reason})")
    return made["client"]


def check_workers(client: Client, address: str) -> int:
    """The number of workers, after checking that each runs this version of sentiment-rnn."""
    versions = client.run(_version)
    other = {worker: version for worker, version in versions.items() if version != __version__}
    if other:
        worker, version = next(iter(other.items()))
        raise SentimentRNNError(f"{len(other)} worker(s) of {address} run another sentiment-rnn ({worker}: {version}; "
                                f"here: {__version__}): install the same version everywhere")
    return len(versions)


def _version() -> str:
    from sentiment_rnn import version

    return version.__version__


@contextlib.contextmanager
def connect(address: str, log: Callable[[str], None]) -> Iterator[Client]:
    """A client of the scheduler at ``address``, with the model cache on every worker; says where
    the dashboard is."""
    address = scheduler_address(address)
    with _quiet_dask():
        client = _client(address)
        try:
            workers = check_workers(client, address)
            client.register_plugin(ModelCache(), name=MODELS)
            link = _dashboard_link(client)
            log(f"Dask scheduler {address}: {workers} worker(s)" + (f"; dashboard {link}" if link else ""))
            yield client
        finally:
            client.close()


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """No log records while the job runs: Dask's own (a lost scheduler logs tracebacks and a line per
    cancelled task) would bury the one line the command says about it."""
    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(before)


def _dashboard_link(client: Client) -> str | None:
    try:
        return client.dashboard_link if "dashboard" in client.scheduler_info()["services"] else None
    except (KeyError, AttributeError):
        return None


LOST_RESULT_RETRIES = 3  # a result lost with its worker is awaited again this many times


def run_tasks(client: Client, function: Callable, calls: list[tuple[str, tuple]], on_result: Callable) -> None:
    """Run ``function(*args)`` for each (name, args) of ``calls`` on the workers (task key
    ``<function>-<name>-<run>``); call
    ``on_result(name, result, failure)`` as each one ends, in the order they end. A task whose
    worker dies is run again elsewhere (Dask does this), also when the worker dies after the task ended
    but before its result reached us (Dask then computes it again: we wait for that, up to
    ``LOST_RESULT_RETRIES`` times); one that fails gives its error as ``failure``."""
    run = uuid.uuid4().hex[:8]  # task keys name the item, and differ from one run of the job to the next
    futures = {client.submit(function, *args, key=f"{function.__name__}-{name}-{run}"): name for name, args in calls}
    lost: dict[str, int] = {}
    pending = as_completed(futures)
    for future in pending:
        try:
            result, failure = future.result(), None
        except FutureCancelledError as error:  # only a lost scheduler cancels our tasks
            raise SchedulerLost(f"the Dask scheduler went away ({error})") from None
        except Exception as error:  # the task's own error, Dask's KilledWorker after repeated deaths, or a lost result
            name = futures[future]
            if future.status != "error" and lost.get(name, 0) < LOST_RESULT_RETRIES:  # computed, then lost
                lost[name] = lost.get(name, 0) + 1
                pending.add(future)  # Dask recomputes the key: wait for it again
                continue
            result, failure = None, f"{type(error).__name__}: {error}"
        on_result(futures[future], result, failure)
