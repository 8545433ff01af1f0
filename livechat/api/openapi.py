"""The API's own description: `GET /api/openapi.json` serves `livechat/openapi.yaml` as JSON.

The YAML file in the repository is the one home of the contract; tests check it against the
routes and the validation limits, and fuzz the running service from it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from livechat.api.errors import ok
from naadloos.core.yaml_file import read_yaml

OPENAPI_FILE = Path(__file__).resolve().parents[1] / "openapi.yaml"

bp = Blueprint("openapi")


@lru_cache(maxsize=1)
def openapi_description() -> dict[str, Any]:
    """The parsed description, read on first use (not at import)."""
    description = read_yaml(OPENAPI_FILE, "OpenAPI description", RuntimeError)
    if not isinstance(description, dict):
        raise RuntimeError(f"OpenAPI description file {OPENAPI_FILE} is not a mapping")
    return description


@bp.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    return ok(openapi_description())
