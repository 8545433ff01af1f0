"""JSON error bodies for every error, and never a stack trace to the client.

Body: ``{"error": "<code>", "message": "<English, for developers>", ...details}``.
"""
from __future__ import annotations

import json
import logging
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
            logger.error("error while handling %s", getattr(request, "path", "?"), exc_info=exception)
        return json_response(body, status=status)


def read_json(request: Request) -> Any:
    """The parsed body; 400 when it is missing or not JSON."""
    if not request.body:
        raise ApiError(400, "bad_request", "request body is empty; expected JSON")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "bad_request", "request body is not valid JSON") from error


def ok(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return json_response(body, status=status)
