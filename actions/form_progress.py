"""'Hoe lang duurt dit nog?' in the middle of a form: how many questions are left.

The count comes from the form's own validation (`form_slots`), so it follows the earlier answers
(a double meter asks two readings, solar panels add the return readings) and counts the
"Klopt dit?" check at the end. The form asks its open question again after this answer (rules in
data/<feature>/rules.yml).
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.callback import ValidateCallbackForm
from actions.forms import DutchFormValidation
from actions.meterstand import ValidateMeterstandForm
from actions.verhuizing import ValidateVerhuizingForm

FORM_VALIDATIONS: dict[str, type[DutchFormValidation]] = {
    validation.form: validation
    for validation in (ValidateMeterstandForm, ValidateVerhuizingForm, ValidateCallbackForm)
}


def questions_left(tracker: Tracker, domain: DomainDict) -> int | None:
    """The questions the active form still has to ask, the open one included; None without a form."""
    form = (tracker.active_loop or {}).get("name")
    validation = FORM_VALIDATIONS.get(form or "")
    if validation is None:
        return None
    domain_slots = domain.get("forms", {}).get(form, {}).get("required_slots", [])
    slots = validation().form_slots(tracker, list(domain_slots))
    return sum(1 for slot in slots if tracker.get_slot(slot) is None)


class ActionFormProgress(Action):
    """Tells how many questions are left, or, outside a form, that there is nothing to wait for."""

    def name(self) -> str:
        return "action_form_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        left = questions_left(tracker, domain)
        if left is None or left == 0:
            dispatcher.utter_message(response="utter_form_progress_no_form")
        elif left == 1:
            dispatcher.utter_message(response="utter_form_progress_last")
        else:
            dispatcher.utter_message(response="utter_form_progress_some", questions_left=left)
        return []
