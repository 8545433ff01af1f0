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
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

_INSTALLED = "_naadloos_cached_validator"


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


def install() -> None:
    """Makes Rasa's two per-request schema checks use validators built once. Idempotent."""
    import rasa.server
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, _INSTALLED, False):
        return
    rasa_action_check = RemoteAction._validate_action_result
    rasa_events_check = rasa.server.validate_events_in_request_body
    action_validator = validator(RemoteAction.action_response_format_spec())
    events_validator = validator(rasa.server.EVENTS_SCHEMA)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validate(result, action_validator)
        except jsonschema.ValidationError:
            return bool(rasa_action_check(self, result))  # raises Rasa's error, with its explanation
        return True

    def validate_events_in_request_body(request: Any) -> None:
        events = request.json if isinstance(request.json, list) else [request.json]
        try:
            validate(events, events_validator)
        except jsonschema.ValidationError:
            rasa_events_check(request)  # raises Rasa's ErrorResponse (400 Bad Request)
            raise

    setattr(_validate_action_result, _INSTALLED, True)
    RemoteAction._validate_action_result = _validate_action_result
    rasa.server.validate_events_in_request_body = validate_events_in_request_body
