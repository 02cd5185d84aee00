"""`sentiment-rnn serve`: the HTTP API and its page (the serve extra is imported only when it runs)."""

from __future__ import annotations

import click

from sentiment_rnn.cli.options import fail_cleanly, model_option


@click.command()
@model_option
@click.option("--host", default="127.0.0.1", help="Address to listen on (another one exposes the server).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, help="Worker processes, each with its own model.")
@click.option("--max-texts", type=click.IntRange(1), default=256, help="Most texts in one request.")
@click.option("--max-text-chars", type=click.IntRange(1), default=100_000, help="Longest text, in characters.")
@click.option("--max-body-bytes", type=click.IntRange(1), default=1_048_576, help="Largest request body, in bytes.")
@click.option("--batch-wait-ms", type=click.FloatRange(0, 1000, min_open=True), default=2.0,
              help="How long a request waits for others to be scored with it.")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), default=10.0,
              help="Seconds a client has to send a request's headers, and again its body.")
@click.option("--access-log/--no-access-log", default=True, help="Log one line per request on stderr.")
@fail_cleanly
def serve(model_path, host, port, workers, max_texts, max_text_chars, max_body_bytes, batch_wait_ms, timeout,
          access_log):
    """Serve the model over HTTP: a JSON API (/v1/predict, /v1/explain, /v1/model) and a page at /.

    Needs the serve extra (pip install "sentiment-rnn[serve]"). Stops on Ctrl-C or SIGTERM after
    the requests in flight are answered. The API is described at /openapi.json.

    \b
    Example:
      sentiment-rnn serve --port 8000
      curl -s 127.0.0.1:8000/v1/predict -H 'Content-Type: application/json' -d '{"text": "not bad at all"}'
    """
    try:
        from sentiment_rnn import serve as server
    except ImportError as error:
        raise click.ClickException(f'serve needs the serve extra: pip install "sentiment-rnn[serve]" ({error})') from None
    from sentiment_rnn.io.serialization import read_metadata

    read_metadata(model_path)  # a bad model file fails here, in one line, before any worker starts
    settings = server.Settings(model_path=None if model_path is None else str(model_path.resolve()),
                               max_texts=max_texts, max_text_chars=max_text_chars, max_body_bytes=max_body_bytes,
                               batch_wait_ms=batch_wait_ms, head_timeout=timeout, body_timeout=timeout)
    server.run(settings, host=host, port=port, workers=workers, access_log=access_log)

