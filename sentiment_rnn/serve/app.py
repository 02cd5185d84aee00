"""The ASGI application: routes, error handling and the model's lifetime in one worker process.

=====================  ===========================================================================
``GET  /``             the page (``static/``): type a review, see the running P(positive)
``POST /v1/predict``   ``{"texts": [...]}`` or ``{"text": "..."}`` -> label, probabilities, tokens read
``POST /v1/explain``   ``{"text": "..."}`` -> the trajectory of ``sentiment-rnn explain --json``
``GET  /v1/model``     name, classes, training provenance, recorded accuracy
``GET  /healthz``      liveness, with batching counters
``GET  /openapi.json`` the OpenAPI description
=====================  ===========================================================================

The model is loaded once per worker, when the worker starts. Predictions go through the
micro-batcher; explanations run in the same model thread between batches. Every refusal is a 4xx
with ``{"error": {"code", "message"}}``; nothing a client sends reaches a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import os
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sentiment_rnn.serve import scoring
from sentiment_rnn.serve.batcher import MicroBatcher
from sentiment_rnn.serve.openapi import openapi_document
from sentiment_rnn.serve.settings import Settings
from sentiment_rnn.serve.validation import ApiError, read_json_body, text_from, texts_from

__all__ = ["create_app", "create_app_from_environment"]

STATIC_FILES = {"index.html": "text/html; charset=utf-8", "page.css": "text/css; charset=utf-8",
                "page.js": "text/javascript; charset=utf-8"}
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def _static_files() -> dict[str, bytes]:
    folder = importlib.resources.files("sentiment_rnn.serve").joinpath("static")
    return {name: folder.joinpath(name).read_bytes() for name in STATIC_FILES}


class Service:
    """What one worker holds: the settings, the model, its description and the batcher."""

    def __init__(self, settings: Settings):
        from sentiment_rnn.io.serialization import load_model

        self.settings = settings
        self.model = load_model(settings.model_path)
        self.bow = scoring.load_bow_weights()
        self.description = scoring.model_description(self.model, settings.model_path, self.model.metadata_)
        self.batcher = MicroBatcher(lambda tokenized: scoring.predict_tokens(self.model, tokenized),
                                    max_batch=settings.max_batch_texts, max_wait=settings.batch_wait_ms / 1000,
                                    max_batch_weight=settings.max_batch_tokens)
        self.static = _static_files()

    async def body(self, request: Request):
        return await read_json_body(request, self.settings.max_body_bytes, self.settings.body_timeout)


def _service(request: Request) -> Service:
    return request.app.state.service


async def predict(request: Request) -> Response:
    service = _service(request)
    texts = texts_from(await service.body(request), service.settings.max_texts, service.settings.max_text_chars)
    tokenized = await asyncio.to_thread(scoring.tokenize_texts, texts)  # not in the model thread
    tokens = [len(words) for words, _ in tokenized]
    limit = service.settings.max_request_tokens
    if sum(tokens) > limit:
        raise ApiError(413, "too_many_tokens", f"the texts have {sum(tokens):,} tokens together once read; the limit "
                       f"is {limit:,} (send them in several requests)", limit=limit)
    results = await service.batcher.submit(tokenized, weights=tokens)
    empty = [i for i, result in enumerate(results) if result is None]
    if empty:
        raise ApiError(422, "no_words", f"texts[{empty[0]}] has no words to predict from (only control characters "
                       "or white space)", indices=empty)
    return JSONResponse({"model": service.description["name"], "results": results})


async def explain(request: Request) -> Response:
    service = _service(request)
    text = text_from(await service.body(request), service.settings.max_text_chars)
    try:
        explanation = await service.batcher.run_alone(
            scoring.explain_text, service.model, service.bow, text, service.settings.max_explain_tokens)
    except scoring.TextRejected as error:
        raise ApiError(error.status, error.code, str(error), **error.details) from None
    return JSONResponse({"model": service.description["name"], **explanation})


async def model_info(request: Request) -> Response:
    return JSONResponse(_service(request).description)


async def healthz(request: Request) -> Response:
    service = _service(request)
    return JSONResponse({"status": "ok", "model": service.description["name"], "pid": os.getpid(),
                         "batches": service.batcher.batches, "texts_scored": service.batcher.items})


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(_service(request).settings))


async def page(request: Request) -> Response:
    name = request.path_params.get("name", "index.html")
    if name not in STATIC_FILES:
        raise HTTPException(404)
    return Response(_service(request).static[name], media_type=STATIC_FILES[name],
                    headers={"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "no-cache"})


async def no_icon(request: Request) -> Response:
    return Response(status_code=204)  # browsers ask for one; the page has none


async def _api_error(request: Request, error: ApiError) -> Response:
    return JSONResponse(error.body(), status_code=error.status)


async def _http_error(request: Request, error: HTTPException) -> Response:
    code = HTTP_ERROR_CODES.get(error.status_code, "http_error")
    message = {404: f"no such endpoint: {request.url.path}",
               405: f"{request.method} is not allowed on {request.url.path}"}.get(error.status_code, str(error.detail))
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=error.status_code,
                        headers=error.headers)


async def _client_gone(request: Request, error: ClientDisconnect) -> Response:
    return Response(status_code=400)  # nobody reads it: the client closed the connection mid-request


def create_app(settings: Settings | None = None) -> ASGIApp:
    """The application (Starlette inside the ASGI middlewares below); the model is loaded when it starts
    (once per worker)."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        service = Service(settings)
        service.batcher.start()
        app.state.service = service
        try:
            yield
        finally:
            await service.batcher.close()

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/static/{name}", page, methods=["GET"]),
        Route("/favicon.ico", no_icon, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/v1/model", model_info, methods=["GET"]),
        Route("/v1/predict", predict, methods=["POST"]),
        Route("/v1/explain", explain, methods=["POST"]),
    ]
    handlers: dict[type[Exception], Callable[..., Awaitable[Response]]] = {
        ApiError: _api_error, HTTPException: _http_error, ClientDisconnect: _client_gone}
    app = _AnswerWhenCancelled(Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan))
    return app if "*" in settings.allowed_hosts else _AllowedHosts(app, settings.allowed_hosts)


