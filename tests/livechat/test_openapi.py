"""The API description (livechat/openapi.yaml) agrees with the service: the same routes and
methods, the same limits as livechat/validation.py, the real header and cookie names, a JSON
error body for every 4xx, and the running service serves exactly the file."""
from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import schemathesis
import yaml

from livechat import validation
from livechat.api.auth import SESSION_COOKIE
from livechat.api.openapi import OPENAPI_FILE
from livechat.app import create_app
from livechat.config import LiveChatConfig
from livechat.storage.schema import OUTCOMES, PRIORITIES
from naadloos.handover_contract.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from tests.livechat.helpers import FakeClock, running_service

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_SANIC_PARAMETER = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)(?::[^>]+)?>")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = spec["components"][kind][name]
    return node


def schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def routes_of_the_service(config: LiveChatConfig) -> set[tuple[str, str]]:
    """(path in OpenAPI form, method) of every route the app registers under /api."""
    app = create_app(config, name=f"openapi_{uuid.uuid4().hex[:12]}", background_tasks=False)
    found = set()
    for route in app.router.routes:
        uri = "/" + route.path.lstrip("/")
        if uri == "/api" or uri.startswith("/api/"):
            path = _SANIC_PARAMETER.sub(r"{\1}", uri)
            found |= {(path, method.lower()) for method in route.methods}
    return found


def test_every_api_route_is_described_with_its_methods_and_nothing_else(spec, config_for, tmp_path):
    routes = routes_of_the_service(config_for(f"sqlite:///{tmp_path / 'livechat.sqlite3'}"))
    described = {(path, method) for path, method, _ in operations(spec)}
    assert routes, "no /api routes found: the test does not see the app's routes"
    assert sorted(routes - described) == [], "routes missing from livechat/openapi.yaml"
    assert sorted(described - routes) == [], "livechat/openapi.yaml describes routes the service does not have"


def test_the_description_is_valid_openapi_3(spec):
    loaded = schemathesis.from_dict(spec, validate_schema=True)
    assert loaded.spec_version == "3.0.3"
    assert {operation.ok().verbose_name for operation in loaded.get_all_operations()} == {
        f"{method.upper()} {path}" for path, method, _ in operations(spec)
    }


def test_the_limits_are_those_of_the_validation(spec):
    handover = schema(spec, "NewHandover")["properties"]
    turn = schema(spec, "TranscriptTurn")["properties"]
    ticket = schema(spec, "NewTicket")["properties"]
    callback = schema(spec, "NewCallback")["properties"]
    message = resolve(spec, spec["paths"]["/api/conversations/{conversation_id}/messages"]["post"]["requestBody"])
    message_fields = message["content"]["application/json"]["schema"]["properties"]
    for body in (handover, ticket, callback):
        assert body["conversation_id"]["maxLength"] == validation.MAX_CONVERSATION_ID
        assert body["idempotency_key"]["maxLength"] == validation.MAX_ID
    assert handover["summary"]["maxLength"] == ticket["summary"]["maxLength"] == validation.MAX_SUMMARY
    assert schema(spec, "MessageText")["maxLength"] == turn["text"]["maxLength"] == validation.MAX_TEXT
    assert message_fields["message_id"]["maxLength"] == turn["message_id"]["maxLength"] == validation.MAX_ID
    assert schema(spec, "Transcript")["maxItems"] == validation.MAX_TRANSCRIPT_TURNS
    assert handover["events"]["maxItems"] == validation.MAX_EVENTS
    assert schema(spec, "FreeObject")["maxProperties"] == validation.MAX_MAPPING_KEYS
    assert tuple(turn["role"]["enum"]) == validation.ROLES
    assert tuple(schema(spec, "Priority")["enum"]) == PRIORITIES
    assert tuple(schema(spec, "Outcome")["enum"]) == OUTCOMES
    assert schema(spec, "Token")["pattern"] == validation.CODE_PATTERN.pattern


def test_the_waiting_status_describes_exactly_what_the_page_gets(spec):
    """The open status answer (tests/livechat/test_waiting_status.py pins the real one): of the
    colleague who took over only their display name, for the page's header."""
    status = schema(spec, "WaitingStatus")
    fields = {"status", "queue_position", "estimated_wait_minutes", "callback", "agent_name"}
    assert set(status["properties"]) == set(status["required"]) == fields
    assert status["additionalProperties"] is False
    agent_name = status["properties"]["agent_name"]
    assert (agent_name["type"], agent_name["nullable"]) == ("string", True)


def test_the_security_schemes_name_the_real_headers_and_cookie(spec):
    schemes = spec["components"]["securitySchemes"]
    assert {schemes[name]["name"] for name in ("botTimestamp", "botNonce", "botSignature")} == {
        TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER
    }
    assert all(schemes[name]["in"] == "header" for name in ("botTimestamp", "botNonce", "botSignature"))
    assert (schemes["deskSession"]["in"], schemes["deskSession"]["name"]) == ("cookie", SESSION_COOKIE)


def test_every_protected_operation_documents_401_and_every_4xx_is_a_json_error(spec):
    for path, method, operation in operations(spec):
        security = operation.get("security", spec.get("security", []))
        if security:
            assert "401" in operation["responses"], f"{method.upper()} {path}"
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                body = resolve(spec, response)["content"]["application/json"]["schema"]
                error = body if "$ref" in body else body["allOf"][0]
                assert resolve(spec, error) is schema(spec, "Error") or resolve(spec, error) is schema(
                    spec, "ValidationError"
                ), f"{method.upper()} {path} {status}"


async def test_the_service_serves_the_description_from_the_repository(spec, config_for, tmp_path, http):
    config = config_for(f"sqlite:///{tmp_path / 'livechat.sqlite3'}")
    async with running_service(config, FakeClock()) as service:
        async with http.get(service.api("/openapi.json")) as reply:
            assert reply.status == 200
            assert reply.content_type == "application/json"
            assert await reply.json() == spec
