"""Signals while training: SIGTERM and SIGHUP (``timeout``, ``docker stop``, Slurm, a closed terminal)
raised as Ctrl-C is, so the fit loop saves its checkpoint; and blocks that run whole, with Ctrl-C held
until they end, so a checkpoint never holds half an update.
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["TERMINATING_SIGNALS", "termination_as_interrupt", "interrupts_held"]


# What ``timeout``, ``docker stop``, Slurm and a closed terminal send: treated as Ctrl-C while training.
TERMINATING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread as Ctrl-C is, so training saves its checkpoint."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signal = signum


def _raise_terminated(signum, frame):
    raise _Terminated(signum)


@contextlib.contextmanager
def _signals_handled(signals, handler):
    """Run the block with ``handler`` for each of ``signals`` that is not ignored (``nohup``), then put the
    previous handlers back; yield the previous handlers. Signals reach only the main thread: elsewhere
    the block simply runs (and gets an empty dict)."""
    if threading.current_thread() is not threading.main_thread():
        yield {}
        return
    previous = {signum: signal.getsignal(signum) for signum in signals}
    for signum, before in previous.items():
        if before is not None and before != signal.SIG_IGN:
            signal.signal(signum, handler)
    try:
        yield previous
    finally:
        for signum, before in previous.items():
            if before is not None:
                signal.signal(signum, before)


def termination_as_interrupt():
    """While the block runs, SIGTERM and SIGHUP raise like Ctrl-C (a KeyboardInterrupt carrying the
    signal's number)."""
    return _signals_handled(TERMINATING_SIGNALS, _raise_terminated)


@contextlib.contextmanager
def interrupts_held():
    """Hold Ctrl-C (SIGINT), SIGTERM and SIGHUP until the block ends, so the block runs whole or not at
    all; a signal that came meanwhile is then delivered to the handler it was meant for."""
    held = []
    with _signals_handled((signal.SIGINT, *TERMINATING_SIGNALS), lambda number, frame: held.append((number, frame))) \
            as previous:
        yield
    if held:
        signum, frame = held[-1]
        if callable(previous[signum]):
            previous[signum](signum, frame)
        elif signum == signal.SIGINT and previous[signum] == signal.SIG_DFL:
            raise KeyboardInterrupt
        elif previous[signum] == signal.SIG_DFL:
            signal.raise_signal(signum)
