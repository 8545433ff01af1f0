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


def _event_dicts() -> list[Any]:
    """Events of many types as the action server sends them, and broken versions of them."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        ConversationPaused,
        ConversationResumed,
        FollowupAction,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )
    events = [ActionExecuted("action_listen"), ActiveLoop("meterstand_form"), ActiveLoop(None), AllSlotsReset(),
              BotUttered("Hallo!", {"buttons": [{"title": "Ja", "payload": "/affirm"}]}, {"utter_action": "utter_greet"}),
              ConversationPaused(), ConversationResumed(), FollowupAction("action_handover"), Restarted(),
              SessionStarted(), SlotSet("meter_type", "enkel"), SlotSet("escalation_due", None),
              UserUttered("hoi", {"name": "greet", "confidence": 0.9}, [{"entity": "x", "value": "1", "start": 0, "end": 1}])]
    valid = [event.as_dict() for event in events]
    broken: list[Any] = [
        {**valid[0], "name": 3}, {**valid[1], "name": ["x"]}, {**valid[4], "text": 12}, {**valid[10], "name": None},
        {"event": "no_such_event"}, {"event": 3}, {"name": "x"}, "slot", None, {**valid[12], "parse_data": "x"},
        {**valid[10], "timestamp": "gisteren"}, {**valid[7], "name": {}},
    ]
    return valid + broken


@pytest.mark.parametrize("event", _event_dicts())
@pytest.mark.parametrize("schema_of", ["action answer", "posted events"])
def test_the_check_per_event_type_gives_the_verdict_of_the_whole_schema(event: Any, schema_of: str) -> None:
    if schema_of == "action answer":
        schema, instance = RemoteAction.action_response_format_spec(), {"events": [event], "responses": []}
    else:
        schema, instance = rasa.server.EVENTS_SCHEMA, [event]
    check = action_responses.fast_check(schema)
    assert isinstance(check, action_responses.EventsCheck)
    assert check.is_valid(instance) is action_responses.validator(schema).is_valid(instance)


def test_a_schema_without_typed_event_shapes_keeps_its_validator() -> None:
    schema = {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object"}}}}
    assert action_responses.events_check(schema) is None
    assert action_responses.fast_check(schema) is action_responses.validator(schema)
