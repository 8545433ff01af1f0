"""`naadloos.core.action_responses`: Rasa's checks of action-server answers and posted events give
the same verdicts and errors as before, with the JSON-schema validator built once."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
import rasa.server
from rasa.core.actions.action import RemoteAction
from rasa.shared.exceptions import RasaException

from naadloos.core import action_responses

VALID_ANSWERS: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "meter_type", "value": "enkel", "timestamp": None}],
     "responses": [{"text": "Dank je!", "buttons": [{"title": "Ja", "payload": "/affirm"}]}]},
    {"events": [{"event": "action", "name": "action_listen"}, {"event": "pause"}]},
    {},
]
INVALID_ANSWERS: list[Any] = [
    {"events": [{"event": "slot"}]},  # a slot event without a name
    {"events": "SlotSet(x)"},
    {"responses": ["Dank je!"]},
    {"events": [{"event": "no_such_event"}]},
    [],
]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Rasa's checks as `naadloos.core.rasa_server` leaves them; put back afterwards."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(rasa.server, "validate_events_in_request_body", rasa.server.validate_events_in_request_body)
    action_responses.install()
    yield


def rasa_error(check: Any, *arguments: Any) -> Exception | None:
    try:
        check(*arguments)
    except Exception as error:  # noqa: BLE001 (compared by type and text)
        return error
    return None


@pytest.mark.parametrize("answer", VALID_ANSWERS + INVALID_ANSWERS)
def test_an_answer_gets_the_verdict_and_error_of_rasas_own_check(answer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    action = RemoteAction("action_test", None)
    expected = rasa_error(RemoteAction._validate_action_result, action, answer)
    with monkeypatch.context() as patched:
        patched.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
        action_responses.install()
        found = rasa_error(action._validate_action_result, answer)
    assert type(found) is type(expected)
    assert str(found) == str(expected)
    if answer in INVALID_ANSWERS:
        assert isinstance(found, jsonschema.ValidationError)
        assert "Failed to validate Action server response" in found.message


def test_the_schema_is_not_checked_again_per_answer(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking the schema against the meta-schema is what cost ~20 ms per action call."""
    checked = []
    validator_class = type(action_responses.validator(RemoteAction.action_response_format_spec()))
    original = validator_class.check_schema

    def counting(schema: Any, *arguments: Any, **keywords: Any) -> Any:
        checked.append(schema)
        return original(schema, *arguments, **keywords)

    monkeypatch.setattr(validator_class, "check_schema", staticmethod(counting))
    action = RemoteAction("action_test", None)
    for _ in range(5):
        for answer in VALID_ANSWERS:
            assert action._validate_action_result(answer) is True
    assert checked == []
    jsonschema.validate({}, RemoteAction.action_response_format_spec())  # Rasa's way checks it each time
    assert len(checked) == 1


def test_installing_twice_changes_nothing(installed: None) -> None:
    check = RemoteAction._validate_action_result
    action_responses.install()
    assert RemoteAction._validate_action_result is check


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ([{"event": "user", "text": "hoi"}], True),
        ({"event": "bot", "text": "Hallo!"}, True),
        ([{"event": "slot"}], False),
        ({"text": "no event"}, False),
    ],
)
def test_posted_events_get_the_verdict_of_rasas_own_check(body: Any, valid: bool, installed: None) -> None:
    request = SimpleNamespace(json=body)
    found = rasa_error(rasa.server.validate_events_in_request_body, request)
    if valid:
        assert found is None
    else:
        assert isinstance(found, rasa.server.ErrorResponse) and found.status == 400
        assert "Failed to validate the events format" in found.error_info["message"]


def test_the_validator_is_shared_per_schema() -> None:
    schema = RemoteAction.action_response_format_spec()
    assert action_responses.validator(schema) is action_responses.validator(RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError):
        action_responses.validate({"events": 1}, action_responses.validator(schema))
    assert not issubclass(jsonschema.ValidationError, RasaException)  # what Rasa's caller catches is unchanged
