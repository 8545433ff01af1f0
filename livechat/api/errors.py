"""JSON error bodies for every error, and never a stack trace to the client.

Body: ``{"error": "<code>", "message": "<English, for developers>", ...details}``.
"""
from __future__ import annotations

import json
import logging
import math
from http import HTTPStatus
from typing import Any

from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from livechat.errors import ApiError
from livechat.validation import ValidationError

logger = logging.getLogger(__name__)

# Rasa events and customer details nest a few levels; deeper bodies are refused before use.
MAX_JSON_DEPTH = 64


def _code(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def error_body(exception: BaseException) -> tuple:
    """(status, body) for any exception."""
    if isinstance(exception, ApiError):
        return exception.status, {"error": exception.code, "message": exception.message, **exception.details}
    if isinstance(exception, ValidationError):
        return 422, {"error": "validation_error", "field": exception.field, "message": str(exception)}
    if isinstance(exception, SanicException):
        status = int(getattr(exception, "status_code", 500) or 500)
        if status >= 500:
            return status, {"error": _code(status), "message": "internal error"}
        message = str(exception) or HTTPStatus(status).phrase
        return status, {"error": _code(status), "message": message}
    return 500, {"error": "internal_error", "message": "internal error"}


class JsonErrorHandler(ErrorHandler):
    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        status, body = error_body(exception)
        if status >= 500:
            logger.error("error while handling %r", getattr(request, "path", "?"), exc_info=exception)
        return json_response(body, status=status)


class _NotANumber(ValueError):
    """NaN, Infinity or -Infinity (or 1e999): Python's json accepts them, JSON does not."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotANumber(text)
    return value


def _no_constant(constant: str) -> Any:
    raise _NotANumber(constant)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays are nested more than `limit` levels (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(raw: bytes | str, what: str = "request body") -> Any:
    """Strict JSON: no NaN or Infinity and at most MAX_JSON_DEPTH levels; ApiError 400 otherwise.
    `what` names the input in the error message (a request body, a desk socket message)."""
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError as error:
        raise ApiError(400, "bad_request", f"{what} is nested deeper than {MAX_JSON_DEPTH} levels") from error
    except _NotANumber as error:
        message = f"{what} contains NaN, Infinity or a number too large: JSON has no such numbers"
        raise ApiError(400, "bad_request", message) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "bad_request", f"{what} is not valid JSON") from error
    if _deeper_than(data, MAX_JSON_DEPTH):
        raise ApiError(400, "bad_request", f"{what} is nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def read_json(request: Request) -> Any:
    """The parsed body; 400 when it is missing, not strict JSON or nested too deep."""
    if not request.body:
        raise ApiError(400, "bad_request", "request body is empty; expected JSON")
    return parse_json(request.body)


def ok(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return json_response(body, status=status)
