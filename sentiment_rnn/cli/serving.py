"""`sentiment-rnn serve`: the HTTP API and its page (the serve extra is imported only when it runs)."""

from __future__ import annotations

import click

from sentiment_rnn.cli.options import Number, fail_cleanly, model_option


@click.command()
@model_option
@click.option("--host", default="127.0.0.1", help="Address to listen on (another one exposes the server).")
@click.option("--port", type=Number(int, 0, 65535), default=8000, help="Port to listen on.")
@click.option("--workers", type=Number(int, 1, 64), default=1, help="Worker processes, each with its own model.")
@click.option("--max-texts", type=Number(int, 1), default=256, help="Most texts in one request.")
@click.option("--max-text-chars", type=Number(int, 1), default=100_000, help="Longest text, in characters.")
@click.option("--max-body-bytes", type=Number(int, 1), default=1_048_576, help="Largest request body, in bytes.")
@click.option("--max-request-tokens", type=Number(int, 1), default=50_000,
              help="Most tokens in one request, all its texts together once read (more: 413).")
@click.option("--max-batch-tokens", type=Number(int, 1), default=10_000,
              help="Most tokens scored in one batch; a heavier request is scored a part at a time.")
@click.option("--batch-wait-ms", type=Number(float, 0, 1000, open="low"), default=2.0,
              help="How long a request waits for others to be scored with it.")
@click.option("--timeout", type=Number(float, 0, open="low"), default=10.0,
              help="Seconds a client has to send a request's headers, and again its body.")
@click.option("--shutdown-timeout", type=Number(float, 0, open="low"), default=30.0,
              help="Seconds the requests in flight get to finish on SIGTERM; later ones are answered 503.")
@click.option("--access-log/--no-access-log", default=True, help="Log one line per request on stderr.")
@click.option("--allowed-host", "allowed_hosts", multiple=True,
              help="A name the Host header of a request may give, besides localhost, 127.0.0.1, [::1] and --host "
                   "(a server reached by another name answers 400: DNS rebinding); repeat for several, * for any.")
@fail_cleanly
def serve(model_path, host, port, workers, max_texts, max_text_chars, max_body_bytes, max_request_tokens,
          max_batch_tokens, batch_wait_ms, timeout, access_log, allowed_hosts, shutdown_timeout):
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
        raise click.ClickException(f'serve needs the serve extra: pip install "sentiment-rnn[serve]" ({error})')
    from sentiment_rnn.io.serialization import load_model

    load_model(model_path)  # a bad model file (its shapes, its weights) fails here, in one line, before any worker
    settings = server.Settings(model_path=None if model_path is None else str(model_path.resolve()),
                               max_texts=max_texts, max_text_chars=max_text_chars, max_body_bytes=max_body_bytes,
                               max_request_tokens=max_request_tokens, max_batch_tokens=max_batch_tokens,
                               batch_wait_ms=batch_wait_ms, head_timeout=timeout, body_timeout=timeout,
                               shutdown_timeout=shutdown_timeout,
                               allowed_hosts=(*server.Settings.allowed_hosts, f"[{host}]" if ":" in host else host,
                                              *allowed_hosts))
    server.run(settings, host=host, port=port, workers=workers, access_log=access_log)

