"""Running the application on uvicorn: worker processes, timeouts and graceful shutdown.

uvicorn stops on SIGTERM or Ctrl-C by closing its listening socket (new connections are refused),
letting in-flight requests finish (up to ``shutdown_timeout``) and then stopping the batcher.
Its HTTP protocol is given a deadline for the request line and headers, which uvicorn does not
have by itself: a client that trickles a header forever is disconnected after ``head_timeout``.
"""

from __future__ import annotations

import asyncio
import functools
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from sentiment_rnn.serve.settings import SETTINGS_VARIABLE, Settings

__all__ = ["SUPERVISOR_VARIABLE", "HeadTimeoutProtocol", "run", "watch_supervisor"]

SUPERVISOR_VARIABLE = "SENTIMENT_RNN_SERVE_SUPERVISOR"  # the pid of the process that started the workers


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head takes over ``head_timeout`` s."""

    def __init__(self, *args, head_timeout: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.head_timeout = head_timeout
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # part of a head: it must be complete in time
            if self._head_timer is None:
                self._arm_head_timer()
        else:  # a head arrived
            self._cancel_head_timer()

    def connection_lost(self, exc) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
        access_log: bool = True) -> None:
    """Serve until SIGTERM or Ctrl-C; each of ``workers`` processes loads the model once."""
    import uvicorn

    os.environ[SETTINGS_VARIABLE] = settings.to_json()  # read by every worker's app factory
    if workers > 1:  # each worker watches this process and stops when it is gone (kill -9 of the supervisor)
        os.environ[SUPERVISOR_VARIABLE] = str(os.getpid())
    uvicorn.run(
        "sentiment_rnn.serve.app:create_app_from_environment", factory=True,
        host=host, port=port, workers=workers, access_log=access_log,
        # uvicorn's annotations ask for a protocol class and whole seconds; it calls the factory and
        # hands the float timeouts to asyncio, both of which work.
        http=functools.partial(HeadTimeoutProtocol, head_timeout=settings.head_timeout),  # type: ignore[arg-type]
        timeout_keep_alive=settings.keep_alive_timeout,  # type: ignore[arg-type]
        timeout_graceful_shutdown=settings.shutdown_timeout,  # type: ignore[arg-type]
        lifespan="on", server_header=False,
    )


def watch_supervisor(grace: float) -> None:
    """In a worker process started by ``run(workers > 1)``: a daemon thread that, once the supervisor is gone
    (this process was handed to another parent), stops the worker as SIGTERM does and, should it still run
    ``grace`` seconds later, ends it; so that no orphan worker keeps holding the port."""
    import signal
    import threading
    import time

    supervisor = os.environ.get(SUPERVISOR_VARIABLE)
    if supervisor is None or int(supervisor) == os.getpid():
        return

    def watch() -> None:
        while os.getppid() == int(supervisor):
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        os._exit(1)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()
