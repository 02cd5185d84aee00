"""The OpenAPI 3.1 description of the server's endpoints, served at ``GET /openapi.json``."""

from __future__ import annotations

from sentiment_rnn.serve.settings import Settings
from sentiment_rnn.version import __version__

__all__ = ["openapi_document"]


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    reasons = {400: "invalid JSON, invalid UTF-8 or an empty body", 408: "the body did not arrive in time",
               413: "the body, a text or the number of texts is over the limits",
               415: "the body is not sent as application/json",
               422: "wrong types, missing or unknown fields, an empty list or a text with no words"}
    return {str(s): _json({"$ref": "#/components/schemas/Error"}, reasons[s]) for s in statuses}


def openapi_document(settings: Settings) -> dict:
    probabilities = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                     "description": "probability of each class"}
    text = {"type": "string", "minLength": 1, "maxLength": settings.max_text_chars}
    prediction = {
        "type": "object",
        "required": ["label", "probabilities", "tokens_read", "truncated"],
        "properties": {
            "label": {"type": "string"},
            "p_positive": {"type": "number", "description": "when the model has a 'positive' class"},
            "probabilities": probabilities,
            "tokens_read": {"type": "integer", "description": "tokens the model read"},
            "truncated": {"type": "boolean",
                          "description": "only the text's end was read (over 20,000 characters, or the model's "
                                         "max_len)"},
        },
    }
    step = {"type": "object", "properties": {
        "token": {"type": "string"}, "in_vocabulary": {"type": "boolean"}, "label": {"type": "string"},
        "p_positive": {"type": "number"}, "probabilities": probabilities,
        "bow_weight": {"type": "number", "description": "the token's weight (log-odds) in the bag of words"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "sentiment-rnn", "version": __version__,
                 "description": "Sentiment of English text from a recurrent network written in NumPy."},
        "paths": {
            "/v1/predict": {"post": {
                "summary": "Predict the sentiment of one or more texts",
                "description": f"At most {settings.max_texts} texts of at most {settings.max_text_chars:,} characters, "
                               f"in a body of at most {settings.max_body_bytes:,} bytes. Concurrent requests are "
                               "scored together.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                    {"type": "object", "required": ["texts"], "additionalProperties": False, "properties": {
                        "texts": {"type": "array", "items": text, "minItems": 1, "maxItems": settings.max_texts}}},
                    {"type": "object", "required": ["text"], "additionalProperties": False,
                     "properties": {"text": text}},
                ]}, "example": {"texts": ["this movie is not good", "not bad at all , actually quite fun"]}}}},
                "responses": {"200": _json({"type": "object", "properties": {
                    "model": {"type": "string"}, "results": {"type": "array", "items": prediction}}},
                    "one prediction per text, in order"), **_errors(400, 408, 413, 415, 422)},
            }},
            "/v1/explain": {"post": {
                "summary": "The running sentiment after every token, beside bag-of-words weights",
                "description": f"One step per token (at most {settings.max_explain_tokens:,} tokens); the output of "
                               "`sentiment-rnn explain --json`. For a review model, `review` is the composition of "
                               "its verdict (the bias and each sentence's share, in log-odds), `bag_of_words` the "
                               "n-gram part of it, and each step says its `sentence`.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["text"], "additionalProperties": False,
                    "properties": {"text": text}}, "example": {"text": "this movie is not good"}}}},
                "responses": {"200": _json({"type": "object", "properties": {
                    "model": {"type": "string"}, "tokens": {"type": "array", "items": {"type": "string"}},
                    "prediction": {"type": "object"}, "trajectory": {"type": "array", "items": step},
                    "baseline": {"type": ["object", "null"]}, "review": {"type": "object"},
                    "bag_of_words": {"type": "object"}}}, "the trajectory"),
                    **_errors(400, 408, 413, 415, 422)},
            }},
            "/v1/model": {"get": {"summary": "The model: name, classes, training provenance, recorded accuracy",
                                  "responses": {"200": _json({"type": "object"}, "the model's description")}}},
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": _json({"type": "object"}, "ok")}}},
            "/openapi.json": {"get": {"summary": "This document",
                                      "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")}}},
            "/": {"get": {"summary": "The page that shows the sentence being read",
                          "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
        },
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "limit": {"type": "integer"}}}}}}},
    }
