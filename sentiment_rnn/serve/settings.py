"""The server's options: the model, the limits on what a client may send, micro-batching and timeouts.

One frozen dataclass, given to :func:`sentiment_rnn.serve.app.create_app`; ``--workers N`` hands it to
each worker process as JSON in an environment variable (uvicorn starts workers from an import string).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

from sentiment_rnn.io.predict import MAX_REVIEW_CHARS

__all__ = ["SETTINGS_VARIABLE", "Settings"]

SETTINGS_VARIABLE = "SENTIMENT_RNN_SERVE_SETTINGS"


@dataclass(frozen=True)
class Settings:
    model_path: str | None = None  # None: the shipped model
    # Limits: a request over one of them is answered 413 (size) or 422 (content), never scored.
    max_body_bytes: int = 1_048_576  # 1 MiB
    max_texts: int = 256  # texts in one request
    max_text_chars: int = 5 * MAX_REVIEW_CHARS  # longer: refused; over MAX_REVIEW_CHARS: read from its end
    max_explain_tokens: int = 1_000  # the explanation has one step per token
    max_request_tokens: int = 50_000  # the texts' tokens together, once normalised and read (413 over it)
    # Micro-batching: requests that arrive within batch_wait_ms are scored together.
    max_batch_texts: int = 256
    max_batch_tokens: int = 10_000  # a heavier request is scored a part at a time, others between its parts
    batch_wait_ms: float = 2.0
    # Timeouts, in seconds: a slow client cannot hold a connection forever.
    head_timeout: float = 10.0  # to send the request line and headers
    body_timeout: float = 10.0  # to send the body
    keep_alive_timeout: float = 5.0  # idle between requests
    shutdown_timeout: float = 30.0  # on SIGTERM, in-flight requests get this long to finish
    # The names a request's Host header may give (DNS rebinding: a page of another site that resolves to this
    # machine cannot talk to the server); "*" allows any.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")

    def __post_init__(self):
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))  # JSON gives a list
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name not in ("model_path", "allowed_hosts") and not value > 0:
                raise ValueError(f"{field.name} must be positive, got {value!r}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings a worker process was started with (defaults when the variable is not set)."""
        return cls(**json.loads(os.environ.get(SETTINGS_VARIABLE, "{}")))