class _AnswerWhenCancelled:
    """ASGI middleware: a request still running when the server's shutdown grace period ends is cancelled by
    uvicorn; it is answered 503 with a JSON error (uvicorn would answer a plain-text 500 and log a traceback)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        started = False

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except asyncio.CancelledError:
            if scope["type"] != "http" or started:
                raise
            body = {"error": {"code": "shutting_down",
                              "message": "the server stopped before this request was answered; send it again"}}
            await JSONResponse(body, status_code=503, headers={"Connection": "close"})(scope, receive, send)


class _AllowedHosts:
    """ASGI middleware: a request whose Host header names none of ``allowed`` (a DNS-rebinding page, a typo) is
    answered 400 with a JSON error before it reaches a route."""

    def __init__(self, app, allowed: tuple[str, ...]):
        self.app, self.allowed = app, {name.lower() for name in allowed}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host  # without its port
            if name not in self.allowed:
                body = {"error": {"code": "host_not_allowed", "message": f"the Host header {host!r} is not one of "
                                  "this server's names (serve --allowed-host)"}}
                return await JSONResponse(body, status_code=400)(scope, receive, send)
        return await self.app(scope, receive, send)


def create_app_from_environment() -> ASGIApp:
    """The factory each uvicorn worker calls: settings from the environment (see ``settings.py``)."""
    from sentiment_rnn.serve.server import watch_supervisor

    settings = Settings.from_environment()
    watch_supervisor(settings.shutdown_timeout + 5)
    return create_app(settings)
