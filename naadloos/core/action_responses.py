"""Rasa's JSON-schema checks of action-server answers and of posted events, with the validator built
once instead of on every call.

Rasa 3.6 checks every answer of the action server (`RemoteAction._validate_action_result`) and the
events posted to its HTTP API (`rasa.server.validate_events_in_request_body`) with
`jsonschema.validate(instance, schema)`. That function first checks the *schema* against the
JSON-Schema meta-schema and builds a new validator, every time: about 20 ms of CPU per action call
on our machine, for a schema that never changes. The check of the answer itself takes under 1 ms.

`install()` replaces both with the same check on a validator built once per schema (the schema is
still checked, once, when the validator is built). What is validated stays as it was: an answer
that fails goes through Rasa's own check, so the error (its type, message and when it is raised)
is Rasa's. `naadloos.core.lean_rasa` installs it.

An event must fit exactly one of the schema's 23 event shapes (`oneOf`), and each shape names its
event type (`"event": {"const": "slot"}`). Trying all of them, and collecting why 22 do not fit,
cost about 1.5 ms per answer. `EventsCheck` gives the same verdict by checking what all events
share and then only the shape of the event's own type: no other shape can fit an event whose type
it does not name.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

_INSTALLED = "_naadloos_cached_validator"
EVENT_TYPE = "event"  # the key that names an event's type; each event shape requires its own value


@lru_cache(maxsize=8)
def _validator_for(key: str) -> Validator:
    schema = json.loads(key)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validator(schema: dict[str, Any]) -> Validator:
    """The validator of `schema` (a JSON document), built and the schema checked once."""
    return _validator_for(json.dumps(schema, sort_keys=True))


def validate(instance: Any, checker: Validator) -> None:
    """What `jsonschema.validate(instance, schema)` does, on a validator built before: raises the
    same (best matching) `jsonschema.ValidationError` when `instance` does not fit."""
    error = best_match(checker.iter_errors(instance))
    if error is not None:
        raise error


@dataclass(frozen=True)
class EventsCheck:
    """The verdict of a schema whose events each fit one of several shapes, one per event type.

    `outer` is the schema with any event allowed, `shared` what every event must have, `by_type`
    the shape of each event type."""

    outer: Validator
    shared: Validator
    by_type: Mapping[str, Validator]
    events_key: str | None  # where the events are: a key of the object, or None for a list of events

    def is_valid(self, instance: Any) -> bool:
        if not self.outer.is_valid(instance):
            return False
        events = instance if self.events_key is None else instance.get(self.events_key) or []
        return all(self._event_fits(event) for event in events)

    def _event_fits(self, event: Any) -> bool:
        if not self.shared.is_valid(event):
            return False
        shape = self.by_type.get(event[EVENT_TYPE])
        return shape is not None and shape.is_valid(event)


def events_check(schema: dict[str, Any]) -> EventsCheck | None:
    """The `EventsCheck` of `schema` (a list of events, or an object with a list under "events"),
    or None when its events are not shapes told apart by their type (then only a validator will do)."""
    events_key = None if schema.get("type") == "array" else "events"
    events_schema = schema if events_key is None else (schema.get("properties") or {}).get(events_key) or {}
    items = events_schema.get("items") or {}
    shapes = items.get("oneOf") or []
    named = [((shape.get("properties") or {}).get(EVENT_TYPE) or {}).get("const") for shape in shapes]
    types = [name for name in named if isinstance(name, str)]
    if not shapes or EVENT_TYPE not in (items.get("required") or []) or len(set(types)) != len(shapes):
        return None
    checked = validator(schema)  # the whole schema checked against the meta-schema, once
    any_event = {**events_schema, "items": {}}
    outer = any_event if events_key is None else {**schema, "properties": {**schema["properties"], events_key: any_event}}
    shared = {key: value for key, value in items.items() if key != "oneOf"}
    validator_class = type(checked)
    return EventsCheck(validator_class(outer), validator_class(shared),
                       {name: validator_class(shape) for name, shape in zip(types, shapes, strict=True)}, events_key)


def fast_check(schema: dict[str, Any]) -> EventsCheck | Validator:
    """What checks `schema` fastest with the same verdict: an `EventsCheck`, else its validator."""
    return events_check(schema) or validator(schema)


def install() -> None:
    """Makes Rasa's two per-request schema checks use validators built once. Idempotent."""
    import rasa.server
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, _INSTALLED, False):
        return
    rasa_action_check = RemoteAction._validate_action_result
    rasa_events_check = rasa.server.validate_events_in_request_body
    action_check = fast_check(RemoteAction.action_response_format_spec())
    events_check_ = fast_check(rasa.server.EVENTS_SCHEMA)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if action_check.is_valid(result):
            return True
        return bool(rasa_action_check(self, result))  # raises Rasa's error, with its explanation

    def validate_events_in_request_body(request: Any) -> None:
        events = request.json if isinstance(request.json, list) else [request.json]
        if not events_check_.is_valid(events):
            rasa_events_check(request)  # raises Rasa's ErrorResponse (400 Bad Request)
            raise jsonschema.ValidationError("the events do not fit Rasa's events schema")

    setattr(_validate_action_result, _INSTALLED, True)
    RemoteAction._validate_action_result = _validate_action_result
    rasa.server.validate_events_in_request_body = validate_events_in_request_body
