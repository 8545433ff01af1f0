"""Customer wording that an action puts together itself, from the domain's responses.

Most actions let Rasa say a response (`dispatcher.utter_message(response=..., **values)`). Some
must know the words themselves: the summary of a form (each answer with its label, and the
label as a button), the hand-over messages (the colleague also reads them in the transcript),
and the confirmation of a submitted form (the feedback question after it records the action as
the subject, so it stays a text of the action). `wording` fills such a response as Rasa fills
one: the conversation's slots (so also the `org_*` facts), then the action's own values.
"""
from __future__ import annotations

from rasa_sdk import Tracker

from naadloos.core.domain_responses import current_domain_responses


def wording(tracker: Tracker, response: str, **values: object) -> str:
    """The text of `response` (domain.yml), with the slots of `tracker` and `values` filled in."""
    return current_domain_responses().text(response, {**tracker.current_slot_values(), **values})
