"""Micro-batching: requests that arrive together are scored together, in one thread that owns the model.

Every request hands its items (texts) to :meth:`MicroBatcher.submit` and awaits their results. A loop
takes the first waiting request, waits at most ``max_wait`` seconds for others to join (or until
``max_batch`` items are waiting), and scores all their items with one call of ``score`` in the
model thread; the results are handed back in order. While the model thread is busy, new requests
queue up and form the next batch, so under concurrency the batches grow by themselves and
throughput approaches the speed of batch inference.

A request cancelled while it waits (its client went away, the server shuts down) is dropped from
its batch; one cancelled while its batch is scored simply gets no result. Neither blocks the loop.

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
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Sequence

__all__ = ["MicroBatcher"]


@dataclass(eq=False)
class _Job:
    items: Sequence[Any]
    future: asyncio.Future


class MicroBatcher:
    """Scores the items of concurrent requests in batches, one batch at a time, in one thread.

    ``score(items) -> results`` gets a list of items and returns one result per item, in order; an
    exception it raises is raised in every request of that batch.
    """

    def __init__(self, score: Callable[[list], list], max_batch: int = 256, max_wait: float = 0.002):
        self.score = score
        self.max_batch = max_batch
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

    async def submit(self, items: Sequence[Any]) -> list:
        """Score ``items`` with those of the requests that arrive together; their results, in order."""
        if self._task is None or self._task.done():
            raise RuntimeError("the batcher is not running")
        job = _Job(list(items), asyncio.get_running_loop().create_future())
        self._waiting.append(job)
        self._arrived.set()
        return await job.future  # cancelling the caller cancels the future: the loop then skips it

    async def run_alone(self, function: Callable, *args):
        """Run ``function(*args)`` in the model thread, between batches (e.g. an explanation)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def _next_batch(self) -> list[_Job]:
        """Wait for a request, then up to max_wait for more (or until max_batch items wait)."""
        while not self._waiting:
            self._arrived.clear()
            await self._arrived.wait()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while sum(len(job.items) for job in self._waiting) < self.max_batch and (left := deadline - loop.time()) > 0:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                break
        batch: list[_Job] = []
        size = 0
        while self._waiting and (not batch or size + len(self._waiting[0].items) <= self.max_batch):
            job = self._waiting.popleft()
            size += len(job.items)
            batch.append(job)
        return batch

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [job for job in await self._next_batch() if not job.future.done()]  # cancelled ones leave
            if not batch:
                continue
            items = [item for job in batch for item in job.items]
            try:
                results = await loop.run_in_executor(self._executor, self.score, items)
            except asyncio.CancelledError:
                for job in batch:
                    job.future.cancel()
                raise
            except Exception as error:  # the batch's requests get the error; the loop goes on
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            self.batches += 1
            self.items += len(items)
            start = 0
            for job in batch:
                if not job.future.done():
                    job.future.set_result(results[start : start + len(job.items)])
                start += len(job.items)
