"""The customer's words as the project's responses say them, for tests that check what a customer
reads: a response an action asks Rasa to say, rendered by Rasa's own renderer, and the texts the
live-chat service and the Chatwoot receiver send, read through the shared loader. Tests that use
these keep passing when a designer rewords a response."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from naadloos.core.domain_responses import DomainResponses
from naadloos.core.organisation import load_organisation
from naadloos.handover_contract.customer_channel import BACK_TO_BOT_RESPONSE, RESOLVED_RESPONSE, SATISFACTION_RESPONSE
from tests.conftest import ROOT


@lru_cache(maxsize=1)
def project_responses() -> DomainResponses:
    return DomainResponses.load()


@lru_cache(maxsize=1)
def _rasa_generator() -> Any:
    """Rasa's own renderer of responses (`TemplatedNaturalLanguageGenerator`), with the project's."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator  # heavy: only when a test needs it

    responses = project_responses().responses
    return TemplatedNaturalLanguageGenerator({name: list(response.variations) for name, response in responses.items()})


def rendered(message: dict[str, Any], slots: dict[str, Any] | None = None) -> str | None:
    """The text the customer reads for one dispatcher message: its text, or its response as Rasa
    renders it with `slots` and the message's other fields as values (as Rasa passes them on)."""
    if not message.get("response"):
        return message.get("text")
    values = {key: value for key, value in message.items() if key != "response"}
    draft = _rasa_generator().generate_from_slots(message["response"], slots or {}, "collector", **values)
    return draft["text"] if draft else None


def customer_text(response: str, **values: object) -> str:
    """A response the live chat or the Chatwoot receiver sends, filled with the project's organisation
    facts and `values`, as they fill it."""
    facts = load_organisation(ROOT / "config" / "organisation.yml").response_slots()
    return project_responses().text(response, {**facts, **values})


# What the live chat and the Chatwoot receiver send when a conversation goes back to the bot.
RESUME_TEXT = customer_text(BACK_TO_BOT_RESPONSE)
RESOLVED_TEXT = customer_text(RESOLVED_RESPONSE)
SATISFACTION_QUESTION = customer_text(SATISFACTION_RESPONSE)
