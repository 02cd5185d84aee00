"""The Dask side of the distributed jobs: connecting to a scheduler, a model loaded once per worker,
and waiting on one task per item. Imported only when a scheduler address is given."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import cast

from distributed import Client, WorkerPlugin, as_completed, get_worker

from sentiment_rnn.errors import SentimentRNNError

__all__ = ["MODELS", "ModelCache", "connect", "run_tasks", "worker_model"]

MODELS = "sentiment-rnn-models"
CONNECT_TIMEOUT = "20s"


class ModelCache(WorkerPlugin):
    """The models a worker has loaded, by path: the first task that needs one loads it, the others reuse it."""

    def __init__(self):
        self.models: dict = {}
        self.loads = 0  # how many times a model file was read on this worker

    def setup(self, worker) -> None:
        self.models, self.loads = {}, 0

    def get(self, path: str | None):
        from sentiment_rnn.io.serialization import load_model

        if path not in self.models:
            self.models[path] = load_model(path)
            self.loads += 1
        return self.models[path]


def worker_model(path: str | None):
    """The model at ``path`` (None: the shipped one), as this worker loaded it once."""
    return cast(ModelCache, get_worker().plugins[MODELS]).get(path)


@contextlib.contextmanager
def connect(address: str, log: Callable[[str], None]) -> Iterator[Client]:
    """A client of the scheduler at ``address``, with the model cache on every worker; says where
    the dashboard is."""
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise SentimentRNNError(f"cannot reach the Dask scheduler at {address} ({error})") from None
    try:
        client.register_plugin(ModelCache(), name=MODELS)
        workers = len(client.scheduler_info(n_workers=-1)["workers"])
        link = _dashboard_link(client)
        log(f"Dask scheduler {address}: {workers} worker(s)" + (f"; dashboard {link}" if link else ""))
        yield client
    finally:
        client.close()


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
        except Exception as error:  # the task's own error, Dask's KilledWorker after repeated deaths, or a lost result
            name = futures[future]
            if future.status != "error" and lost.get(name, 0) < LOST_RESULT_RETRIES:  # computed, then lost
                lost[name] = lost.get(name, 0) + 1
                pending.add(future)  # Dask recomputes the key: wait for it again
                continue
            result, failure = None, f"{type(error).__name__}: {error}"
        on_result(futures[future], result, failure)
