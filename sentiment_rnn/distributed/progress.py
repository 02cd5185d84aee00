"""Progress of a job of many items (files, seeds) as one line per finished item: done, rate, ETA."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Progress"]


class Progress:
    """Counts finished items of ``total`` (and the reviews or other units they held) since it was made.

    >>> clock = iter([0.0, 10.0]).__next__
    >>> progress = Progress(4, "files", unit="reviews", clock=clock)
    >>> progress.done("a.csv", 500)
    'a.csv: 1/4 files done, 50 reviews/s, ETA 0:00:30'
    """

    def __init__(self, total: int, noun: str, *, unit: str | None = None, clock: Callable[[], float] = time.monotonic):
        self.total, self.noun, self.unit, self.clock = total, noun, unit, clock
        self.count = 0
        self.units = 0
        self.start = clock()

    def done(self, name: str, units: int = 0, note: str = "") -> str:
        """Record one finished item; return the line to show."""
        self.count += 1
        self.units += units
        elapsed = max(self.clock() - self.start, 1e-9)
        if self.unit:
            rate = f", {self.units / elapsed:,.0f} {self.unit}/s"
        else:
            rate = f", {self.count / elapsed * 60:.2f} {self.noun}/min"
        eta = elapsed / self.count * (self.total - self.count)
        seconds = round(eta)
        return (f"{name}: {self.count}/{self.total} {self.noun} done{rate}, "
                f"ETA {seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{note}")
