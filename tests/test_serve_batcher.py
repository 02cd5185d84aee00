"""The micro-batcher on its own: requests that arrive together share a batch, results go back in
order, and cancelled requests or a failing batch never block the loop."""

from __future__ import annotations

import asyncio
import doctest
import threading

import pytest

from sentiment_rnn.serve import batcher as batcher_module
from sentiment_rnn.serve.batcher import MicroBatcher


def test_module_doctests_pass():
    assert doctest.testmod(batcher_module).failed == 0


class Recorder:
    """A score function that records its batches; it can be held (to fill the queue) or made to fail."""

    def __init__(self):
        self.batches: list[list] = []
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()
        self.fail_on = None

    def __call__(self, items):
        self.started.set()
        self.release.wait(10)
        self.batches.append(list(items))
        if self.fail_on in items:
            raise ValueError(f"cannot score {self.fail_on}")
        return [item * 10 for item in items]


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 20))


def test_requests_arriving_together_share_a_batch_and_get_their_own_results():
    async def scenario():
        score = Recorder()
        batcher = MicroBatcher(score, max_batch=100, max_wait=0.05)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit([i, i + 100]) for i in range(10)))
        await batcher.close()
        return score, results

    score, results = run(scenario())
    assert results == [[10 * i, 10 * (i + 100)] for i in range(10)]
    assert len(score.batches) == 1 and len(score.batches[0]) == 20


def test_a_batch_holds_at_most_max_batch_items_but_a_big_request_is_never_split():
    async def scenario():
        score = Recorder()
        batcher = MicroBatcher(score, max_batch=5, max_wait=0.05)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit([i, i, i]) for i in range(4)), batcher.submit(list(range(7))))
        await batcher.close()
        return score, results

    score, results = run(scenario())
    assert results[:4] == [[10 * i] * 3 for i in range(4)] and results[4] == [10 * i for i in range(7)]
    assert [len(batch) for batch in score.batches] == [3, 3, 3, 3, 7]  # 3 + 3 > 5; 7 alone


def test_a_request_over_the_batch_weight_is_scored_in_parts_with_a_small_one_between():
    async def scenario():
        score = Recorder()
        score.release.clear()
        batcher = MicroBatcher(score, max_batch=100, max_wait=0.001, max_batch_weight=10)
        batcher.start()
        heavy = asyncio.ensure_future(batcher.submit(list(range(1, 9)), weights=[4] * 8))  # 32: four parts of 8
        await asyncio.to_thread(score.started.wait, 10)  # its first part is being scored
        tiny = asyncio.ensure_future(batcher.submit([100], weights=[1]))
        await asyncio.sleep(0.05)
        score.release.set()
        results = await asyncio.gather(heavy, tiny)
        await batcher.close()
        return score, results

    score, results = run(scenario())
    assert results == [[10 * i for i in range(1, 9)], [1000]]
    assert score.batches == [[1, 2], [100, 3, 4], [5, 6], [7, 8]]  # the tiny one waited for one part only


def test_requests_queue_up_while_a_batch_is_scored_and_form_the_next_one():
    async def scenario():
        score = Recorder()
        score.release.clear()
        batcher = MicroBatcher(score, max_batch=100, max_wait=0.001)
        batcher.start()
        first = asyncio.ensure_future(batcher.submit([1]))
        await asyncio.to_thread(score.started.wait, 10)  # batch [1] is being scored
        rest = [asyncio.ensure_future(batcher.submit([i])) for i in range(2, 8)]
        await asyncio.sleep(0.05)
        score.release.set()
        results = await asyncio.gather(first, *rest)
        await batcher.close()
        return score, results

    score, results = run(scenario())
    assert results == [[10 * i] for i in range(1, 8)]
    assert score.batches == [[1], [2, 3, 4, 5, 6, 7]]


def test_a_request_cancelled_while_waiting_leaves_its_batch_and_nothing_blocks():
    async def scenario():
        score = Recorder()
        score.release.clear()
        batcher = MicroBatcher(score, max_batch=100, max_wait=0.001)
        batcher.start()
        busy = asyncio.ensure_future(batcher.submit([1]))
        await asyncio.to_thread(score.started.wait, 10)
        gone = asyncio.ensure_future(batcher.submit([2]))
        stays = asyncio.ensure_future(batcher.submit([3]))
        await asyncio.sleep(0.01)
        gone.cancel()  # its client went away while the model thread was busy
        score.release.set()
        results = await asyncio.gather(busy, stays)
        later = await batcher.submit([4])  # the loop still serves
        await batcher.close()
        return score, results, later, gone

    score, results, later, gone = run(scenario())
    assert gone.cancelled()
    assert results == [[10], [30]] and later == [40]
    assert score.batches == [[1], [3], [4]]  # 2 was never scored


def test_a_request_cancelled_while_its_batch_is_scored_gets_nothing_and_the_others_their_results():
    async def scenario():
        score = Recorder()
        score.release.clear()
        batcher = MicroBatcher(score, max_batch=100, max_wait=0.02)
        batcher.start()
        gone = asyncio.ensure_future(batcher.submit([1]))
        stays = asyncio.ensure_future(batcher.submit([2]))
        await asyncio.to_thread(score.started.wait, 10)  # both in the batch being scored
        gone.cancel()
        await asyncio.sleep(0.01)
        score.release.set()
        result = await stays
        later = await batcher.submit([5])
        await batcher.close()
        return score, result, later

    score, result, later = run(scenario())
    assert score.batches[0] == [1, 2]
    assert result == [20] and later == [50]


def test_a_failing_batch_raises_in_its_requests_and_the_loop_goes_on():
    async def scenario():
        score = Recorder()
        score.fail_on = 13
        batcher = MicroBatcher(score, max_batch=100, max_wait=0.02)
        batcher.start()
        outcomes = await asyncio.gather(batcher.submit([13]), batcher.submit([1]), return_exceptions=True)
        later = await batcher.submit([2])
        await batcher.close()
        return outcomes, later

    outcomes, later = run(scenario())
    assert all(isinstance(outcome, ValueError) for outcome in outcomes)  # same batch, same error
    assert later == [20]


def test_close_cancels_waiting_requests_and_submit_after_close_raises():
    async def scenario():
        score = Recorder()
        score.release.clear()
        batcher = MicroBatcher(score, max_batch=100, max_wait=0.001)
        batcher.start()
        busy = asyncio.ensure_future(batcher.submit([1]))
        await asyncio.to_thread(score.started.wait, 10)
        waiting = asyncio.ensure_future(batcher.submit([2]))
        await asyncio.sleep(0.01)
        closing = asyncio.ensure_future(batcher.close())
        await asyncio.sleep(0.01)
        score.release.set()
        await closing
        with pytest.raises(RuntimeError, match="not running"):
            await batcher.submit([3])
        return busy, waiting

    busy, waiting = run(scenario())
    assert busy.cancelled() and waiting.cancelled()
