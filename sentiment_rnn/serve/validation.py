"""Reading and checking a request: every way a client can get it wrong becomes an :class:`ApiError`
(a 4xx status, a short code and a sentence saying what is wrong), before any scoring starts.

>>> texts_from({"text": "good"}, max_texts=4, max_text_chars=10)
['good']
>>> try:
...     texts_from({"texts": []}, max_texts=4, max_text_chars=10)
... except ApiError as error:
...     print(error.status, error.code, error.message)
422 empty_list 'texts' is an empty list; give at least one text
"""

from __future__ import annotations

import asyncio
import json

__all__ = ["ApiError", "read_json_body", "text_from", "texts_from"]


class ApiError(Exception):
    """A request the server refuses: answered with ``status`` and ``{"error": {code, message, ...}}``."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


async def read_json_body(request, max_bytes: int, timeout: float):
    """The request's JSON body, checked for media type, size (before and while reading), time to
    arrive, UTF-8 and JSON syntax."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        shown = media_type or "none"
        raise ApiError(415, "unsupported_media_type",
                       f"the body must be JSON sent as Content-Type: application/json (got {shown})")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "bad_content_length", "Content-Length is not a number")
        if int(declared) > max_bytes:
            raise ApiError(413, "body_too_large", f"the body has {int(declared):,} bytes; the limit is {max_bytes:,}",
                           limit=max_bytes)
    body = bytearray()

    async def read_all() -> None:
        async for piece in request.stream():
            body.extend(piece)
            if len(body) > max_bytes:
                raise ApiError(413, "body_too_large", f"the body is over the limit of {max_bytes:,} bytes",
                               limit=max_bytes)

    try:
        await asyncio.wait_for(read_all(), timeout)  # asyncio.timeout() would need Python 3.11
    except asyncio.TimeoutError:  # the built-in TimeoutError from Python 3.11 on
        raise ApiError(408, "body_timeout", f"the body did not arrive within {timeout:g} s") from None
    if not body.strip():
        raise ApiError(400, "empty_body", "the body is empty; send a JSON object")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ApiError(400, "invalid_utf8", f"the body is not valid UTF-8 (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise ApiError(400, "invalid_json",
                       f"the body is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise ApiError(400, "invalid_json", f"the body cannot be read as JSON: {str(error)[:120]}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "the body is not valid JSON: nested too deeply") from None


def _object(payload, allowed: tuple[str, ...]) -> dict:
    if not isinstance(payload, dict):
        raise ApiError(422, "wrong_type", f"the body must be a JSON object, not {_json_type(payload)}")
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field {unknown[0]!r}; expected {' or '.join(allowed)}")
    return payload


def _json_type(value) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _check_text(text, where: str, max_chars: int) -> str:
    if not isinstance(text, str):
        raise ApiError(422, "wrong_type", f"{where} must be a string, not {_json_type(text)}")
    if len(text) > max_chars:
        raise ApiError(413, "text_too_long", f"{where} has {len(text):,} characters; the limit is {max_chars:,}",
                       limit=max_chars)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, "invalid_text",
                       f"{where} holds a lone surrogate (\\ud800-\\udfff), not a character") from None
    if not text.strip():
        raise ApiError(422, "empty_text", f"{where} is empty or only white space")
    return text


def texts_from(payload, max_texts: int, max_text_chars: int) -> list[str]:
    """The texts of a predict request: ``{"texts": [str, ...]}`` or ``{"text": str}``."""
    payload = _object(payload, ("texts", "text"))
    if "texts" in payload and "text" in payload:
        raise ApiError(422, "ambiguous", "give either 'text' or 'texts', not both")
    if "text" in payload:
        return [_check_text(payload["text"], "'text'", max_text_chars)]
    if "texts" not in payload:
        raise ApiError(422, "missing_field", "the body needs 'texts' (a list of strings) or 'text' (a string)")
    texts = payload["texts"]
    if not isinstance(texts, list):
        raise ApiError(422, "wrong_type", f"'texts' must be a list of strings, not {_json_type(texts)}")
    if not texts:
        raise ApiError(422, "empty_list", "'texts' is an empty list; give at least one text")
    if len(texts) > max_texts:
        raise ApiError(413, "too_many_texts", f"'texts' has {len(texts):,} texts; the limit is {max_texts:,}",
                       limit=max_texts)
    return [_check_text(text, f"texts[{i}]", max_text_chars) for i, text in enumerate(texts)]


def text_from(payload, max_text_chars: int) -> str:
    """The text of an explain request: ``{"text": str}``."""
    payload = _object(payload, ("text",))
    if "text" not in payload:
        raise ApiError(422, "missing_field", "the body needs 'text' (a string)")
    return _check_text(payload["text"], "'text'", max_text_chars)
