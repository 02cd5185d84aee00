"""Micro-batching: requests that arrive together are scored together, in one thread that owns the model.

Every request hands its items (texts) to :meth:`MicroBatcher.submit` and awaits their results. A loop
takes the first waiting request, waits at most ``max_wait`` seconds for others to join (or until
``max_batch`` items are waiting), and scores all their items with one call of ``score`` in the
model thread; the results are handed back in order. While the model thread is busy, new requests
queue up and form the next batch, so under concurrency the batches grow by themselves and
throughput approaches the speed of batch inference.

A request cancelled while it waits (its client went away, the server shuts down) is dropped from
its batch; one cancelled while its batch is scored simply gets no result. Neither blocks the loop.

Each item may carry a weight (its tokens): a batch holds at most ``max_batch_weight`` of it (and at
least one item). A request heavier than that is scored a part at a time, and after each part it goes
to the back of the queue, so a small request that arrives meanwhile waits for at most one batch.
A request is never split by its number of items: ``max_batch`` only decides which requests share a batch.

>>> import asyncio
>>> async def demo():
...     batcher = MicroBatcher(lambda items: [len(x) for x in items], max_batch=8, max_wait=0.01)
...     batcher.start()
...     results = await asyncio.gather(batcher.submit(["a", "bb"]), batcher.submit(["ccc"]))
...     await batcher.close()
...     return results, batcher.batches
>>> asyncio.run(demo())
([[1, 2], [3]], 1)
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MicroBatcher"]


@dataclass(eq=False)
class _Job:
    items: Sequence[Any]
    weights: Sequence[float]
    future: asyncio.Future
    taken: int = 0  # items handed to a batch so far
    results: list = field(default_factory=list)

    @property
    def left(self) -> int:
        return len(self.items) - self.taken


class MicroBatcher:
    """Scores the items of concurrent requests in batches, one batch at a time, in one thread.

    ``score(items) -> results`` gets a list of items and returns one result per item, in order; an
    exception it raises is raised in every request of that batch.
    """

    def __init__(self, score: Callable[[list], list], max_batch: int = 256, max_wait: float = 0.002,
                 max_batch_weight: float = math.inf):
        self.score = score
        self.max_batch = max_batch
        self.max_batch_weight = max_batch_weight
        self.max_wait = max_wait
        self.batches = 0  # batches scored so far
        self.items = 0  # items scored so far
        self._waiting: collections.deque[_Job] = collections.deque()
        self._arrived = asyncio.Event()  # start() makes a fresh one on the running loop
        self._task: asyncio.Task | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Start the batching loop on the running event loop."""
        self._arrived = asyncio.Event()
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="micro-batcher")

    async def close(self) -> None:
        """Stop the loop; requests still waiting get CancelledError."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        while self._waiting:
            self._waiting.popleft().future.cancel()
        if self._executor is not None:  # wait for a batch still in the model thread, without blocking the loop
            await asyncio.to_thread(self._executor.shutdown, wait=True)
            self._executor = None

    async def submit(self, items: Sequence[Any], weights: Sequence[float] | None = None) -> list:
        """Score ``items`` with those of the requests that arrive together; their results, in order.
        ``weights`` (default 1 each) is what each item counts against ``max_batch_weight``."""
        if self._task is None or self._task.done():
            raise RuntimeError("the batcher is not running")
        items = list(items)
        weights = [1] * len(items) if weights is None else list(weights)
        job = _Job(items, weights, asyncio.get_running_loop().create_future())
        if not items:
            return []
        self._waiting.append(job)
        self._arrived.set()
        return await job.future  # cancelling the caller cancels the future: the loop then skips it

    async def run_alone(self, function: Callable, *args):
        """Run ``function(*args)`` in the model thread, between batches (e.g. an explanation)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def _next_batch(self) -> list[tuple[_Job, int, int]]:
        """Wait for a request, then up to max_wait for more (or until max_batch items wait); then
        (job, start, stop) parts, first come first served, within max_batch items and max_batch_weight."""
        while not self._waiting:
            self._arrived.clear()
            await self._arrived.wait()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while sum(job.left for job in self._waiting) < self.max_batch and (left := deadline - loop.time()) > 0:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                break
        parts: list[tuple[_Job, int, int]] = []
        size, weight = 0, 0.0
        while self._waiting and self._waiting[0].future.done():  # cancelled or failed: nothing more to score
            self._waiting.popleft()
        while self._waiting:
            job = self._waiting[0]
            if parts and size + job.left > self.max_batch:  # a request is never split by its number of items
                break
            start = stop = job.taken
            while stop < len(job.items) and (size == 0 or weight + job.weights[stop] <= self.max_batch_weight):
                size, weight, stop = size + 1, weight + job.weights[stop], stop + 1
            if stop == start:
                break
            job.taken = stop
            parts.append((job, start, stop))
            self._waiting.popleft()
            if job.left:  # the rest of a heavy request waits for this part to be scored (see _loop)
                break
        return parts

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            parts = [part for part in await self._next_batch() if not part[0].future.done()]  # cancelled ones leave
            if not parts:
                continue
            items = [item for job, start, stop in parts for item in job.items[start:stop]]
            try:
                results = await loop.run_in_executor(self._executor, self.score, items)
            except asyncio.CancelledError:
                for job, _, _ in parts:
                    job.future.cancel()
                raise
            except Exception as error:  # the batch's requests get the error; the loop goes on
                for job, _, _ in parts:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            self.batches += 1
            self.items += len(items)
            offset = 0
            for job, start, stop in parts:
                job.results.extend(results[offset : offset + stop - start])
                offset += stop - start
                if job.future.done():
                    continue
                if job.left:  # its next part queues behind the requests that arrived while this one was scored
                    self._waiting.append(job)
                elif len(job.results) == len(job.items):
                    job.future.set_result(job.results)
