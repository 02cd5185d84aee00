"""How much memory a process may have, and the one check that a computation fits before it starts.

A size that cannot fit (``--hidden-size 1000000``, a 10-million-word training text, ``--attention-size
1000000000``) is refused up front with the memory it would need, instead of a MemoryError traceback, or
the machine swapping, minutes later.

>>> memory_budget() > 0
True
>>> check_fits(2**60, "a table of 2**60 bytes", "make it smaller")
Traceback (most recent call last):
...
sentiment_rnn.memory.MemoryBudgetError: a table of 2**60 bytes would need 1073741824.0 GiB of memory; ...
"""

from __future__ import annotations

import os

from sentiment_rnn.errors import SentimentRNNError

__all__ = ["MemoryBudgetError", "memory_budget", "check_fits"]


class MemoryBudgetError(SentimentRNNError, MemoryError):
    """A computation would need more memory than this process may have (also a MemoryError)."""


def memory_budget() -> int:
    """Bytes this process may use at most: the machine's physical memory, or less under a resource limit
    (``ulimit -v`` / ``ulimit -d``)."""
    budget = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 2**63
    try:
        import resource
    except ImportError:  # Windows
        return budget
    for limit in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
        soft, _ = resource.getrlimit(limit)
        if soft != resource.RLIM_INFINITY:
            budget = min(budget, soft)
    return budget


def check_fits(needed_bytes: int, what: str, advice: str) -> None:
    """Raise MemoryBudgetError, naming ``what`` needs how much and what to do (``advice``), unless
    ``needed_bytes`` fit in :func:`memory_budget`."""
    budget = memory_budget()
    if needed_bytes > budget:
        raise MemoryBudgetError(f"{what} would need {needed_bytes / 2**30:.1f} GiB of memory; this process may have "
                                f"{budget / 2**30:.1f} GiB: {advice}")
